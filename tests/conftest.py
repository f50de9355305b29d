"""Fixtures: a migrated database of the selected backend (created and dropped by the suite), the app,
and organisations with users and tokens. Tests isolate themselves by organisation, as the product does."""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BACKEND = os.environ.get("FORESTALL_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get("FORESTALL_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FORESTALL_TEST_REDIS", "redis://127.0.0.1:6379/15")
# With PostgreSQL: the broker is Redis, or RabbitMQ when FORESTALL_TEST_BROKER=rabbitmq.
RABBITMQ_URL = os.environ.get("FORESTALL_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")
BROKER = os.environ.get("FORESTALL_TEST_BROKER", "redis")

_TMP = Path(tempfile.mkdtemp(prefix="forestall-test-"))
os.environ["FORESTALL_VAR"] = str(_TMP / "var")
os.environ.pop("SMTP_URL", None)
# This run's own Celery queue: two runs sharing a Redis or RabbitMQ never take each other's tasks.
TEST_QUEUE = f"forestall-test-{os.getpid()}-{secrets.token_hex(3)}"
os.environ["CELERY_QUEUE"] = TEST_QUEUE
os.environ.setdefault("FORESTALL_ENV", "test")  # the embedded SECRET_KEY is fine here


def _create_pg_database() -> tuple[str, str, str, str]:
    """This run's database, owned by the admin (who migrates it), and its own application role: a login
    that is neither superuser nor owner, so row-level security applies to everything the app does."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"forestall_test_{os.getpid()}_{secrets.token_hex(3)}"
    role, password = f"forestall_app_{os.getpid()}_{secrets.token_hex(3)}", secrets.token_hex(16)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(
            text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '{password}'")
        )
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{name}" TO {role}'))
    admin.dispose()
    owner_url = make_url(PG_ADMIN_URL).set(database=name)
    app_url = owner_url.set(username=role, password=password)
    return (name, role, owner_url.render_as_string(hide_password=False), app_url.render_as_string(hide_password=False))


def _drop_pg_database(name: str, role: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


def terminate_backends(database: str | None = None, pids: list[int] | None = None) -> int:
    """End the server processes of a database (all but the admin's own) or the given ones, as a restart
    would, and wait until they have exited. pg_terminate_backend only signals: until a process has exited,
    its client's socket may not yet hold the FATAL message, and a pool would hand the dead connection out."""
    import time

    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                    "AND (datname = :name OR pid = ANY(:pids))"
                ),
                {"name": database, "pids": pids or []},
            )
            ended = list(found.scalars())
            # A statement of its own: within one WHERE clause the planner may call pg_terminate_backend first.
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(:pids) AS pid"), {"pids": ended})
            deadline = time.monotonic() + 10
            while connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": ended}
            ).scalar():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"terminated backends still running: {ended}")
                time.sleep(0.02)
    finally:
        admin.dispose()
    return len(ended)


@contextmanager
def recorded_statements(target=None) -> Iterator[list[str]]:  # noqa: ANN001
    """The SQL statements sent while the block runs: by one engine, or by every engine (the default)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    target = target if target is not None else Engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # noqa: ANN001, ANN202
        statements.append(statement)

    event.listen(target, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", record)


if BACKEND == "postgresql":
    # The app (DATABASE_URL) connects as the run's own role, subject to row-level security; the migrations
    # (MIGRATION_DATABASE_URL) as the admin, who owns the tables.
    _PG_NAME, _PG_ROLE, _MIGRATION_DATABASE_URL, _DATABASE_URL = _create_pg_database()
    os.environ["CELERY_BROKER_URL"] = RABBITMQ_URL if BROKER == "rabbitmq" else REDIS_URL
else:
    _PG_NAME, _PG_ROLE, _DATABASE_URL = None, None, f"sqlite:///{_TMP / 'forestall.sqlite'}"
    _MIGRATION_DATABASE_URL = _DATABASE_URL
    os.environ["CELERY_BROKER_URL"] = f"sqla+sqlite:///{_TMP / 'broker.sqlite'}"
os.environ["DATABASE_URL"] = _DATABASE_URL
os.environ["MIGRATION_DATABASE_URL"] = _MIGRATION_DATABASE_URL


def pytest_report_header(config):
    return f"forestall backend: {BACKEND} ({_DATABASE_URL.split('@')[-1]}), broker {os.environ['CELERY_BROKER_URL']}"


def _delete_test_queue(broker_url: str) -> None:
    """Remove this run's queue from a shared broker: on RabbitMQ the queue itself; on Redis every key
    kombu made for it (the list, its priority lists and its binding records)."""
    try:
        if broker_url.startswith("redis"):
            import redis

            client = redis.Redis.from_url(broker_url)
            keys = list(client.scan_iter(f"*{TEST_QUEUE}*"))
            if keys:
                client.delete(*keys)
        else:
            from kombu import Connection

            with Connection(broker_url, connect_timeout=3) as connection:
                connection.default_channel.queue_delete(TEST_QUEUE)
    except Exception as error:  # noqa: BLE001 - a broker that went away leaves nothing to clean
        print(f"could not delete the test queue {TEST_QUEUE}: {error}")


def pytest_sessionfinish(session, exitstatus):
    if BACKEND == "postgresql":
        _delete_test_queue(REDIS_URL)
        if BROKER == "rabbitmq":
            _delete_test_queue(RABBITMQ_URL)
    if _PG_NAME:
        from service.db import get_engine

        get_engine(_DATABASE_URL).dispose()
        get_engine(_MIGRATION_DATABASE_URL).dispose()
        _drop_pg_database(_PG_NAME, _PG_ROLE)


@pytest.fixture(scope="session")
def database_url() -> str:
    from service.migrate import app_role_for, upgrade

    upgrade(_MIGRATION_DATABASE_URL, app_role=app_role_for(_DATABASE_URL, _MIGRATION_DATABASE_URL))
    return _DATABASE_URL


@pytest.fixture(scope="session")
def settings(database_url):
    """The suite's settings, built once, as an entry point builds them."""
    from service.config import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def app(settings):
    from service.app import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def frozen_now(monkeypatch):
    """frozen_now(moment): the application's "now" (models.base.clock) is `moment` until the test ends;
    dates measured in an organisation's time zone follow it."""
    import models.base

    def freeze(moment):
        monkeypatch.setattr(models.base, "clock", lambda: moment)
        return moment

    return freeze


