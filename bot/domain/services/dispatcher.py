"""Delivers due outbox messages: claim atomically, compose, respect rate limits, record."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.errors import NotReachable
from bot.domain.models import OutgoingMessage
from bot.domain.outbox import DeliveryError, OutboxMessage, RetryPolicy
from bot.domain.ports import Messenger, UnitOfWorkFactory
from bot.domain.rate_limit import SendRateLimiter

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


class Composer(Protocol):
    """Builds the message for an outbox row at send time, or ``None`` when it is moot."""

    async def __call__(self, message: OutboxMessage) -> OutgoingMessage | None: ...


@dataclass
class DispatchReport:
    """What one ``run_once`` did."""

    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0


class Dispatcher:
    """One dispatcher per bot process; several may share a database safely."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, messenger: Messenger, composers: Mapping[str, Composer],
                 clock: Clock, worker: str, limiter: SendRateLimiter | None = None,
                 policy: RetryPolicy | None = None, sleep: Sleep = asyncio.sleep, batch: int = 50,
                 lease: timedelta = timedelta(minutes=2),
                 on_failed: Callable[[OutboxMessage, str], Awaitable[None]] | None = None):
        self._uow_factory = uow_factory
        self._messenger = messenger
        self._composers = composers
        self._clock = clock
        self._worker = worker
        self._limiter = limiter or SendRateLimiter()
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._batch = batch
        self._lease = lease
        self._on_failed = on_failed

    async def run_once(self) -> DispatchReport:
        """Send everything due now (batch by batch) and return the counts."""
        report = DispatchReport()
        while True:
            now = self._clock.now()
            async with self._uow_factory() as uow:
                claimed = await uow.outbox.claim_due(now=now, limit=self._batch, worker=self._worker,
                                                     lease_until=now + self._lease)
                await uow.commit()
            if not claimed:
                return report
            lease_until = now + self._lease
            for index, message in enumerate(claimed):
                if self._clock.now() >= lease_until - self._lease / 2:
                    # Slow sends must not let the lease run out under the rest of the batch, or
                    # another instance would claim and send those messages too.
                    lease_until = self._clock.now() + self._lease
                    mine = await self._renew([m.id for m in claimed[index:]], lease_until)
                    if message.id not in mine:
                        continue
                await self._deliver(message, report)

    async def run_forever(self, stop: asyncio.Event, interval: float = 5.0, wake: asyncio.Event | None = None) -> None:
        """Poll until ``stop`` is set, or sooner when ``wake`` is set; a failing round is logged, never fatal."""
        wake = wake or asyncio.Event()
        while not stop.is_set():
            wake.clear()
            try:
                report = await self.run_once()
                if report.sent or report.failed:
                    log.info("outbox: sent=%d cancelled=%d retried=%d failed=%d", report.sent, report.cancelled,
                             report.retried, report.failed)
            except Exception:
                log.exception("outbox round failed; trying again later")
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, message: OutboxMessage, report: DispatchReport) -> None:
        composer = self._composers.get(message.kind)
        outgoing = await composer(message) if composer else None
        if outgoing is None:
            await self._finish(message, "cancel", "no longer relevant" if composer else f"unknown kind {message.kind}")
            report.cancelled += 1
            return
        await self._pace(str(message.recipient_id))
        try:
            await self._messenger.send(message.recipient_id, outgoing)
        except NotReachable as error:
            await self._finish(message, "fail", str(error))
            report.failed += 1
            return
        except DeliveryError as error:
            retry_at = self._policy.next_attempt(self._clock.now(), message.attempts + 1, error.retry_after) \
                if error.retryable else None
            if retry_at is None:
                await self._finish(message, "fail", f"{error.status or ''} {error}".strip())
                report.failed += 1
            else:
                await self._finish(message, "retry", str(error), retry_at=retry_at)
                report.retried += 1
            return
        await self._finish(message, "sent", "")
        report.sent += 1

    async def _renew(self, message_ids: list[int], lease_until: datetime) -> set[int]:
        async with self._uow_factory() as uow:
            mine = await uow.outbox.renew(message_ids, worker=self._worker, lease_until=lease_until)
            await uow.commit()
        return mine

    async def _pace(self, conversation: str) -> None:
        loop_time = self._clock.now().timestamp()
        wait = self._limiter.wait_time(conversation, loop_time)
        if wait > 0:
            await self._sleep(wait)
        self._limiter.record(conversation, self._clock.now().timestamp())

    async def _finish(self, message: OutboxMessage, outcome: str, error: str, *, retry_at=None) -> None:  # type: ignore[no-untyped-def]
        async with self._uow_factory() as uow:
            await uow.outbox.record(message.id, worker=self._worker, outcome=outcome, error=error[:500],
                                    now=self._clock.now(), retry_at=retry_at)
            await uow.commit()
        if outcome == "fail" and self._on_failed is not None:
            try:
                await self._on_failed(message, error)
            except Exception:
                log.exception("could not report failed delivery of outbox message %d", message.id)
