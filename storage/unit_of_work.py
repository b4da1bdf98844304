"""One SQLAlchemy transaction over all repositories (``bot.domain.ports.UnitOfWork``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.directory_repository import SqlDirectoryRepository
from storage.document_repository import SqlDocumentRepository
from storage.once_repository import SqlOnceRepository
from storage.outbox_repository import SqlOutboxRepository
from storage.participant_repository import SqlParticipantRepository
from storage.request_repository import SqlRequestRepository
from storage.schedule_repository import SqlScheduleRepository


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()``; leaving without commit rolls back."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> SqlUnitOfWork:
        self._session = self._sessions()
        self._after_commit = []
        self.directory = SqlDirectoryRepository(self._session)
        self.participants = SqlParticipantRepository(self._session)
        self.once = SqlOnceRepository(self._session)
        self.requests = SqlRequestRepository(self._session)
        self.outbox = SqlOutboxRepository(self._session)
        self.schedule = SqlScheduleRepository(self._session)
        self.documents = SqlDocumentRepository(self._session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

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
