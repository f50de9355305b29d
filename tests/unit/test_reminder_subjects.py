"""Reminder subjects: what, when, whose, in one format for every deadline kind."""

from __future__ import annotations

import datetime as dt

import pytest

from service.clock.kinds import DEADLINE_KINDS
from service.notices.subjects import reminder_subject

DUE = dt.date(2026, 11, 30)


@pytest.mark.parametrize("kind", sorted(DEADLINE_KINDS))
@pytest.mark.parametrize("overdue", [False, True])
def test_every_kind_reads_what_when_whose(kind: str, overdue: bool) -> None:
    subject = reminder_subject(DEADLINE_KINDS[kind].title, DUE, "Grace Lee", overdue=overdue)
    assert subject.startswith("Overdue: " if overdue else "Reminder: ")
    assert subject.endswith((", was due" if overdue else ", due") + " Mon, Nov 30, 2026 (Grace Lee)")
    assert subject.lower().count(" due") == 1, subject


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Answer to the foreclosure complaint due",
            "Reminder: Answer to the foreclosure complaint, due Mon, Nov 30, 2026 (Grace Lee)",
        ),
        ("Redemption period ends", "Reminder: Redemption period ends, due Mon, Nov 30, 2026 (Grace Lee)"),
        ("Documents due", "Reminder: Documents, due Mon, Nov 30, 2026 (Grace Lee)"),
        ("Due", "Reminder: Due, due Mon, Nov 30, 2026 (Grace Lee)"),
    ],
)
def test_titles(title: str, expected: str) -> None:
    assert reminder_subject(title, DUE, "Grace Lee") == expected
