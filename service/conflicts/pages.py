"""Conflict checks on the pages: the intake's check (on demand with htmx, and again when the case is created)
and the case page's rerun. Thin: the checks are service/conflicts/service.py's, stored as the API stores them.

A match on the same side (the servicer adverse on another case too, a returning client) is shown for
information; any other match (opposed: one ours and one adverse, or a party of another kind) must be
acknowledged before the case is opened, and the acknowledgment is recorded in the audit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Mapping

import marshmallow as ma
from flask import g, request

from models.base import utcnow
from models.intake import ConflictCheck
from service import audit
from service.conflicts import service
from service.conflicts.schemas import ProspectivePartySchema
from service.errors import Problem
from service.web.helpers import caller, is_htmx, page_blueprint, render, require_write

bp = page_blueprint("conflicts_pages", __name__)

REUSE_WITHIN = dt.timedelta(minutes=30)  # a check shown on the intake is reused on submit for this long


def needing_review(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The matches a person must acknowledge before opening the case: every one not on the same side."""
    return [m for m in matches if m.get("relation") != "same_side"]


def _prospective(name: str, role: str, email: str | None = None, phone: str | None = None) -> dict[str, Any] | None:
    """One prospective party as the API's schema takes it; a contact detail it refuses is left out."""
    candidate = {
        "name": name.strip(),
        "role": role,
        "email": (email or "").strip() or None,
        "phone": (phone or "").strip() or None,
    }
    for attempt in (candidate, {**candidate, "email": None, "phone": None}):
        try:
            return ProspectivePartySchema().load({k: v for k, v in attempt.items() if v is not None})
        except ma.ValidationError:
            continue
    return None


def intake_parties(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The names entered on the intake form: the client, the co-borrower (if any) and the servicer."""

    def value(name: str) -> str:
        return (form.get(name) or "").strip()

    wanted = []
    client = f"{value('client.first_name')} {value('client.last_name')}".strip()
    if client:
        wanted.append(_prospective(client, "client", value("client.email"), value("client.phone")))
    co_borrower = f"{value('co_borrower.first_name')} {value('co_borrower.last_name')}".strip()
    if co_borrower:
        wanted.append(_prospective(co_borrower, "co_borrower"))
    if value("loan.servicer"):
        wanted.append(_prospective(value("loan.servicer"), "servicer"))
    return [p for p in wanted if p is not None]


def run_for_intake(form: Mapping[str, Any]) -> ConflictCheck | None:
    """Reuse the check the form was shown (same names, this user's, not filed, recent), else run one."""
    parties = intake_parties(form)
    if not parties:
        return None
    me = caller()
    shown = (form.get("conflict_check_id") or "").strip()
    if shown.isdigit() and 0 < int(shown) < 2**31:
        try:
            check = service.get_check(g.db, me.org_id, int(shown))
        except Problem:
            check = None
        if (
            check is not None
            and check.case_id is None
            and check.ran_by_id == me.user_id
            and check.parties == [service.prospective_party(p) for p in parties]
            and check.ran_at >= utcnow() - REUSE_WITHIN
        ):
            return check
    return service.run_check(g.db, me, {"parties": parties})  # the same call the API makes


def acknowledged(form: Mapping[str, Any], check: ConflictCheck) -> bool:
    """Ticked for this very check (the one the person was shown), not for an earlier one."""
    return form.get("acknowledge_conflicts") == "yes" and (form.get("conflict_check_id") or "") == str(check.id)


def file_under_case(check: ConflictCheck, case_id: int) -> None:
    """File the intake's check under the new case; record who went ahead despite the matches."""
    me = caller()
    service.attach_check(g.db, me, check, {"case_id": case_id})
    review = needing_review(check.matches)
    if review:
        audit.record(
            g.db,
            me,
            "acknowledge",
            "conflict_check",
            check.id,
            org_id=me.org_id,
            case_id=case_id,
            after={
                "acknowledged_by": me.user_id,
                "matches": len(review),
                "cases": sorted({m["case_id"] for m in review}),
            },
        )


def panel_context(check: ConflictCheck | None, errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "conflict_check": check,
        "conflict_review": needing_review(check.matches) if check else [],
        "conflict_same_side": [m for m in check.matches if m.get("relation") == "same_side"] if check else [],
        "conflict_errors": errors or {},
    }


def summary(check: ConflictCheck | None) -> str:
    if check is None:
        return "Enter the client's name (or the servicer's) to check for conflicts."
    review = needing_review(check.matches)
    if review:
        return f"{len(review)} possible conflict{'s' if len(review) != 1 else ''} to review."
    return "No possible conflicts found."


@bp.route("/cases/new/conflicts", methods=["POST"])
def intake_check():
    """htmx: the intake's "Check for conflicts" button; answers the panel (the whole form without htmx)."""
    require_write()
    check = run_for_intake(request.form)
    g.db.commit()
    if not is_htmx():
        from service.cases.pages import render_intake

        return render_intake(request.form, {}, check=check, status_message=summary(check))
    body, _ = render("conflicts/_panel.html", **panel_context(check))
    return body, 200, {"HX-Trigger": json.dumps({"announce": summary(check)})}


@bp.route("/cases/<id:case_id>/conflict-checks", methods=["POST"])
def rerun(case_id: int):
    """Check the case's parties again (e.g. after adding one): filed under the case."""
    from service.cases.pages import ensure_can_edit, respond_with_case
    from service.cases.service import get_case
    from service.parties.service import list_parties

    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    parties, _ = list_parties(g.db, case, 1, 50)
    wanted = [p for p in (_prospective(party.name, party.role, party.email, party.phone) for party in parties) if p]
    if not wanted:
        return respond_with_case(case, "The case has no parties to check.", anchor="#conflict-checks")
    check = service.run_check(g.db, caller(), {"parties": wanted, "case_id": case.id})
    g.db.commit()
    return respond_with_case(
        case, "Conflict check run: " + summary(check).lower().rstrip(".") + ".", anchor="#conflict-checks"
    )
