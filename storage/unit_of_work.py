"""One SQLAlchemy transaction over all repositories (``bot.domain.ports.UnitOfWork``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from storage.calendar_feed_repository import SqlCalendarFeedRepository
from storage.channel_state_repository import SqlChannelStateRepository
from storage.directory_repository import SqlDirectoryRepository
from storage.document_repository import SqlDocumentRepository
from storage.link_proposal_repository import SqlLinkProposalRepository
from storage.once_repository import SqlOnceRepository
from storage.outbox_repository import SqlOutboxRepository
from storage.overview_repository import SqlOverviewRepository
from storage.participant_repository import SqlParticipantRepository
from storage.request_repository import SqlRequestRepository
from storage.schedule_repository import SqlScheduleRepository
from storage.statements import ReadOnlyError, SessionStatements

# Marks the ORM session of a read-only unit of work (in ``Session.info``).
_READ_ONLY = "read_only"


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()``; leaving without commit rolls back.

    The one way to the database: one ORM session, one transaction, and every repository's
    statements run on that session (:class:`storage.statements.SessionStatements`).

    A read-only unit of work (``read_only=True``) is for a use case that only reads, such as
    loading bot state: it runs SELECT statements only, never flushes and cannot commit (each
    raises :class:`storage.statements.ReadOnlyError`, and nothing is written). On SQLite it sends
    no BEGIN (see ``storage.db``): each SELECT sees what was committed when it started, as on
    PostgreSQL, and the write lock stays free for the units of work that write.

    Args:
        sessions: Where its ORM session comes from.
        read_only: Only reads; see above.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, read_only: bool = False):
        self._sessions = sessions
        self._read_only = read_only
        self._session: AsyncSession | None = None
        self._statements: SessionStatements | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> SqlUnitOfWork:
        session = self._sessions()
        if self._read_only:
            session.sync_session.info[_READ_ONLY] = True
        statements = SessionStatements(session, read_only=self._read_only)
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
        self.calendar_feeds = SqlCalendarFeedRepository(session)
        self.overview = SqlOverviewRepository(session)
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
        if self._read_only:
            raise ReadOnlyError("a read-only unit of work cannot commit")
        await self._session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this unit of work has committed (never if it rolls back)."""
        self._after_commit.append(callback)


@event.listens_for(Session, "before_flush")
def _refuse_flush_when_read_only(session: Session, _context: Any, _instances: Any) -> None:
    # Objects added to a read-only unit of work's session would be written by a flush outside any
    # transaction on SQLite (it sent no BEGIN): refuse before anything reaches the database.
    if session.info.get(_READ_ONLY):
        raise ReadOnlyError("a read-only unit of work cannot write")


@event.listens_for(Session, "do_orm_execute")
def _refuse_orm_writes_when_read_only(state: ORMExecuteState) -> None:
    # The same for a repository's statement run through the session itself (an ORM bulk UPDATE, say).
    if not state.is_select and state.session.info.get(_READ_ONLY):
        raise ReadOnlyError("a read-only unit of work runs SELECT statements only")
