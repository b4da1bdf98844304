"""How long the outbox keeps messages it is done with: sent, cancelled or failed ones go after a while.

A sent row still holds what it said (a question, a name): it must not stay for ever. The
retention period is the setting ``OUTBOX_RETENTION_DAYS``; pruning runs next to planning and
dispatch (the background loop of ``serve``, and ``sparringbot reminders run-once``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.domain.clock import Clock
from bot.domain.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)


class OutboxRetention:
    """Deletes outbox rows finished more than ``days`` ago."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, days: int):
        if days < 1:
            raise ValueError("the outbox retention must be at least one day")
        self._uow_factory = uow_factory
        self._clock = clock
        self._keep = timedelta(days=days)

    async def prune(self) -> int:
        """Delete what finished before the retention period; returns how many rows went."""
        async with self._uow_factory() as uow:
            pruned = await uow.outbox.prune(finished_before=self._clock.now() - self._keep)
            await uow.commit()
        return pruned

    async def run_forever(self, stop: asyncio.Event, interval: float) -> None:
        """Prune now and then every ``interval`` seconds until ``stop``; a failing round is logged, never fatal."""
        while not stop.is_set():
            try:
                pruned = await self.prune()
                if pruned:
                    log.info("outbox: pruned %d finished message(s) past the retention period", pruned)
            except Exception:
                log.exception("pruning the outbox failed; trying again later")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
