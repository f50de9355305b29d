"""Health, readiness, and the lists of names the API uses."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from sqlalchemy import text

from service import draining
from service.errors import DATABASE_RETRY_AFTER_SECONDS, problem_response
from service.http import Blueprint, db, documented_body
from workers import broker_answers

blp = Blueprint("meta", __name__, description="Health and readiness")

HEALTH = {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}, "required": ["status"]}
READINESS = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ready"]},
        "checks": {"type": "object", "additionalProperties": {"type": "boolean"}},
    },
}


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, description="The process is up")
    @blp.doc(responses=documented_body("The process is up", "application/json", HEALTH))
    def get(self):
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(security=[])
    @blp.response(200, description="The database and the broker answer")
    @blp.alt_response(503, description="The database or the broker does not answer, or the process is stopping")
    @blp.doc(
        responses={
            **documented_body("The database and the broker answer", "application/json", READINESS),
            **documented_body(
                "The database or the broker does not answer, or the process is stopping",
                "application/problem+json",
                {"$ref": "#/components/schemas/Problem"},
                "503",
            ),
        }
    )
    def get(self):
        retry = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
        if draining.is_draining():
            return problem_response(
                503, "Service Unavailable", "Not ready: this process is shutting down.", headers=retry
            )
        checks = {"database": _database_answers(), "broker": _broker_answers()}
        if all(checks.values()):
            return {"status": "ready", "checks": checks}
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        return problem_response(503, "Service Unavailable", f"Not ready: {failing} does not answer.", headers=retry)


def _database_answers() -> bool:
    try:
        db().execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - readiness reports any failure as "no"
        current_app.logger.exception("readiness: database")
        return False


def _broker_answers() -> bool:
    try:
        return broker_answers()
    except Exception:  # noqa: BLE001
        current_app.logger.exception("readiness: broker")
        return False
