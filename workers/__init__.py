"""The Celery application: `celery -A workers worker` and `celery -A workers beat`.

Celery only does "send now" work; what must happen (reminders, reports) is kept as database rows, so a
lost broker message loses nothing (a redelivered message finds its row already done).
"""

from __future__ import annotations

import pkgutil
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, worker_init, worker_process_init

from reports.render import preload_for_rendering, tune_process_for_rendering
from service.config import load_settings, prepare_directories
from service.wiring import connect_signals

settings = load_settings()  # this process's settings, built once; the tasks use them


def _task_modules() -> list[str]:
    """Every module in workers/ holds tasks (workers/notices.py, workers/reports.py, ...)."""
    return sorted(f"workers.{m.name}" for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.ispkg)


app = Celery("forestall", broker=settings.broker_url, include=_task_modules())
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,  # a killed pool child's task runs again: tasks are idempotent
    worker_prefetch_multiplier=1,
    task_default_queue=settings.celery_queue,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_max_memory_per_child=settings.worker_max_memory_mb * 1024,  # KiB; checked after each task
    timezone="UTC",
    enable_utc=True,
    # Periodic jobs; each entry names a task in a workers/ module. Any number of beats may run (one per
    # host, for availability): every task is safe when triggered twice at once (service/periodic.py).
    beat_schedule={
        "notices-scan": {"task": "notices.scan", "schedule": settings.scan_seconds},
        "client-messages-scan": {"task": "client_messages.scan", "schedule": settings.scan_seconds},
        # Statuses move with time (open -> missed, redemption -> post_sale): recompute daily, 10:10 UTC.
        "deadlines-refresh": {"task": "notices.refresh_deadlines", "schedule": crontab(hour=10, minute=10)},
        "reports-rescan": {"task": "reports.rescan", "schedule": settings.scan_seconds},
        "imports-rescan": {"task": "imports.rescan", "schedule": settings.scan_seconds},
    },
)
if settings.broker_url.startswith("sqla+"):
    app.conf.broker_transport_options = {}
celery = app
connect_signals(settings)  # reminder plans follow every recompute a task makes


@worker_init.connect
@beat_init.connect
def _prepare_directories(**_kwargs: object) -> None:
    prepare_directories(settings)  # when a worker or beat starts, not on import


@worker_init.connect
def _preload_for_rendering(**_kwargs: object) -> None:
    preload_for_rendering()  # in the worker's main process, before it forks the pool


@worker_process_init.connect
def _tune_for_rendering(**_kwargs: object) -> None:
    tune_process_for_rendering()  # the worker processes render the reports


def broker_answers(timeout: float = 3) -> bool:
    """Readiness: does the broker accept a connection? (Asked by GET /readyz; any failure is "no".)"""
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)
    return True
