"""The read path's database handling: read-only views run without a transaction on connections the
database keeps read-only, and a connection the server closed is replaced without a failed request."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from service.http import is_read_only

from tests.conftest import BACKEND, recorded_statements, terminate_backends

postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL connection behaviour")


def test_the_case_detail_is_a_read_only_view_and_its_writes_are_not(app):
    from service.cases.api import CaseItem, Cases

    assert is_read_only(CaseItem.get)
    assert not is_read_only(CaseItem.patch) and not is_read_only(CaseItem.delete) and not is_read_only(Cases.post)


def test_a_read_only_request_uses_a_read_connection_and_no_session_and_others_a_session(app, org, new_case):
    from flask import g

    case_id = new_case()["id"]
    seen: list[tuple[bool, bool]] = []

    def remember(response):  # noqa: ANN001, ANN202
        seen.append(("read_connection" in g, "db" in g))
        return response

    app.after_request_funcs.setdefault(None, []).append(remember)
    try:
        assert org.attorney.get(f"/api/v1/cases/{case_id}").status_code == 200
        assert org.attorney.get(f"/api/v1/cases/{case_id}/history").status_code == 200
        assert (
            org.attorney.patch(f"/api/v1/cases/{case_id}", json={"notes": "x"}, headers={"If-Match": "*"}).status_code
            == 200
        )
    finally:
        app.after_request_funcs[None].remove(remember)
    assert seen == [(True, False), (False, True), (False, True)]


@postgresql_only
def test_the_read_connections_cannot_write(database_url):
    from service.db import get_read_engine

    with get_read_engine(database_url).connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
        with pytest.raises(Exception, match="read-only transaction"):
            connection.execute(text("UPDATE organizations SET name = name"))


@postgresql_only
def test_a_read_only_view_outside_the_api_sees_no_organisation_of_an_earlier_request(settings, org, new_case):
    """The read pool's scope belongs to the connection (autocommit); a read-only view that identifies
    nobody must not inherit the organisation the connection's last API request set."""
    from sqlalchemy import func, select

    from models import Case
    from service.app import create_app
    from service.http import read_connection, read_only

    probe_app = create_app(settings)

    @probe_app.get("/read-only-probe")
    @read_only
    def probe():  # noqa: ANN202
        return str(read_connection().scalar(select(func.count()).select_from(Case)))

    case_id = new_case()["id"]
    client, token = probe_app.test_client(), {"Authorization": f"Bearer {org.attorney.token}"}
    for _ in range(5):
        assert client.get(f"/api/v1/cases/{case_id}", headers=token).status_code == 200
        assert client.get("/read-only-probe").get_data(as_text=True) == "0"


@postgresql_only
def test_a_connection_the_server_closed_is_replaced_without_a_failed_request(app, org, new_case, database_url):
    from service.db import get_engine, get_read_engine

    case_id = new_case()["id"]
    path = f"/api/v1/cases/{case_id}"
    assert org.attorney.get(path).status_code == 200
    assert org.attorney.get("/api/v1/cases").status_code == 200
    # End every pooled connection of the app's engines from the server side (as a restart would).
    pids = []
    for engine in (get_engine(database_url), get_read_engine(database_url)):
        with engine.connect() as connection:
            pids.append(connection.execute(text("SELECT pg_backend_pid()")).scalar())
    terminate_backends(pids=pids)  # and waits until they have exited: their FATAL message is in the sockets
    assert org.attorney.get(path).status_code == 200
    assert org.attorney.get("/api/v1/cases").status_code == 200


def test_the_limiter_is_not_consulted_for_a_read_only_view_and_still_is_for_the_others(app, org, new_case, monkeypatch):
    from service.limits import limiter

    case_id = new_case()["id"]
    calls: list[str] = []
    original = type(limiter).identify_request
    monkeypatch.setattr(type(limiter), "identify_request", lambda self: calls.append("checked") or original(self))
    assert org.attorney.get(f"/api/v1/cases/{case_id}").status_code == 200
    assert calls == []
    assert org.attorney.get(f"/api/v1/cases/{case_id}/history").status_code == 200
    assert calls


def test_a_case_read_costs_two_statements_with_row_level_security_too(org, new_case, database_url):
    """The statements one case detail sends: the token and the case, as the floor of bench/api_bench.py.
    On PostgreSQL the token's is forestall_token_caller, which also sets the row-level security scope
    (across organisations for the lookup, then the token's organisation): no set_config statement of its
    own, not even at the session's begin. A new statement on this path is a round trip on every request:
    this test says so when one appears."""

    from service.db import get_read_engine

    case_id = new_case()["id"]
    engine = get_read_engine(database_url)
    with recorded_statements(engine) as statements:
        assert org.attorney.get(f"/api/v1/cases/{case_id}").status_code == 200
    kinds = ["scope" if "set_config" in s else "token" if "token" in s else "case" for s in statements]
    assert kinds == ["token", "case"], statements
    if BACKEND == "postgresql":
        assert "forestall_token_caller" in statements[0]


