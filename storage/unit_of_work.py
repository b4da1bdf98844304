"""One SQLAlchemy transaction over all repositories (``bot.domain.ports.UnitOfWork``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.channel_state_repository import SqlChannelStateRepository
from storage.directory_repository import SqlDirectoryRepository
from storage.document_repository import SqlDocumentRepository
from storage.link_proposal_repository import SqlLinkProposalRepository
from storage.once_repository import SqlOnceRepository
from storage.outbox_repository import SqlOutboxRepository
from storage.participant_repository import SqlParticipantRepository
from storage.request_repository import SqlRequestRepository
from storage.schedule_repository import SqlScheduleRepository
from storage.statements import SessionStatements


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()``; leaving without commit rolls back.

    The one way to the database: one ORM session, one transaction, and every repository's
    statements run on that session (:class:`storage.statements.SessionStatements`).

    Args:
        sessions: Where its ORM session comes from.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._statements: SessionStatements | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> SqlUnitOfWork:
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

    @property
    def statements(self) -> SessionStatements:
        """Where statements of this unit of work run (the bot state store's, say)."""
        assert self._statements is not None
        return self._statements

    async def __aexit__(self, *exc: Any) -> None:
        assert self._session is not None
        session, self._session = self._session, None
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        """Make everything done in this unit of work permanent."""
        assert self._session is not None
        await self._session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this unit of work has committed (never if it rolls back)."""
        self._after_commit.append(callback)
