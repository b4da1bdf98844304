"""Connections for statements that commit on their own, and transactions outside a unit of work.

A turn's reads and one-statement writes (the sender, the programme, bot state, the outbox's
claims) each commit by themselves; running them on a connection kept for that purpose spares a
pool checkout and a BEGIN/COMMIT round per statement, which cost more than the statement.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.direct_sql import DirectConnection, prepared_statements

# PostgreSQL connections kept checked out for statements that commit on their own; beyond these
# a busy moment takes more from the pool and gives them back.
KEEP_CONNECTIONS = 4


@dataclass
class _Held:
    connection: AsyncConnection
    direct: DirectConnection
    last_used: float


class Autocommit:
    """Connections for statements that commit on their own (no BEGIN, no ROLLBACK).

    For reads and for writes of one statement, which are atomic by themselves; work of several
    statements that must hold together belongs in a unit of work. Checking a connection out of
    SQLAlchemy's pool and back in costs more than such a statement, so they are kept: on SQLite
    one connection of its own (in WAL mode a reader never waits for the unit of work that holds
    the pool's one connection), on PostgreSQL up to :data:`KEEP_CONNECTIONS` taken from the pool.
    One that sat unused for ``idle_seconds`` goes back to the pool, which tests it before the
    next use (a database restart cuts idle connections); one that broke is dropped.

    Args:
        engine: The engine (its pool, for PostgreSQL).
        open_sqlite: Opens the SQLite connection (``None`` on PostgreSQL).
        timeout: Seconds a SQLite statement keeps retrying while another process holds the lock.
        idle_seconds: How long a kept PostgreSQL connection may sit unused and still be used.
        clock: Monotonic seconds.
    """

    def __init__(self, engine: AsyncEngine, *, open_sqlite: Callable[[], sqlite3.Connection] | None = None,
                 timeout: float = 30.0, idle_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self._engine = engine
        self._statements = prepared_statements(engine.dialect)
        self._open_sqlite = open_sqlite
        self._timeout = timeout
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._sqlite: DirectConnection | None = None
        self._sqlite_connection: sqlite3.Connection | None = None
        self._kept: list[_Held] = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[DirectConnection]:
        """A connection to run statements on, for the duration of the block."""
        if self._open_sqlite is not None:
            if self._sqlite is None:
                self._sqlite_connection = self._open_sqlite()
                self._sqlite = DirectConnection(self._statements, sqlite=self._sqlite_connection,
                                                timeout=self._timeout)
            yield self._sqlite
            return
        held = await self._take()
        try:
            yield held.direct
        except DBAPIError as error:
            if error.connection_invalidated:
                await held.connection.invalidate()
                await held.connection.close()
            else:  # the statement failed (a constraint, say); the connection is as good as before
                await self._give_back(held)
            raise
        except BaseException:
            # Cancelled or failed half way: the pool knows how to put such a connection right.
            await held.connection.close()
            raise
        await self._give_back(held)

    async def _take(self) -> _Held:
        now = self._clock()
        while self._kept:
            held = self._kept.pop()
            if now - held.last_used < self._idle_seconds:
                return held
            await held.connection.close()  # back to the pool, which tests it before handing it out again
        connection = await self._engine.connect()
        raw = await connection.get_raw_connection()
        return _Held(connection, DirectConnection(self._statements, adapted=raw.dbapi_connection), now)

    async def _give_back(self, held: _Held) -> None:
        if len(self._kept) < KEEP_CONNECTIONS:
            held.last_used = self._clock()
            self._kept.append(held)
        else:
            await held.connection.close()

    async def close(self) -> None:
        """Close the SQLite connection and give the kept PostgreSQL ones back to the pool."""
        if self._sqlite_connection is not None:
            self._sqlite_connection.close()
        self._sqlite = self._sqlite_connection = None
        kept, self._kept = self._kept, []
        for held in kept:
            await held.connection.close()


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[DirectConnection]:
    """A pooled connection in a transaction of its own, committed when the block ends without error."""
    async with engine.begin() as connection:  # BEGIN IMMEDIATE on SQLite; PostgreSQL's begins with our first
        direct = await DirectConnection.joining(connection)
        try:
            yield direct
        except DBAPIError as error:
            if error.connection_invalidated:
                await connection.invalidate()
            raise
