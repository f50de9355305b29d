"""Engine and sessions, shared by the API, the workers and the CLI."""
from __future__ import annotations

import select as io_select
from functools import lru_cache

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


@lru_cache(maxsize=8)
def get_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL lets the API read while a worker writes; foreign keys are off by default in SQLite.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(database_url, pool_size=10, max_overflow=10)
    _drop_closed_connections_on_checkout(engine)
    return engine


@lru_cache(maxsize=8)
def get_read_engine(database_url: str) -> Engine:
    """PostgreSQL: a second pool for the requests that only read (service.http.read_only views), in
    autocommit, so such a request costs no BEGIN and no ROLLBACK round trip; its connections start with
    default_transaction_read_only, so the server refuses any write made through them. SQLite: the engine."""
    if database_url.startswith("sqlite"):
        return get_engine(database_url)
    engine = create_engine(database_url, pool_size=10, max_overflow=10, isolation_level="AUTOCOMMIT",
                           connect_args={"options": "-c default_transaction_read_only=on"})
    _drop_closed_connections_on_checkout(engine)
    return engine


def _drop_closed_connections_on_checkout(engine: Engine) -> None:
    """Instead of pool_pre_ping's `SELECT 1` (a round trip on every checkout, every request): look at the
    idle connection's socket without waiting. The server never writes to an idle connection unless it
    is ending it (a restart, pg_terminate_backend, an idle timeout: a FATAL message, then end of file),
    so a readable socket, or a closed connection, is discarded and the pool connects afresh."""
    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, _record, _proxy):  # noqa: ANN001 - SQLAlchemy's event signature
        if dbapi_connection.closed or _socket_readable(dbapi_connection.fileno()):
            raise DisconnectionError("the server closed this idle connection")


def _socket_readable(fd: int) -> bool:
    poller = io_select.poll()
    poller.register(fd, io_select.POLLIN | io_select.POLLERR | io_select.POLLHUP)
    return bool(poller.poll(0))


def session_factory(database_url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(database_url), expire_on_commit=False)


def read_session_factory(database_url: str) -> sessionmaker[Session]:
    """Sessions for requests that only read (see get_read_engine); session.info["read_only"] says so."""
    return sessionmaker(bind=get_read_engine(database_url), expire_on_commit=False, info={"read_only": True})


def paginate(session: Session, query, page: int, per_page: int) -> tuple[list, int]:
    """One page of a select() and the total. A page past the end is empty (and costs no second query)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    offset = (page - 1) * per_page
    if offset >= total:
        return [], total
    return list(session.scalars(query.offset(offset).limit(per_page)).all()), total
