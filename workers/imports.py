"""Import tasks: run an import's dry run or commit (idempotent: claimed with a compare-and-set and a lease;
rows already made into cases are known by their keys), and the minute-by-minute rescan that re-enqueues
imports a lost message or a dead worker left behind."""
from __future__ import annotations

from service.config import load_settings
from service.db import session_factory
from service.imports import service
from workers import app


def _session():
    return session_factory(load_settings().database_url)()


@app.task(name="imports.run")
def run_import_task(import_id: int) -> str | None:
    with _session() as session:
        row = service.process_import(session, import_id)
        return row.state if row else None


@app.task(name="imports.rescan")
def rescan_imports_task() -> int:
    with _session() as session:
        import_ids = service.imports_to_enqueue(session)
    for import_id in import_ids:
        run_import_task.delay(import_id)
    return len(import_ids)
