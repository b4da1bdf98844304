"""At-most-once keys, claimed atomically by the primary key (safe across bot instances)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import OnceKeyRow

# Longer keys are cut to the column's length, the same way when claiming and when asking.
KEY_LENGTH = 300


class SqlOnceRepository:
    """Implements ``bot.domain.ports.OnceRepository`` on one session."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def claim(self, key: str, *, now: datetime) -> bool:
        """Insert ``key``; False if another turn or instance already did."""
        try:
            async with self._session.begin_nested():
                self._session.add(OnceKeyRow(key=key[:KEY_LENGTH], created_at=now))
        except IntegrityError:
            return False
        return True

    async def claimed(self, key: str) -> bool:
        """True when ``key`` was claimed before."""
        return await self._session.get(OnceKeyRow, key[:KEY_LENGTH]) is not None

    async def forget(self, keys: Iterable[str]) -> int:
        """Delete these keys (AVG erasure: a key can name someone's conversation); returns how many went."""
        wanted = list(dict.fromkeys(key[:KEY_LENGTH] for key in keys))
        if not wanted:
            return 0
        return (await self._session.execute(delete(OnceKeyRow).where(OnceKeyRow.key.in_(wanted)))).rowcount or 0
