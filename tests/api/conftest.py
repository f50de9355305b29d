"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from service.db import session_factory


@pytest.fixture()
def sessions(database_url):
    """A session factory on the suite's database (as a worker has)."""
    return session_factory(database_url, across_orgs="the tests' set-up and checks")
