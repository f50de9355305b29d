"""Engine and sessions, shared by the API, the workers and the CLI.

Which organisation a session works for (PostgreSQL row-level security, docs/row-level-security.md): the
caller's code puts it in `session.info` (for_org, or across_orgs for the few documented lookups that
precede knowing it), and ONE event here, after_begin, hands it to PostgreSQL at the start of every
transaction with set_config(..., is_local => true). The policies of migration 0011e compare each row's
org_id with it; a session that sets nothing sees no organisation's rows. SQLite has no such wall: the
application's own org_id filters are its only scoping there."""

from __future__ import annotations

import select as io_select
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, create_engine, event, func, select, text
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

ORG_KEY = "org_id"  # session.info[ORG_KEY]: the organisation whose rows this session may touch
ACROSS_KEY = "across_orgs"  # session.info[ACROSS_KEY]: why this session may read every organisation's rows
_SCOPE_FOLLOWS_KEY = "scope_set_by_next_statement"  # see scope_set_by_next_statement
_APPLY = text("SELECT set_config('app.org_id', :org, true), set_config('app.across_orgs', :across, true)")
# The read pool runs in autocommit, where a transaction-local setting would end with its statement: there the
# scope is the connection's, set by the token lookup of every request (or cleared by this).
_NO_ORG_FOR_CONNECTION = text("SELECT set_config('app.org_id', '', false), set_config('app.across_orgs', '', false)")


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
    default_transaction_read_only, so the server refuses any write made through them. Such a request uses
    one of its connections directly, without an ORM session (service.auth.authenticate_reader). SQLite:
    the engine."""
    if database_url.startswith("sqlite"):
        return get_engine(database_url)
    engine = create_engine(
        database_url,
        pool_size=10,
        max_overflow=10,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c default_transaction_read_only=on"},
    )
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


def session_factory(database_url: str, across_orgs: str | None = None) -> sessionmaker[Session]:
    """Sessions on the database. They work for no organisation until told (for_org); across_orgs="why"
    makes every session of the factory work across organisations (workers' scans, the CLI: see
    docs/row-level-security.md for each)."""
    info = {ACROSS_KEY: across_orgs} if across_orgs else {}
    return sessionmaker(bind=get_engine(database_url), expire_on_commit=False, info=info)


def _apply_scope(connection: Connection, info: dict[str, Any]) -> None:
    """Tell PostgreSQL, for the current transaction only, whom this session works for."""
    if connection.dialect.name != "postgresql":
        return
    org = info.get(ORG_KEY)
    connection.execute(
        _APPLY,
        {"org": "" if org is None else str(int(org)), "across": "on" if info.get(ACROSS_KEY) and org is None else ""},
    )


@event.listens_for(Session, "after_begin")
def _scope_transaction(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    # The one place the organisation reaches the database: every transaction of every session starts here
    # (or with the one statement that sets the scope itself: scope_set_by_next_statement).
    if not session.info.get(_SCOPE_FOLLOWS_KEY):
        _apply_scope(connection, session.info)


def _rescope(session: Session) -> None:
    """A transaction already under way takes the session's new scope at once (the next ones at begin)."""
    if session.in_transaction():
        _apply_scope(session.connection(), session.info)


def for_org(session: Session, org_id: int) -> Session:
    """From now on the session works for this organisation only (the request's caller, a task's row)."""
    session.info.pop(ACROSS_KEY, None)
    session.info[ORG_KEY] = int(org_id)
    _rescope(session)
    return session


@contextmanager
def scope_set_by_next_statement(session: Session) -> Iterator[Connection]:
    """The session's connection, for a statement that sets both scope settings itself before it reads
    anything (forestall_token_caller, migration 0015): when the session's transaction begins here, its
    begin's scope statement is not sent (the statement would overwrite it at once; one round trip less).
    Only that statement may run in the block."""
    if session.in_transaction():
        yield session.connection()
        return
    session.info[_SCOPE_FOLLOWS_KEY] = True
    try:
        connection = session.connection()
    finally:
        session.info.pop(_SCOPE_FOLLOWS_KEY, None)
    yield connection


def took_org_scope(session: Session, org_id: int, scope_org: str | None) -> Session:
    """for_org, after a statement in the session's current transaction has set the organisation itself
    (forestall_token_caller): when it set this one (scope_org, what it returned), nothing more is sent;
    otherwise (SQLite, or the database admitted the row on different terms) for_org sends it."""
    if scope_org is None or scope_org != str(int(org_id)) or not session.in_transaction():
        return for_org(session, org_id)
    session.info.pop(ACROSS_KEY, None)
    session.info[ORG_KEY] = int(org_id)
    return session


def for_all_orgs(session: Session, reason: str) -> Session:
    """From now on the session works across organisations: only for the documented exceptions (the
    sign-in pages before anyone is identified, the workers' scans; docs/row-level-security.md)."""
    session.info.pop(ORG_KEY, None)
    session.info[ACROSS_KEY] = reason
    _rescope(session)
    return session


def for_no_org(session: Session) -> Session:
    """From now on the session sees no organisation's rows (a lookup across them failed: nothing follows)."""
    session.info.pop(ORG_KEY, None)
    session.info.pop(ACROSS_KEY, None)
    _rescope(session)
    return session


