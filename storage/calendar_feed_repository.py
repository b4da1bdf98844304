"""Personal calendar feed secrets ↔ the ``calendar_feeds`` table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import dialect_insert
from storage.tables import CalendarFeedRow


class SqlCalendarFeedRepository:
    """Implements ``bot.domain.ports.CalendarFeedRepository`` on one session.

    Both writes are single upserts, so two turns of one person at once (two ``agenda`` messages)
    never fail on the primary key: the first secret stays, or the last replacement wins.
    """

    def __init__(self, session: AsyncSession):
        self._session = session

    async def secret(self, participant_id: int) -> str | None:
        """The participant's current feed secret, or ``None`` when they never asked for a feed."""
        statement = select(CalendarFeedRow.secret).where(CalendarFeedRow.participant_id == participant_id)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def ensure_secret(self, participant_id: int, candidate: str, *, now: datetime) -> str:
        """The participant's feed secret; ``candidate`` becomes it when they have none yet."""
        insert = dialect_insert(self._session.bind.dialect.name)(CalendarFeedRow)
        await self._session.execute(insert.values(participant_id=participant_id, secret=candidate, created_at=now)
                                    .on_conflict_do_nothing(index_elements=["participant_id"]))
        return await self.secret(participant_id) or candidate

    async def set_secret(self, participant_id: int, secret: str, *, now: datetime) -> None:
        """Store the participant's feed secret, replacing the old one (which then opens nothing)."""
        insert = dialect_insert(self._session.bind.dialect.name)(CalendarFeedRow)
        statement = insert.values(participant_id=participant_id, secret=secret, created_at=now)
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=["participant_id"], set_={"secret": secret, "created_at": now}))
