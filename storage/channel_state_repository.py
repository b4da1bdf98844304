"""The ``bot_state`` documents inside a unit of work (AVG erasure), apart from the SDK's ``Storage``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import BotStateRow


class SqlChannelStateRepository:
    """Implements ``bot.domain.ports.ChannelStateRepository`` on a unit of work's session.

    ``storage.bot_state.SqlStorage`` reads and writes the documents turn by turn, each write on
    its own; this deletes them in the unit of work's transaction, so an erasure is one transaction.
    """

    def __init__(self, session: AsyncSession):
        self._session = session

    async def forget(self, keys: Iterable[str]) -> int:
        """Delete the documents stored under ``keys``; returns how many went."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return 0
        return (await self._session.execute(delete(BotStateRow).where(BotStateRow.key.in_(wanted)))).rowcount or 0
