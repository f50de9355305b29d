"""One subject line for every reminder: what, when, whose.

"Reminder: Answer to the foreclosure complaint, due Mon, Nov 30, 2026 (Grace Lee)". Titles of some
deadline kinds already end in "due"; the word is said once, by the subject, not twice.
"""

from __future__ import annotations

import datetime as dt
import re

_TRAILING_DUE = re.compile(r"[\s,:;-]*\bdue\s*$", re.IGNORECASE)


def readable_date(day: dt.date) -> str:
    """As people read dates: Mon, Nov 30, 2026."""
    return f"{day:%a}, {day:%b} {day.day}, {day.year}"


def reminder_subject(title: str, due_on: dt.date, client: str, overdue: bool = False) -> str:
    what = _TRAILING_DUE.sub("", title.strip()) or title.strip()
    if overdue:
        return f"Overdue: {what}, was due {readable_date(due_on)} ({client})"
    return f"Reminder: {what}, due {readable_date(due_on)} ({client})"
