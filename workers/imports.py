"""Import tasks: run an import's dry run or commit (idempotent: claimed with a compare-and-set and a lease;
rows already made into cases are known by their keys), and the minute-by-minute rescan that re-enqueues
imports a lost message or a dead worker left behind."""

from __future__ import annotations

import logging

from models.intake import Import
from service import periodic
from service.db import for_org_of, session_factory
from service.imports import service
from workers import app, settings

log = logging.getLogger(__name__)


def _session():
    return session_factory(settings.database_url)()


def _scanning_session():
    return session_factory(
        settings.database_url, across_orgs="imports.rescan: unfinished imports of every organisation"
    )()


@app.task(name="imports.run")
def run_import_task(import_id: int) -> str | None:
    with _session() as session:
        if for_org_of(session, Import, import_id) is None:
            return None
        row = service.process_import(session, import_id)
        return row.state if row else None


@app.task(name="imports.rescan")
def rescan_imports_task() -> int:
    with _scanning_session() as session:

        def work() -> list[int]:
            ids = service.imports_to_enqueue(session)
            session.commit()
            return ids

        import_ids = periodic.alone(session, "imports.rescan", work) or []  # [] while another copy runs
    for import_id in import_ids:
        run_import_task.delay(import_id)
    return len(import_ids)


def enqueue_import(import_id: int) -> bool:
    """Hand the work to a worker (called by the API and the CLI). A broker that is down loses nothing: the
    rescan finds the import by its state and enqueues it again."""
    try:
        run_import_task.apply_async((import_id,), retry=False)
        return True
    except Exception:  # noqa: BLE001 - any broker failure; the row is the truth
        log.warning("could not enqueue import %s; the rescan will pick it up", import_id, exc_info=True)
        return False
