"""SQLite on the event loop: an aiosqlite-shaped connection that runs each call in place.

aiosqlite runs every call (execute, fetch, commit, close of a cursor) on a worker thread and
hands the result back through the event loop: about 85 µs of CPU per hop, several hops per
statement, while the statements of this bot take microseconds in SQLite itself (indexed
lookups on a local file, WAL, ``synchronous=NORMAL`` so a commit does not wait for the disk).
Measured in ``docs/benchmarks.md``, the hops were most of a turn's database time. This
connection executes directly on the calling (event-loop) thread instead and keeps
SQLAlchemy's aiosqlite dialect, URL and error types.

One thing would block the loop: waiting for a lock held by another process (a CLI command
writing while ``serve`` runs). So SQLite's own busy wait is switched off and a locked
database is retried here with ``asyncio.sleep``: other turns go on meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

# Where SQLite says the database is locked by another connection, wait in steps from 1 ms
# up to 50 ms, for as long as SQLite's busy_timeout would have waited.
FIRST_RETRY_SECONDS = 0.001
LONGEST_RETRY_SECONDS = 0.05


def _locked(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "database is locked" in message or "database is busy" in message


async def retry_while_locked(call: Callable[[], Any], timeout: float) -> Any:
    """Run ``call`` in place; while another process holds the database locked, retry after a pause."""
    deadline = time.monotonic() + timeout
    pause = FIRST_RETRY_SECONDS
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _locked(error) or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_RETRY_SECONDS)


class InlineCursor:
    """The part of ``aiosqlite.Cursor`` that SQLAlchemy uses, run in place."""

    def __init__(self, cursor: sqlite3.Cursor, timeout: float):
        self._cursor = cursor
        self._timeout = timeout

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        if parameters is None:
            await retry_while_locked(lambda: self._cursor.execute(sql), self._timeout)
        else:
            await retry_while_locked(lambda: self._cursor.execute(sql, parameters), self._timeout)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # a generator could not be replayed after a locked attempt
        await retry_while_locked(lambda: self._cursor.executemany(sql, rows), self._timeout)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _InPlaceQueue:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set the isolation level."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class InlineConnection:
    """The part of ``aiosqlite.Connection`` that SQLAlchemy's aiosqlite dialect uses.

    Args:
        connection: An open ``sqlite3`` connection, used only from the event loop's thread.
        timeout: Seconds to keep retrying while another process holds the database locked.
    """

    def __init__(self, connection: sqlite3.Connection, timeout: float):
        self._conn: sqlite3.Connection | None = connection
        self._timeout = timeout
        self._tx = _InPlaceQueue(connection)

    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self._conn

    @property
    def sqlite_connection(self) -> sqlite3.Connection:
        """The open ``sqlite3`` connection (``storage.direct_sql`` runs statements on it)."""
        return self._live()

    @property
    def lock_timeout(self) -> float:
        """Seconds a statement keeps retrying while another process holds the database locked."""
        return self._timeout

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._live().cursor(), self._timeout)

    async def commit(self) -> None:
        connection = self._live()
        await retry_while_locked(connection.commit, self._timeout)

    async def rollback(self) -> None:
        self._live().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def inline_connector(path: str, *, timeout: float = 30.0) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine``: opens ``path`` for use in place.

    Args:
        path: The database file.
        timeout: Seconds to wait for a lock held by another process before failing.
    """

    async def connect() -> InlineConnection:
        return InlineConnection(open_in_place(path), timeout)

    return connect


def open_in_place(path: str) -> sqlite3.Connection:
    """A ``sqlite3`` connection to ``path`` for use on the event loop's thread, in autocommit mode."""
    # check_same_thread off: SQLAlchemy may close a connection it garbage-collects from
    # another thread; every other call comes from the event loop's thread.
    create_private(path)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout=0")  # waiting happens in retry_while_locked, not in SQLite
    return connection


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
        return  # no such folder: sqlite3.connect reports it as SQLite always has
    os.close(descriptor)