def test_the_case_detail_shows_the_case_read_without_orm_objects_exactly_as_the_model_dumps(
    org, other_org, new_case, database_url
):
    """read_case (the case detail's loader) returns plain attributes instead of the ORM case: the API's
    document must be the same, field for field, for a full case, a bare one and one with co-borrowers."""
    from sqlalchemy import update

    from models import Case
    from service.cases.schemas import CaseListItemSchema, CaseSchema
    from service.cases.service import get_case, read_case
    from service.db import for_org, session_factory
    from service.errors import Problem

    full = new_case(
        co_borrowers=[
            {"first_name": "Luis", "last_name": "Gonzalez", "email": "luis@example.com", "preferred_language": "es"},
            {"first_name": "Ana", "last_name": "Gonzalez", "phone": "312-555-0101"},
        ],
        property={"homestead_claimed": True, "agricultural_use": False},
        loan={"original_principal": "650000.00", "executed_on": "2019-03-04", "deficiency_waived_by_lender": True},
        foreclosure_process="judicial",
        notes="Called twice.",
    )["id"]
    bare = new_case(
        client={"first_name": "Jo", "last_name": "Lee", "email": None, "phone": None},
        co_borrowers=[],
        property={"street": None, "city": None, "zip": None, "county": None, "acreage": None},
        loan={"servicer": None, "investor": None, "loan_number": None, "purpose": None},
    )["id"]
    with session_factory(database_url)() as session:
        for_org(session, org.id)
        session.execute(update(Case).where(Case.id == bare).values(event_outcome="dismissed", assigned_to_id=None))
        session.execute(update(Case).where(Case.id == full).values(outcome="modified", event_outcome="foreclosed"))
        session.commit()
        for case_id in (full, bare):
            shown = read_case(session.connection(), org.id, case_id)
            model = get_case(session, org.id, case_id)
            for schema in (CaseSchema(), CaseListItemSchema()):
                assert schema.dump(shown) == schema.dump(model)
        assert [b.first_name for b in read_case(session.connection(), org.id, full).borrowers] == [
            "Maria",
            "Luis",
            "Ana",
        ]
        assert read_case(session.connection(), org.id, bare).borrowers[1:] == []
    # Another organisation's case, and a closed one, are not found.
    assert other_org.attorney.get(f"/api/v1/cases/{full}").status_code == 404
    assert org.attorney.delete(f"/api/v1/cases/{bare}").status_code == 204
    with session_factory(database_url)() as session:
        for_org(session, other_org.id)
        with pytest.raises(Problem):
            read_case(session.connection(), other_org.id, full)
        for_org(session, org.id)
        with pytest.raises(Problem):
            read_case(session.connection(), org.id, bare)


def _scoped_connection(database_url: str, org_id: int):  # noqa: ANN202
    from service.db import get_engine

    connection = get_engine(database_url).connect()
    if BACKEND == "postgresql":
        connection.execute(text("SELECT set_config('app.org_id', :org, false)"), {"org": str(org_id)})
    return connection


def test_a_direct_read_converts_values_as_the_column_types_do(org, new_case, database_url):
    """DirectRead runs the case read on the driver's cursor on PostgreSQL: the column types' conversions
    still apply (UTCDateTime gives UTC whatever the connection's time zone; money stays Decimal)."""
    import datetime as dt
    from decimal import Decimal

    from service.cases.service import _CASE_COLUMNS

    case_id = new_case(loan={"original_principal": "650000.10"})["id"]
    connection = _scoped_connection(database_url, org.id)
    try:
        if BACKEND == "postgresql":
            connection.execute(text("SET TIME ZONE 'America/Chicago'"))
        row = _CASE_COLUMNS.rows(connection, {"case_id": case_id, "org_id": org.id})[0]  # one per borrower
    finally:
        connection.close()
    assert row.created_at.tzinfo == dt.timezone.utc
    assert row.loan_original_principal == Decimal("650000.10")
    assert row.id == case_id


@postgresql_only
def test_a_direct_read_on_a_lost_connection_raises_sqlalchemys_error_and_invalidates_it(org, new_case, database_url):
    """A connection that dies under a DirectRead is reported as SQLAlchemy would (OperationalError,
    connection_invalidated: the read is then retried once, service.errors.retry_reads_once) and is not
    handed back to the pool."""
    from sqlalchemy.exc import OperationalError

    from service.cases.service import _CASE_COLUMNS

    case_id = new_case()["id"]
    connection = _scoped_connection(database_url, org.id)
    try:
        terminate_backends(pids=[connection.execute(text("SELECT pg_backend_pid()")).scalar()])
        with pytest.raises(OperationalError) as raised:
            _CASE_COLUMNS.rows(connection, {"case_id": case_id, "org_id": org.id})
        assert raised.value.connection_invalidated
        assert connection.invalidated
    finally:
        connection.close()
