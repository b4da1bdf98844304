"""The one way to open the database: engine, sessions and units of work, disposed together.

``serve`` (through ``bot.bootstrap``), the command line and the start-up work all open it here,
so an engine is always configured the same way and never outlives what opened it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class Database:
    """An open database: its engine, its session factory and its units of work."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work (one transaction per use case); this is the ``UnitOfWorkFactory``."""
        return SqlUnitOfWork(self.sessions)

    def read_only_unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work that only reads (see ``SqlUnitOfWork``); a ``UnitOfWorkFactory`` too."""
        return SqlUnitOfWork(self.sessions, read_only=True)


@asynccontextmanager
async def open_database(database_url: str) -> AsyncIterator[Database]:
    """Open the database at ``database_url``; the engine is disposed when the block ends.

    Args:
        database_url: ``sqlite:///FILE`` or ``postgresql://...`` (as in the settings).

    Yields:
        The open database.
    """
    engine = create_engine(database_url)
    try:
        yield Database(engine=engine, sessions=create_sessionmaker(engine))
    finally:
        await engine.dispose()
