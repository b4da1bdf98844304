"""One SQLAlchemy transaction over all repositories (``bot.domain.ports.UnitOfWork``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import ClauseElement

from storage.autocommit import Autocommit
from storage.channel_state_repository import SqlChannelStateRepository
from storage.direct_sql import DirectConnection, Rows
from storage.directory_repository import SqlDirectoryRepository
from storage.document_repository import SqlDocumentRepository
from storage.link_proposal_repository import SqlLinkProposalRepository
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
        self._direct = await DirectConnection.joining(connection)
        return self._direct


class AutocommitStatements:
    """Runs the built-once statements of a unit of work that only reads, each on its own."""

    def __init__(self, autocommit: Autocommit):
        self._autocommit = autocommit

    async def execute(self, statement: ClauseElement, values: Mapping[str, Any] | None = None) -> Rows:
        """Run ``statement`` with ``values``; it commits by itself."""
        async with self._autocommit.connection() as connection:
            return await connection.execute(statement, values)

    def release(self) -> None:
        """Nothing is held between statements."""


class _LazySession:
    """Stands in for the ORM session of a unit of work that may never need one."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions
        self.session: AsyncSession | None = None

    def __getattr__(self, name: str) -> Any:
        if self.session is None:
            self.session = self._sessions()
        return getattr(self.session, name)


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()``; leaving without commit rolls back.

    Args:
        sessions: Where its ORM session comes from.
        autocommit: For a unit of work that only reads: its statements each run on their own
            there, and an ORM session is opened only if a repository needs one.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, autocommit: Autocommit | None = None):
        self._sessions = sessions
        self._autocommit = autocommit
        self._session: Any = None
        self._statements: SessionStatements | AutocommitStatements | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._autocommit is not None:
            session: Any = _LazySession(self._sessions)
            statements: SessionStatements | AutocommitStatements = AutocommitStatements(self._autocommit)
        else:
            session = self._sessions()
            statements = SessionStatements(session)
        self._session, self._statements = session, statements
        self._after_commit = []
        self.directory = SqlDirectoryRepository(session, statements)
        self.participants = SqlParticipantRepository(session, statements)
        self.once = SqlOnceRepository(session)
        self.requests = SqlRequestRepository(session, statements)
        self.outbox = SqlOutboxRepository(session, statements)
        self.schedule = SqlScheduleRepository(session)
        self.documents = SqlDocumentRepository(session)
        self.channel_state = SqlChannelStateRepository(session)
        self.links = SqlLinkProposalRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None and self._statements is not None
        self._statements.release()
        session = self._session.session if isinstance(self._session, _LazySession) else self._session
        self._session = None
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        """Make everything done in this unit of work permanent."""
        assert self._session is not None and self._statements is not None
        if not (isinstance(self._session, _LazySession) and self._session.session is None):
            await self._session.commit()  # (statements that commit on their own have nothing to commit)
        self._statements.release()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this unit of work has committed (never if it rolls back)."""
        self._after_commit.append(callback)
