"""Engine and session factories. Nothing is created at import time."""

from __future__ import annotations

import sqlite3
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

from storage.autocommit import Autocommit
from storage.inline_sqlite import inline_connector, open_in_place


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
        # which sleeps in growing steps of up to 100 ms and made the tail of busy turns
        # seconds long. The connection runs in place, without aiosqlite's thread hops.
        path = make_url(database_url).database
        if not path or path == ":memory:":
            raise ValueError("SQLite needs a database file (a path in DATABASE_URL)")
        engine = create_async_engine(database_url, async_creator=inline_connector(path), pool_size=1,
                                     max_overflow=0)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    engine = create_async_engine(database_url, pool_size=10, max_overflow=10)
    _ping_when_idle(engine)
    return engine


def create_autocommit(engine: AsyncEngine) -> Autocommit:
    """Where ``engine``'s reads and single-statement writes run, outside any unit of work.

    The caller closes it (on SQLite it holds a connection of its own) before disposing the engine.
    """
    if engine.dialect.name != "sqlite":
        return Autocommit(reading(engine))
    path = make_url(str(engine.url)).database
    assert path is not None

    def open_sqlite() -> sqlite3.Connection:
        connection = open_in_place(path)
        _sqlite_pragmas(connection, None)
        return connection

    return Autocommit(engine, open_sqlite=open_sqlite)


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
    # outside its idea of a transaction into a commit. Take control: BEGIN comes from
    # _sqlite_begin, so a unit of work is one transaction, savepoints included.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# Execution option of the engine that ``reading`` returns on SQLite.
_AUTOCOMMIT_ON_SQLITE = "sparringbot_sqlite_autocommit"


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.get_execution_options().get(_AUTOCOMMIT_ON_SQLITE):
        return  # each statement is its own transaction (sqlite3 runs with isolation_level=None)
    # IMMEDIATE takes the write lock up front (retried while another process holds it). A deferred
    # transaction that read first and writes later fails at once with "database is locked"
    # when another connection committed in between; SQLite cannot upgrade a stale snapshot.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def reading(engine: AsyncEngine) -> AsyncEngine:
    """The engine for work that only reads, or writes with one statement: no BEGIN and ROLLBACK.

    A single statement is atomic and consistent on its own. On PostgreSQL autocommit saves two
    round trips; on SQLite it saves taking the write lock (BEGIN IMMEDIATE) for a read, and the
    two extra statements, each of which costs SQLAlchemy's full execution path. Work of several
    statements that must hold together belongs on ``engine`` itself.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{_AUTOCOMMIT_ON_SQLITE: True})
