"""The loaded jurisdiction and federal rules, shared by the API, the workers and the CLI.

Loaded (and schema-validated) once at start-up: a malformed rules file stops start-up with the file
and the field named (service.clock.rules.RulesError)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from service.clock.rules import Rulebook, load_rulebook


def rules() -> Rulebook:
    return load_rulebook(require_all=True)  # cached after the first call


def local_today(timezone: str) -> dt.date:
    """Today in the organisation's time zone: the day deadlines are measured against."""
    return dt.datetime.now(ZoneInfo(timezone)).date()
