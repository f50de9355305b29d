"""Outcomes the case's own data already says, suggested so that nobody enters them twice. Pure.

- an approved loan modification (the event modification_approved, also made by a logged loss-mitigation
  decision "modification_approved", or the case outcome "modified"): the default was resolved (10p; 10q on
  a reverse mortgage) and, once the household is current on it, 10r;
- a reinstatement (event reinstated or case outcome "reinstated"): 10p (10q on a reverse mortgage);
- a dismissal (case outcome "dismissed"): 10p (10q), to confirm: a dismissed action is not always a cured default.
A suggestion is never an outcome until a counselor records it; codes already recorded are not suggested."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Suggestion:
    code: str
    achieved_on: dt.date | None
    because: str
    confirm: str


def suggest(
    events: Iterable[tuple[str, dt.date]], case_outcome: str | None, loan_purpose: str | None, recorded: Iterable[str]
) -> list[Suggestion]:
    default_code = "10q" if loan_purpose == "reverse" else "10p"
    dated = {}
    for kind, day in sorted(events, key=lambda e: e[1]):
        dated.setdefault(kind, day)  # the first of each kind
    found: list[Suggestion] = []
    if "modification_approved" in dated or case_outcome == "modified":
        day = dated.get("modification_approved")
        why = f"modification approved on {day.isoformat()}" if day else "the case's outcome is 'modified'"
        found.append(Suggestion(default_code, day, why, "Confirm the default was resolved by the modification."))
        if loan_purpose != "reverse":
            found.append(
                Suggestion(
                    "10r",
                    None,
                    why,
                    "Record once the household is current on the modified mortgage (the date it was confirmed).",
                )
            )
    if "reinstated" in dated or case_outcome == "reinstated":
        day = dated.get("reinstated")
        why = f"loan reinstated on {day.isoformat()}" if day else "the case's outcome is 'reinstated'"
        found.append(Suggestion(default_code, day, why, "Confirm the reinstatement cured the default."))
    if case_outcome == "dismissed":
        found.append(
            Suggestion(
                default_code,
                None,
                "the case's outcome is 'dismissed'",
                "Confirm the default itself was resolved: a dismissed action is not always a cure.",
            )
        )
    seen = set(recorded)
    unique: list[Suggestion] = []
    for suggestion in found:
        if suggestion.code not in seen:
            seen.add(suggestion.code)
            unique.append(suggestion)
    return unique
