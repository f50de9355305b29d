"""Reset and invitation links: when one still works (pure: the row and the time)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.accounts import AccountLink
from service.accounts.links import LINK_PREFIX, link_digest, link_state

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "expires_in, used, expected",
    [
        (dt.timedelta(minutes=1), False, "valid"),
        (dt.timedelta(0), False, "expired"),
        (dt.timedelta(minutes=-1), False, "expired"),
        (dt.timedelta(minutes=30), True, "used"),
        (dt.timedelta(minutes=-30), True, "used"),
    ],
)
def test_link_state(expires_in, used, expected):
    link = AccountLink(expires_at=NOW + expires_in, used_at=NOW - dt.timedelta(minutes=5) if used else None)
    assert link_state(link, NOW) == expected


def test_an_unknown_link_is_unknown():
    assert link_state(None, NOW) == "unknown"


def test_the_stored_digest_is_not_the_token_and_purposes_have_distinct_prefixes():
    token = LINK_PREFIX["reset"] + "abc"
    assert len(link_digest(token)) == 64 and "abc" not in link_digest(token)
    assert LINK_PREFIX["reset"] != LINK_PREFIX["invite"]
