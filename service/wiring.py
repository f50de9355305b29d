"""connect_signals(): the one place where domains are wired to each other's signals (service/signals.py).

Called by the app factory (service/app.py), the Celery app (workers/__init__.py) and the CLI
(service/cli.py). Connecting twice is harmless: blinker keeps one connection per receiver."""
from __future__ import annotations

from service.notices.planning import plan_case_on_change
from service.signals import deadlines_changed


def connect_signals() -> None:
    # Reminder plans follow deadlines at once (the every-minute scan is only the safety net).
    deadlines_changed.connect(plan_case_on_change, weak=False)
