"""Engine and session factories. Nothing is created at import time."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Table, bindparam, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Seconds a statement waits for a lock that another process (a CLI command while ``serve`` runs)
# holds on the SQLite file. aiosqlite runs SQLite on a thread of its own, so the wait never
# blocks the event loop.
SQLITE_LOCK_TIMEOUT_SECONDS = 30.0


def dialect_insert(dialect: str) -> Any:
    """The ``insert`` of ``dialect``: both know ``on_conflict_do_nothing``, the portable one does not."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_new(dialect: str, table: Table, columns: tuple[str, ...], unique: tuple[str, ...]) -> Any:
    """INSERT of ``columns`` (bind parameters of the same names) that skips a row whose ``unique``
    columns are taken, RETURNING the ids of the rows it did insert.

    Callers build it once per column set and keep it: a statement object that is reused keeps its
    cache key. Given a list of parameter sets, SQLAlchemy sends it in batches.
    """
    return (dialect_insert(dialect)(table).values({name: bindparam(name) for name in columns})
            .on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id))


def create_engine(database_url: str) -> AsyncEngine:
    """Create the async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg).

    Args:
        database_url: An SQLAlchemy URL with an async driver.

    Returns:
        The engine; the caller disposes of it.
    """
    if database_url.startswith("sqlite"):
        # One connection: SQLite has a single writer and every transaction here begins
        # IMMEDIATE, so transactions run one at a time anyway. Queueing for the pooled
        # connection (FIFO, on the event loop) replaces waiting in SQLite's busy handler,
        # which sleeps in growing steps of up to 100 ms and made the tail of busy turns long.
        path = make_url(database_url).database
        if not path or path == ":memory:":
            raise ValueError("SQLite needs a database file (a path in DATABASE_URL)")
        engine = create_async_engine(database_url, pool_size=1, max_overflow=0, pool_reset_on_return=None,
                                     connect_args={"timeout": SQLITE_LOCK_TIMEOUT_SECONDS})
        event.listen(engine.sync_engine, "reset", _sqlite_reset)
        event.listen(engine.sync_engine, "do_connect", _create_file_private(path))
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    engine = create_async_engine(database_url, pool_size=10, max_overflow=10)
    _ping_when_idle(engine)
    return engine


def _create_file_private(path: str) -> Any:
    # Runs before SQLAlchemy opens each connection: the file exists (private) before SQLite creates it.
    def before_connect(_dialect, _record, _cargs, _cparams) -> None:  # type: ignore[no-untyped-def]
        create_private(path)

    return before_connect


def create_private(path: str | os.PathLike[str]) -> None:
    """Create an empty database file at ``path`` that only its owner may read (mode 0600), unless one exists.

    SQLite creates a missing database file readable by everyone (0644, less the umask), and
    gives its ``-wal``, ``-shm`` and ``-journal`` files the database file's mode. An empty file
    is a valid empty database, so creating it first makes all of them private. An existing file
    keeps the mode its owner gave it.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except FileNotFoundError:
        return  # no such folder: connecting reports it as SQLite always has
    os.close(descriptor)


# A connection used in the last few seconds is alive; one that sat in the pool longer may have
# been cut (a database restart, a failover, an idle timeout on the way) and is tested first.
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    # SQLAlchemy's pool_pre_ping tests every checkout: a round trip before each of the three or
    # so transactions of a turn, a tenth of a turn's CPU. Testing only connections that sat idle
    # keeps what pre-ping is for (no error for the first user after a restart) at no cost under load.
    dialect = engine.sync_engine.dialect

    def remember(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    def test_if_idle(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool discards this connection and takes (or makes) another
            raise DisconnectionError("idle connection did not answer") from error
        if not alive:
            raise DisconnectionError("idle connection did not answer")

    event.listen(engine.sync_engine, "connect", remember)
    event.listen(engine.sync_engine, "checkin", remember)
    event.listen(engine.sync_engine, "checkout", test_if_idle)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the health check and readers run while a turn writes; foreign keys are off
    # by default in SQLite and we rely on them for consistency.
    # Python's sqlite3 opens and commits transactions on its own, which turns a SAVEPOINT
    # outside its idea of a transaction into a commit. Take control, as SQLAlchemy's documentation
    # for pysqlite/aiosqlite shows: BEGIN comes from _sqlite_begin, so a unit of work is one
    # transaction, savepoints included.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_reset(dbapi_connection, record, state) -> None:  # type: ignore[no-untyped-def]
    # The pool's own reset-on-return (turned off for SQLite) sends a ROLLBACK for every connection
    # returned, even one whose unit of work just committed or rolled back: one more trip through
    # aiosqlite's thread per unit of work, for nothing. SQLAlchemy's documented "custom reset"
    # recipe (pool_reset_on_return=None and this "reset" event) rolls back only a connection that
    # is still in a transaction, as SQLite itself reports (aiosqlite's in_transaction, no trip).
    if state.transaction_was_reset or not state.asyncio_safe:
        return  # already rolled back, or being thrown away outside the event loop (then SQLite rolls back)
    try:
        idle = not record.driver_connection.in_transaction
    except Exception:  # a broken connection: roll back as the pool would, which reports it
        idle = False
    if not idle:
        dbapi_connection.rollback()


# The execution option that marks a read-only unit of work's connection (see storage.unit_of_work).
READ_ONLY = "sparringbot_read_only"
_READ_ONLY_OPTIONS = {
    "sqlite": {READ_ONLY: True},  # _sqlite_begin sends no BEGIN
    # asyncpg in autocommit sends no BEGIN and no ROLLBACK: two round trips fewer. Each SELECT
    # sees what was committed when it started, as it does in a READ COMMITTED transaction.
    "postgresql": {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"},
}


def read_only_options(dialect: str) -> dict[str, object]:
    """The execution options of a read-only unit of work's connection on ``dialect``."""
    return _READ_ONLY_OPTIONS.get(dialect, {READ_ONLY: True})


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    # A read-only unit of work sends no BEGIN: each of its SELECTs is a transaction of its own and
    # sees what was committed when it started, as every statement does on PostgreSQL (READ COMMITTED),
    # so no code can count on more. The BEGIN took three trips through aiosqlite's thread (cursor,
    # execute, close) and the write lock, for a unit of work that never writes (it cannot: see
    # SqlUnitOfWork). Its rollback at the end is then a no-op in SQLite.
    if connection.get_execution_options().get(READ_ONLY):
        return
    # IMMEDIATE takes the write lock up front (retried while another process holds it). A deferred
    # transaction that read first and writes later fails at once with "database is locked"
    # when another connection committed in between; SQLite cannot upgrade a stale snapshot.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
