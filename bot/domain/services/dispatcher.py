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


@dataclass
class _Lease:
    """How long this dispatcher holds its current batch, and which rows it still holds."""

    until: datetime
    mine: set[int]


class Dispatcher:
    """One dispatcher per bot process; several may share a database safely."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, messenger: Messenger, composers: Mapping[str, Composer],
                 clock: Clock, worker: str, limiter: SendRateLimiter | None = None,
                 policy: RetryPolicy | None = None, sleep: Sleep = asyncio.sleep, batch: int = 50,
                 lease: timedelta = timedelta(minutes=2),
                 on_failed: Callable[[OutboxMessage, str], Awaitable[None]] | None = None,
                 concurrency: int = 8):
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
        self._concurrency = max(1, concurrency)
        self._lease_lock = asyncio.Lock()
        self._global_lock = asyncio.Lock()

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
            await self._deliver_batch(claimed, _Lease(until=now + self._lease, mine={m.id for m in claimed}),
                                      report)

    async def _deliver_batch(self, claimed: list[OutboxMessage], lease: _Lease, report: DispatchReport) -> None:
        # One recipient's messages go in order; different recipients are sent to side by side,
        # because each send waits mostly on the network.
        by_recipient: dict[int, list[OutboxMessage]] = {}
        for message in claimed:
            by_recipient.setdefault(message.recipient_id, []).append(message)
        slots = asyncio.Semaphore(self._concurrency)

        async def deliver_in_order(messages: list[OutboxMessage]) -> None:
            async with slots:
                for message in messages:
                    if await self._still_mine(message, claimed, lease):
                        await self._deliver(message, report)

        await asyncio.gather(*(deliver_in_order(group) for group in by_recipient.values()))

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

    async def _still_mine(self, message: OutboxMessage, claimed: list[OutboxMessage], lease: _Lease) -> bool:
        async with self._lease_lock:
            if self._clock.now() >= lease.until - self._lease / 2:
                # Slow sends must not let the lease run out under the rest of the batch, or another
                # instance would claim and send those messages too.
                lease.until = self._clock.now() + self._lease
                lease.mine = await self._renew([m.id for m in claimed], lease.until)
        return message.id in lease.mine

    async def _renew(self, message_ids: list[int], lease_until: datetime) -> set[int]:
        async with self._uow_factory() as uow:
            mine = await uow.outbox.renew(message_ids, worker=self._worker, lease_until=lease_until)
            await uow.commit()
        return mine

    async def _pace(self, conversation: str) -> None:
        # Only this recipient's group sends to ``conversation``: wait for its limits on our own...
        wait = self._limiter.conversation_wait(conversation, self._clock.now().timestamp())
        if wait > 0:
            await self._sleep(wait)
        # ...and for the app's global rate in turn, so concurrent groups cannot overrun it together.
        async with self._global_lock:
            wait = self._limiter.global_wait(self._clock.now().timestamp())
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