@pytest.fixture()
def db_session(database_url):
    from service.db import session_factory

    session = session_factory(database_url, across_orgs="the tests' set-up and checks")()
    yield session
    session.rollback()
    session.close()


_counter = itertools.count(1)


@dataclass
class Member:
    """A user with a token, and a client that sends it."""

    client: Any
    user_id: int
    email: str
    role: str
    token: str
    org_id: int
    org_slug: str

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, **kw):
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw):
        return self.client.post(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path: str, json: Any = None, **kw):
        return self.client.patch(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path: str, **kw):
        return self.client.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, path: str, json: Any = None, **kw):
        return self.client.put(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)


@dataclass
class Org:
    id: int
    slug: str
    members: dict[str, Member] = field(default_factory=dict)

    def __getattr__(self, role: str) -> Member:
        try:
            return self.members[role]
        except KeyError:
            raise AttributeError(role) from None


TEST_ORG_TIMEZONE = "America/Chicago"  # make_org's organisations, unless a test names another


def org_today() -> Any:
    """Today for the test organisations: the date the application calls today for them, in their time zone.
    The machine's date runs a day ahead from midnight UTC until midnight in Chicago; a test that used it
    entered tomorrow's dates for six hours a day."""
    from service.rulebook import local_today

    return local_today(TEST_ORG_TIMEZONE)


@pytest.fixture()
def make_org(app, database_url):
    """make_org() -> an organisation with one user and token per role (org.admin, org.viewer, ...)."""
    from service.auth import issue_token
    from service.db import session_factory
    from service.orgs import create_org, create_user

    def factory(timezone: str = TEST_ORG_TIMEZONE) -> Org:
        n = next(_counter)
        slug = f"t{n}-{uuid.uuid4().hex[:8]}"
        with session_factory(database_url, across_orgs="the tests' set-up and checks")() as session:
            org = create_org(session, f"Test org {n}", slug, timezone)
            result = Org(id=org.id, slug=slug)
            for role in ("admin", "attorney", "paralegal", "counselor", "viewer"):
                user = create_user(session, org, f"{role}@{slug}.example", role, f"{role.title()} {n}")
                token = issue_token(session, user)
                result.members[role] = Member(app.test_client(), user.id, user.email, role, token, org.id, slug)
            session.commit()
        return result

    return factory


@pytest.fixture()
def org(make_org):
    return make_org()


@pytest.fixture()
def other_org(make_org):
    return make_org()


def case_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "client": {
            "first_name": "Maria",
            "last_name": "Gonzalez",
            "email": "maria@example.com",
            "phone": "312-555-0100",
        },
        "co_borrowers": [{"first_name": "Luis", "last_name": "Gonzalez"}],
        "property": {
            "street": "1420 W Addison St",
            "city": "Chicago",
            "state": "IL",
            "zip": "60613",
            "county": "Cook",
            "occupancy": "primary_residence",
            "dwelling_units": 1,
            "acreage": "0.250",
        },
        "loan": {
            "servicer": "Midland",
            "investor": "fha",
            "loan_number": "4000123456",
            "purpose": "purchase",
            "lien_position": 1,
            "unpaid_principal": "600000.00",
            "accrued_interest": "0.00",
            "fees_and_costs": "0.00",
            "credits": "0.00",
        },
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(payload.get(key), dict):
            payload[key] = {**payload[key], **value}
        else:
            payload[key] = value
    return payload


@pytest.fixture()
def new_case(org):
    def factory(member: Member | None = None, **overrides: Any) -> dict:
        response = (member or org.attorney).post("/api/v1/cases", json=case_payload(**overrides))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
