"""A database and a broker of a worker test's own, so the real worker processes it starts share nothing with
the rest of the suite. On PostgreSQL the database has its own application role, so the workers run under
row-level security as in production; the migrations run as the owner."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import BACKEND, BROKER, RABBITMQ_URL, REDIS_URL


@dataclass(frozen=True)
class PrivateBackends:
    tmp: Path  # a scratch directory for the processes, removed afterwards
    database_url: str  # what the workers connect as
    broker_url: str


@contextmanager
def private_backends(prefix: str) -> Iterator[PrivateBackends]:
    from service.db import get_engine
    from service.migrate import app_role_for, upgrade
    from tests.conftest import _create_pg_database, _drop_pg_database

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    if BACKEND == "postgresql":
        name, role, owner_url, url = _create_pg_database()
        broker = RABBITMQ_URL if BROKER == "rabbitmq" else REDIS_URL
    else:
        name, role, url = None, None, f"sqlite:///{tmp / 'workers.sqlite'}"
        owner_url = url
        broker = f"sqla+sqlite:///{tmp / 'broker.sqlite'}"
    upgrade(owner_url, app_role=app_role_for(url, owner_url))
    try:
        yield PrivateBackends(tmp, url, broker)
    finally:
        if name:
            get_engine(url).dispose()
            get_engine(owner_url).dispose()
            _drop_pg_database(name, role)
        shutil.rmtree(tmp, ignore_errors=True)