def for_org_of(session: Session, model: Any, row_id: int) -> int | None:
    """A task handed a row's id: find the row's organisation (across organisations, by primary key) and
    work for that organisation only from then on. None when there is no such row."""
    with across_orgs(session, "a task finds the organisation of the row it was handed"):
        org_id = session.scalar(select(model.org_id).where(model.id == row_id))
        session.rollback()  # the lookup's transaction ends here; the task's own ones begin in scope
    if org_id is not None:
        for_org(session, org_id)
    return org_id


@contextmanager
def across_orgs(session: Session, reason: str) -> Iterator[Session]:
    """Within the block the session reads across organisations, for a lookup that must precede knowing
    the organisation (a token by its digest, a user by e-mail) or that spans them by nature (an e-mail
    address is unique across organisations). Afterwards the session's scope is what it was."""
    with _scope_block(session, {ORG_KEY: None, ACROSS_KEY: reason}):
        yield session


@contextmanager
def within_org(session: Session, org_id: int) -> Iterator[Session]:
    """Within the block the session works for this organisation only (a scanner handling one row of
    its batch); afterwards the session's scope is what it was."""
    with _scope_block(session, {ORG_KEY: int(org_id), ACROSS_KEY: None}):
        yield session


@contextmanager
def _scope_block(session: Session, scope: dict[str, Any]) -> Iterator[None]:
    before = {key: session.info.get(key) for key in (ORG_KEY, ACROSS_KEY)}
    _put_scope(session, scope)
    _rescope(session)
    try:
        yield
    except BaseException:
        _put_scope(session, before)  # the failed transaction is rolled back; the next one begins in scope
        raise
    _put_scope(session, before)
    _rescope(session)


def _put_scope(session: Session, before: dict[str, Any]) -> None:
    for key, value in before.items():
        if value is None:
            session.info.pop(key, None)
        else:
            session.info[key] = value


def set_no_org_for_connection(connection: Connection) -> None:
    """A connection of the read pool (PostgreSQL) sees no organisation's rows until the next token lookup."""
    if connection.dialect.name == "postgresql":
        connection.execute(_NO_ORG_FOR_CONNECTION)


def paginate(session: Session, query, page: int, per_page: int, total: int | None = None) -> tuple[list, int]:
    """One page of a select() and the total. A first page that is not full (most of a case's lists: one
    short page) is the total, so it costs no count query; other pages count first, and a page past the end
    is empty (and costs no second query, nor an offset the database cannot hold). `total`: the caller
    knows it already (the caseload's counts by stage), so nothing is counted."""
    if total is None and page == 1:
        rows = list(session.scalars(query.limit(per_page)).all())
        if len(rows) < per_page:
            return rows, len(rows)
        return rows, session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if total is None:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    offset = (page - 1) * per_page
    if offset >= total:
        return [], total
    return list(session.scalars(query.offset(offset).limit(per_page)).all()), total


class DirectRead:
    """A select that runs on every request (the token lookup, the case read): on PostgreSQL it is compiled
    once and run straight on the driver's cursor, as a prepared statement returning tuples. SQLAlchemy's
    execution builds the driver's column descriptions and its result metadata again on every call: a tenth
    of a case read's CPU (docs/performance.md). Same rows either way: each column's type still converts
    its value (UTCDateTime, say); the engine's before/after_cursor_execute listeners hear the statement (with
    no execution context); a driver error is raised as SQLAlchemy's, the connection invalidated when it is
    lost (so the read is retried, service.errors.retry_reads_once). SQLite: SQLAlchemy's own execution."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._row = namedtuple("DirectRow", [column.key for column in statement.selected_columns], rename=True)  # type: ignore[misc]
        self._compiled: Any = None
        self._processors: list[tuple[int, Any]] | None = None

    def rows(self, connection: Connection, params: dict[str, Any]) -> list[Any]:
        """The rows, each with its columns as attributes (like SQLAlchemy's Row)."""
        dialect = connection.dialect
        if dialect.name != "postgresql":
            return list(connection.execute(self.statement, params).all())
        if self._compiled is None:
            self._compiled = self.statement.compile(dialect=dialect)
        sql = self._compiled.string
        bound = self._compiled.construct_params(params)
        cursor = connection.connection.cursor()
        listened = bool(connection.dispatch.before_cursor_execute or connection.dispatch.after_cursor_execute)
        try:
            if listened:  # what listens to the engine's statements (tests, tracing) still hears these
                connection.dispatch.before_cursor_execute(connection, cursor, sql, bound, None, False)
            cursor.execute(sql, bound)
            if listened:
                connection.dispatch.after_cursor_execute(connection, cursor, sql, bound, None, False)
            if self._processors is None:
                self._processors = _result_processors(self.statement, dialect, cursor.description)
            fetched = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                sql, bound, error, dialect.loaded_dbapi.Error, hide_parameters=True, connection_invalidated=lost
            ) from error
        finally:
            cursor.close()
        make = self._row._make
        if not self._processors:
            return [make(row) for row in fetched]
        rows = []
        for row in fetched:
            values = list(row)
            for index, process in self._processors:
                values[index] = process(values[index])
            rows.append(make(values))
        return rows


def _result_processors(statement: Select, dialect: Dialect, description: Any) -> list[tuple[int, Any]]:
    """(position, converter) of the columns whose type converts the driver's value, as SQLAlchemy would;
    the driver's type codes (description) tell the types that depend on them (Numeric) what came."""
    processors = []
    for index, column in enumerate(statement.selected_columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, description[index].type_code)
        if process is not None:
            processors.append((index, process))
    return processors
