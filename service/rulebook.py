"""The loaded jurisdiction and federal rules, shared by the API, the workers and the CLI.

Loaded (and schema-validated) once at start-up: a malformed rules file stops start-up with the file
and the field named (service.clock.rules.RulesError)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from models.base import utcnow
from service.clock.rules import Rulebook, load_rulebook


def rules() -> Rulebook:
    return load_rulebook(require_all=True)  # cached after the first call


def local_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """Today in the organisation's time zone (at `now`, an aware date-time; default: the clock): the day
    deadlines are measured against. The one place this is computed."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()
