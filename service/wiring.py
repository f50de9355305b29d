"""connect_signals(): the one place where domains are wired to each other's signals (service/signals.py).

Called by the app factory (service/app.py), the Celery app (workers/__init__.py) and the CLI
(service/cli.py), each with the settings it built."""

from __future__ import annotations

from typing import Any, Callable

from models import Case
from service.client_messages.planning import plan_case_on_change as plan_client_messages_on_change
from service.config import Settings
from service.notices.planning import plan_case_on_change
from service.signals import deadlines_changed

_connected: list[Callable[..., Any]] = []


def connect_signals(settings: Settings) -> None:
    """Connect every receiver, with this process's settings (a second call replaces the first's)."""
    while _connected:
        deadlines_changed.disconnect(_connected.pop())

    def plan_reminders(case: Case, *, session: Any) -> None:
        # Reminder plans follow deadlines at once (the every-minute scan is only the safety net).
        plan_case_on_change(case, session=session, settings=settings)

    def plan_client_messages(case: Case, *, session: Any) -> None:
        # The client's own reminders follow deadlines too (service/client_messages/planning.py).
        plan_client_messages_on_change(case, session=session, settings=settings)

    for receiver in (plan_reminders, plan_client_messages):
        deadlines_changed.connect(receiver, weak=False)
        _connected.append(receiver)
