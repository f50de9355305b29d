"""PostgreSQL row-level security, the second wall behind the application's own org_id filters: queries
that forget the filter still see only the organisation the transaction was opened for
(docs/row-level-security.md). The suite's app connects as a role that is neither superuser nor owner."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from models import Borrower, Case, Organization, User
from models.intake import Import
from models.reports import Report
from service.db import across_orgs, for_org, for_org_of, get_read_engine, session_factory
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="row-level security is PostgreSQL's; SQLite keeps the application's scoping only"
)


@pytest.fixture()
def two_orgs_with_cases(org, other_org, new_case):
    mine = [new_case()["id"], new_case()["id"]]
    theirs = org_case(other_org)
    return mine, theirs


def org_case(member_org) -> int:
    from tests.conftest import case_payload

    response = member_org.attorney.post("/api/v1/cases", json=case_payload())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_app_connects_as_a_role_subject_to_the_policies(database_url):
    with session_factory(database_url)() as session:
        superuser, bypass = session.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owner = session.scalar(text("SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'cases'"))
    assert (superuser, bypass, owner) == (False, False, False)


def test_every_table_with_org_data_forces_row_level_security(database_url):
    """A table added later with an org_id column (or a child of one) must get its policies too."""
    import models

    with session_factory(database_url)() as session:
        forced = dict(
            session.execute(
                text(
                    "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
                    "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                )
            ).all()
        )
    holding = {
        t.name
        for t in models.Base.metadata.sorted_tables
        if "org_id" in t.c
        or t.name in ("organizations", "api_tokens", "recovery_codes", "borrowers", "waiver_offers", "client_sms_pace")
    }
    assert {name for name in holding if not forced.get(name)} == set()
    assert not forced.get("notice_scan_state")  # one row, no organisation's data (see the docs)


def test_an_unscoped_query_sees_only_the_sessions_organisation(database_url, org, other_org, two_orgs_with_cases):
    mine, theirs = two_orgs_with_cases
    with session_factory(database_url)() as session:
        for_org(session, org.id)
        ids = set(session.scalars(select(Case.id)))  # deliberately no org_id filter
        assert ids == set(mine)
        assert theirs not in ids
        # Child tables follow their parent: borrowers of the other organisation's case are out of sight.
        borrower_cases = set(session.scalars(select(Borrower.case_id)))
        assert borrower_cases == set(mine)
        assert {u.org_id for u in session.scalars(select(User))} == {org.id}
        assert set(session.scalars(select(Organization.id))) == {org.id}
        # Switching organisation within one transaction takes effect at once.
        for_org(session, other_org.id)
        assert set(session.scalars(select(Case.id))) == {theirs}


def test_a_session_that_sets_no_organisation_sees_nothing(database_url, org, two_orgs_with_cases):
    with session_factory(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(Borrower)) == 0
        session.commit()
        # A later transaction of a session whose earlier one set the organisation sees nothing either.
        for_org(session, org.id)
        assert session.scalar(select(func.count()).select_from(Case)) == 2
        session.commit()
        session.info.clear()
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_across_orgs_is_a_block_and_the_scope_comes_back(database_url, org, other_org, two_orgs_with_cases):
    mine, theirs = two_orgs_with_cases
    with session_factory(database_url)() as session:
        for_org(session, org.id)
        with across_orgs(session, "the test's lookup"):
            assert {theirs, *mine} <= set(session.scalars(select(Case.id)))
        assert set(session.scalars(select(Case.id))) == set(mine)


def test_writing_a_row_of_another_organisation_is_refused(database_url, org, other_org, two_orgs_with_cases):
    mine, theirs = two_orgs_with_cases
    with session_factory(database_url)() as session:
        for_org(session, org.id)
        case = session.get(Case, mine[0])
        session.add(Case(org_id=other_org.id, version=1, property_state="IL", stage="intake"))
        with pytest.raises(DBAPIError, match="row-level security"):
            session.flush()
        session.rollback()
        # Moving one's own row into another organisation is refused too (WITH CHECK on update).
        for_org(session, org.id)
        case = session.get(Case, mine[0])
        case.org_id = other_org.id
        with pytest.raises(DBAPIError, match="row-level security"):
            session.flush()
        session.rollback()
        # The other organisation's rows cannot even be reached to change or delete them.
        for_org(session, org.id)
        assert session.execute(text("UPDATE cases SET notes = 'x' WHERE id = :id"), {"id": theirs}).rowcount == 0
        assert session.execute(text("DELETE FROM borrowers WHERE case_id = :id"), {"id": theirs}).rowcount == 0
        # A borrower attached to a case out of sight is refused (the child's policy goes through its parent).
        session.add(Borrower(case_id=theirs, position=5, first_name="A", last_name="B"))
        with pytest.raises(DBAPIError, match="row-level security"):
            session.flush()
        session.rollback()


def test_a_task_handed_a_row_works_for_that_rows_organisation(database_url, org, other_org, two_orgs_with_cases):
    mine, theirs = two_orgs_with_cases
    with session_factory(database_url)() as session:
        case_id = mine[0]
        report = Report(org_id=org.id, case_id=case_id, type="case_timeline", params={})
        for_org(session, org.id)
        session.add(report)
        session.commit()
        session.info.clear()
        assert for_org_of(session, Report, report.id) == org.id
        assert set(session.scalars(select(Case.id))) == set(mine)
        assert for_org_of(session, Import, 10**9) is None


def test_authentication_scopes_the_rest_of_the_request(database_url, org, other_org, two_orgs_with_cases):
    """The token is found across organisations (by digest); from then on the session sees its org only."""
    from service.auth import authenticate

    mine, _theirs = two_orgs_with_cases
    with session_factory(database_url)() as session:
        caller = authenticate(session, f"Bearer {org.viewer.token}")
        assert caller.org_id == org.id
        assert session.scalar(text("SELECT current_setting('app.org_id', true)")) == str(org.id)
        assert session.scalar(text("SELECT current_setting('app.across_orgs', true)")) == ""
        assert set(session.scalars(select(Case.id))) == set(mine)


@pytest.mark.parametrize("read_only", [False, True])
def test_the_token_lookup_scopes_to_the_tokens_organisation_only_when_it_admits_the_token(
    database_url, org, other_org, read_only
):
    """authenticate's lookup (forestall_token_caller, one statement) reads across organisations, then sets
    the organisation's scope itself: only for a token that is neither revoked nor expired, of an active
    user; otherwise no organisation. Never across organisations afterwards, whatever the scope before."""
    import datetime as dt

    from models import ApiToken
    from service.auth import token_digest

    now = dt.datetime.now(dt.timezone.utc)
    digest = token_digest(org.viewer.token)

    def scope_after_lookup(change, looked_up: str = digest) -> tuple[str | None, str, str]:  # noqa: ANN001
        with session_factory(database_url, across_orgs="the test's set-up")() as setup:
            token = setup.scalars(select(ApiToken).where(ApiToken.token_sha256 == digest)).one()
            user = setup.get(User, token.user_id)
            token.revoked_at, token.expires_at, user.is_active = None, None, True
            change(token, user)
            setup.commit()
        if read_only:  # a connection of the read pool, in autocommit: the scope is the connection's
            with get_read_engine(database_url).connect() as connection:
                connection.execute(text("SELECT set_config('app.org_id', :org, false)"), {"org": str(other_org.id)})
                return _lookup_and_scope(connection, looked_up, now, is_local=False)
        with session_factory(database_url)() as session:
            for_org(session, other_org.id)  # a scope before the lookup: it must not survive it
            return _lookup_and_scope(session.connection(), looked_up, now, is_local=True)

    def revoke(token, _user):  # noqa: ANN001, ANN202
        token.revoked_at = now

    def expire(token, _user):  # noqa: ANN001, ANN202
        token.expires_at = now

    def deactivate(_token, user):  # noqa: ANN001, ANN202
        user.is_active = False

    try:
        assert scope_after_lookup(lambda _token, _user: None) == (str(org.id), str(org.id), "")
        for refused in (revoke, expire, deactivate):
            assert scope_after_lookup(refused) == ("", "", ""), refused.__name__
        assert scope_after_lookup(lambda _token, _user: None, looked_up="0" * 64) == (None, "", "")  # unknown
    finally:
        scope_after_lookup(lambda _token, _user: None)


def _lookup_and_scope(connection, digest: str, now, is_local: bool) -> tuple[str | None, str, str]:  # noqa: ANN001
    from service.auth import _TOKEN_CALLER

    rows = _TOKEN_CALLER.rows(connection, {"digest": digest, "now": now, "is_local": is_local})
    return (
        rows[0].scope_org if rows else None,
        connection.scalar(text("SELECT current_setting('app.org_id', true)")),
        connection.scalar(text("SELECT current_setting('app.across_orgs', true)")),
    )


def test_a_signed_in_browser_session_scopes_the_rest_of_the_request(database_url, org, two_orgs_with_cases):
    import time

    from service.web.session import load_signed_in_caller

    mine, _theirs = two_orgs_with_cases
    now = time.time()
    cookie = {"uid": org.admin.user_id, "sid": "x", "signed_in_at": int(now), "seen_at": int(now), "epoch": 0}
    with session_factory(database_url)() as session:
        assert load_signed_in_caller(session, cookie, now).org_id == org.id
        assert set(session.scalars(select(Case.id))) == set(mine)
        assert {u.org_id for u in session.scalars(select(User))} == {org.id}


def test_within_org_is_a_block_and_the_scope_comes_back(database_url, org, other_org, two_orgs_with_cases):
    from service.db import within_org

    mine, theirs = two_orgs_with_cases
    with session_factory(database_url, across_orgs="the test's scan")() as session:
        with within_org(session, other_org.id):
            assert set(session.scalars(select(Case.id))) == {theirs}
        assert {theirs, *mine} <= set(session.scalars(select(Case.id)))


def test_the_outbox_claims_across_organisations_and_sends_each_row_within_its_own(
    database_url, settings, org, other_org, monkeypatch
):
    """notices.deliver: one queue for every organisation, but each claimed row is handled for its own
    organisation only, so gathering a message cannot reach another organisation's rows."""
    import datetime as dt

    from sqlalchemy import update

    from models.notices import Digest
    from service.notices import outbox

    long_ago = dt.datetime(2001, 2, 3, 13, 0, tzinfo=dt.timezone.utc)  # due for this test only
    with session_factory(database_url, across_orgs="the test's set-up")() as session:
        for member in (org.admin, other_org.admin):
            session.add(
                Digest(
                    org_id=member.org_id,
                    user_id=member.user_id,
                    recipient=member.email,
                    digest_on=long_ago.date(),
                    send_at=long_ago,
                    attempt_at=long_ago,
                    message_id=f"<rls-{member.user_id}@test>",
                )
            )
        session.commit()

    seen: dict[int, tuple[str, int]] = {}

    def handled(session, model, row_id, token, now, mailer, settings):  # noqa: ANN001 - deliver_one's
        scope = session.scalar(text("SELECT current_setting('app.org_id', true)"))
        seen[row_id] = (scope, session.scalar(select(func.count()).select_from(User)))
        session.execute(update(model).where(model.id == row_id).values(state="skipped", claim_token=None))
        session.commit()
        return "skipped"

    monkeypatch.setattr(outbox, "deliver_one", handled)
    results = outbox.deliver_due(
        session_factory(database_url, across_orgs="notices: the test's outbox"), settings, long_ago, mailer=object()
    )
    assert results["skipped"] == 2
    assert sorted(scope for scope, _users in seen.values()) == sorted([str(org.id), str(other_org.id)])
    assert {users for _scope, users in seen.values()} == {5}  # each organisation's own five users only


def test_the_read_pool_never_lends_one_requests_organisation_to_the_next(
    database_url, org, other_org, two_orgs_with_cases
):
    """The read-only requests' pool runs in autocommit, so its scope is set on the connection, not the
    transaction: each request's token lookup must overwrite it, a refused token leaving no organisation,
    or a request would see the last one's rows."""
    from service.auth import authenticate_reader
    from service.errors import Problem

    mine, _theirs = two_orgs_with_cases
    engine = get_read_engine(database_url)
    cases = select(func.count()).select_from(Case)
    for _ in range(3):  # the pool hands the same idle connection back
        with engine.connect() as connection:
            assert authenticate_reader(connection, f"Bearer {org.viewer.token}").org_id == org.id
            assert connection.scalar(cases) == len(mine)
        with engine.connect() as connection:
            with pytest.raises(Problem):
                authenticate_reader(connection, "Bearer fst_" + "x" * 43)
            assert connection.scalar(cases) == 0
            with pytest.raises(DBAPIError, match="read-only"):
                connection.execute(text("UPDATE cases SET notes = 'x'"))
