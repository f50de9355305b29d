"""schemathesis over the whole /openapi.json: no server error, no answer that breaks the documented schema.

Bounded examples per operation to keep `make test` fast; the tenant walk (test_tenancy.py) covers what
single-identity fuzzing cannot (another organisation's ids answering 404)."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def fuzz_token(app):
    from service.auth import issue_token
    from service.config import load_settings
    from service.db import session_factory
    from service.orgs import create_org, create_user

    with session_factory(load_settings().database_url, across_orgs="the tests' set-up and checks")() as session:
        org = create_org(session, "Fuzz org", f"fuzz-{uuid.uuid4().hex[:8]}")
        user = create_user(session, org, f"fuzz-{uuid.uuid4().hex[:8]}@example.com", "admin")
        token = issue_token(session, user)
        session.commit()
    return token


@pytest.fixture(scope="module")
def api_schema(app, fuzz_token):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)

    @schema.auth()
    class BearerToken:
        def get(self, case, context):
            return fuzz_token

        def set(self, case, data, context):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    return schema


def test_api_conforms_to_its_openapi_document(api_schema):
    """Each operation of the document, fuzzed in turn; all failures reported together."""
    from hypothesis import given

    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            # A schema-valid body may still name a user or object that does not exist: that is a
            # documented 422, not a bug, so "positive data acceptance" is not checked.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())


STATEFUL_SCENARIOS = 15
STATEFUL_STEPS = 6


def test_api_conforms_in_sequences_of_calls(api_schema):
    """The stateful phase: schemathesis links operations (a case created, then read, changed, its events and
    deadlines listed...) from the document and the Location headers, and checks every answer on the way."""
    machine = api_schema.as_state_machine()

    class Sequences(machine):  # type: ignore[valid-type, misc]
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # As above: a schema-valid body may name an object that does not exist (a documented 422).
            try:
                case.validate_response(response, excluded_checks=[positive_data_acceptance])
            except Exception:
                # Printed as it happens: the data behind a sequence changes as it runs, so Hypothesis's replay
                # of a failure may diverge and report only "flaky"; this line is then the failure itself.
                print(f"failed: {case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}")
                raise

    Sequences.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
