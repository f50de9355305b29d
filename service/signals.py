"""Named signals between domains. A domain sends; service/wiring.py connects the receivers, once, in
every process (the app factory, the Celery app and the CLI), so no behaviour depends on what a process
happened to import."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the case (sender) and `session=` after a case's deadlines changed: a recompute, a manual
# deadline added, changed or removed, a waiver request's follow-up. Receivers act in the same transaction.
deadlines_changed = _signals.signal("deadlines-changed")
