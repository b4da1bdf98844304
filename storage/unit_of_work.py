"""One SQLAlchemy transaction over all repositories (``bot.domain.ports.UnitOfWork``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import ClauseElement

from storage.direct_sql import DirectConnection, Rows, prepared_statements
from storage.directory_repository import SqlDirectoryRepository
from storage.document_repository import SqlDocumentRepository
from storage.once_repository import SqlOnceRepository
from storage.outbox_repository import SqlOutboxRepository
from storage.participant_repository import SqlParticipantRepository
from storage.request_repository import SqlRequestRepository
from storage.schedule_repository import SqlScheduleRepository


class SessionStatements:
    """Runs built-once Core statements of a unit of work on its session's own connection.

    They join the session's transaction and see what it flushed: ORM changes still pending are
    flushed first, as the session's autoflush would before any statement.
    """

    def __init__(self, session: AsyncSession):
        self._session = session
        self._direct: DirectConnection | None = None

    async def execute(self, statement: ClauseElement, values: Mapping[str, Any] | None = None) -> Rows:
        """Run ``statement`` with ``values`` in the unit of work's transaction."""
        session = self._session
        if session.new or session.dirty or session.deleted:
            await session.flush()
        direct = self._direct or await self._connect()
        try:
            return await direct.execute(statement, values)
        except DBAPIError as error:
            if error.connection_invalidated:
                await (await session.connection()).invalidate()
                self._direct = None
            raise

    def release(self) -> None:
        """The session gave its connection back (commit, rollback): the next statement checks one out."""
        self._direct = None

    async def _connect(self) -> DirectConnection:
        connection = await self._session.connection()  # begins the transaction (BEGIN IMMEDIATE on SQLite)
        raw = await connection.get_raw_connection()
        self._direct = DirectConnection(raw.dbapi_connection, prepared_statements(connection.dialect),
                                        in_transaction=True)
        return self._direct


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()``; leaving without commit rolls back."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._statements: SessionStatements | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> SqlUnitOfWork:
        session = self._session = self._sessions()
        statements = self._statements = SessionStatements(session)
        self._after_commit = []
        self.directory = SqlDirectoryRepository(session, statements)
        self.participants = SqlParticipantRepository(session, statements)
        self.once = SqlOnceRepository(session)
        self.requests = SqlRequestRepository(session, statements)
        self.outbox = SqlOutboxRepository(session, statements)
        self.schedule = SqlScheduleRepository(session)
        self.documents = SqlDocumentRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None and self._statements is not None
        self._statements.release()
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        """Make everything done in this unit of work permanent."""
        assert self._session is not None and self._statements is not None
        await self._session.commit()
        self._statements.release()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this unit of work has committed (never if it rolls back)."""
        self._after_commit.append(callback)
