"""Delivers due outbox messages: claim atomically, compose, respect rate limits, record.

Failures stay with their message. Whatever goes wrong while a message is composed, sent or
recorded (the connector's answers, but also a composer or payload that raises, a send that fails
in an unforeseen way, the database refusing the outcome) is one failed attempt of that message:
it is retried with exponential backoff and jitter and fails for good after the policy's last
attempt, and the coordinator is told once. It never stops the round, nor the messages behind it.

Order: one recipient's messages of a claimed batch are tried one after the other in planned
order (``due_at``, then id). A message that fails an attempt is rescheduled and the ones behind
it go on: a retried message may arrive after later ones, but a failing message never holds
back the rest of that person's messages.

Stopping: ``run_once(stop=...)`` checks ``stop`` before every claim and every send. Once it is
set nothing new is claimed, sends already under way finish, and claimed rows not yet sent are
handed back (``pending`` again, no attempt counted) for another instance or the next start.
"""

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
# How far ahead of a dispatcher's clock the shared send budget may be before it counts as wrong
# (a clock that once ran hours ahead) and is reset: far more than any real queue of reservations.
BUDGET_HORIZON_SECONDS = 60.0
# A sender that wakes this much after its reserved moment (a busy event loop) takes a new moment
# instead of sending late: late sends bunch up with the punctual ones after them, and the
# connector counts them in the same second. After a few tries it sends anyway (no starvation).
LATE_TOLERANCE_SECONDS = 0.025
REBOOKINGS = 3


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
    released: int = 0  # claimed, then handed back unsent because the dispatcher was stopping


@dataclass
class _Lease:
    """How long this dispatcher holds its current batch, and which rows it still holds."""

    until: datetime
    mine: set[int]


@dataclass(frozen=True)
class _Outcome:
    """What to record for one attempt: ``sent``, ``cancel``, ``retry`` (at ``retry_at``) or ``fail``."""

    kind: str
    error: str = ""
    retry_at: datetime | None = None


@dataclass
class _Batch:
    """One claimed batch: its rows, the lease on them, and the rows whose send has not begun."""

    claimed: list[OutboxMessage]
    lease: _Lease
    unstarted: set[int]


class _Stopped(Exception):
    """The dispatcher was told to stop before this message was sent."""


class _NoLongerMine(Exception):
    """Another dispatcher took the row over (our lease ran out): it is theirs to send."""


class _PayloadUnreadable(Exception):
    """The row's stored payload could not be decoded."""


class Dispatcher:
    """One dispatcher per bot process; several may share a database safely."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, messenger: Messenger, composers: Mapping[str, Composer],
                 clock: Clock, worker: str, limiter: SendRateLimiter | None = None,
                 policy: RetryPolicy | None = None, sleep: Sleep = asyncio.sleep, batch: int = 50,
                 lease: timedelta = timedelta(minutes=2),
                 on_failed: Callable[[OutboxMessage, str], Awaitable[None]] | None = None,
                 concurrency: int = 8, reads: UnitOfWorkFactory | None = None):
        self._uow_factory = uow_factory
        # Units of work that only read: whether anything is due is asked in one (no write lock).
        self._reads = reads or uow_factory
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
        # The process's first send goes alone: it sets up the connector client and connection
        # (imports, a new TCP connection), and senders waiting meanwhile would all go at once after.
        self._warming = False
        self._warmed = asyncio.Event()

    async def run_once(self, stop: asyncio.Event | None = None) -> DispatchReport:
        """Send everything due now (batch by batch) and return the counts.

        Args:
            stop: When set, claim nothing more, finish the sends under way and hand back the rest.
        """
        report = DispatchReport()
        # Most rounds find nothing due. Asking first, in a read, spares an idle round the write
        # transaction of a claim (on SQLite the one write lock that every turn's state write needs).
        async with self._reads() as uow:
            if not await uow.outbox.any_due(now=self._clock.now()):
                return report
        while stop is None or not stop.is_set():
            now = self._clock.now()
            async with self._uow_factory() as uow:
                claimed = await uow.outbox.claim_due(now=now, limit=self._batch, worker=self._worker,
                                                     lease_until=now + self._lease)
                await uow.commit()
            if not claimed:
                break
            await self._deliver_batch(claimed, lease=_Lease(until=now + self._lease, mine={m.id for m in claimed}),
                                      report=report, stop=stop)
        return report

    async def _deliver_batch(self, claimed: list[OutboxMessage], *, lease: _Lease, report: DispatchReport,
                             stop: asyncio.Event | None) -> None:
        # One recipient's messages go in order; different recipients are sent to side by side,
        # because each send waits mostly on the network.
        by_recipient: dict[int, list[OutboxMessage]] = {}
        for message in claimed:
            by_recipient.setdefault(message.recipient_id, []).append(message)
        slots = asyncio.Semaphore(self._concurrency)
        # Claimed rows whose send has not begun: handed back if we stop (or are cancelled) first.
        unstarted = {m.id for m in claimed}

        async def deliver_in_order(messages: list[OutboxMessage]) -> None:
            async with slots:
                for message in messages:
                    if stop is not None and stop.is_set():
                        return
                    await self._deliver(message, report=report, stop=stop, batch=_Batch(claimed, lease, unstarted))

        try:
            await asyncio.gather(*(deliver_in_order(group) for group in by_recipient.values()))
        finally:
            # Also on cancellation (a shutdown that ran out of time): rows never sent go back now
            # instead of waiting out the lease. A row whose send had begun stays claimed: whether
            # the connector took it is unknown, and the lease decides (at least once).
            if unstarted:
                report.released += await self._release(sorted(unstarted))

    async def run_forever(self, stop: asyncio.Event, interval: float = 5.0, wake: asyncio.Event | None = None) -> None:
        """Poll until ``stop`` is set, or sooner when ``wake`` is set; a failing round is logged, never fatal."""
        wake = wake or asyncio.Event()
        while not stop.is_set():
            wake.clear()
            try:
                report = await self.run_once(stop)
                if report.sent or report.failed or report.released:
                    log.info("outbox: sent=%d cancelled=%d retried=%d failed=%d released=%d", report.sent,
                             report.cancelled, report.retried, report.failed, report.released)
            except Exception:
                log.exception("outbox round failed; trying again later")
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, message: OutboxMessage, *, report: DispatchReport, stop: asyncio.Event | None,
                       batch: _Batch) -> None:
        unstarted = batch.unstarted
        try:
            outcome = await self._attempt(message, stop=stop, batch=batch)
        except _Stopped:
            return  # still in ``unstarted``: handed back with the rest of the batch
        except _NoLongerMine:
            unstarted.discard(message.id)
            return
        except Exception as error:
            # Anything unforeseen (a composer's KeyError, a send failing in a new way) is a failed
            # attempt of this message only. The type is logged, never the text: it may quote content.
            log.warning("outbox %d (%s): attempt %d failed with %s", message.id, message.kind,
                        message.attempts + 1, type(error).__name__)
            log.debug("outbox %d: the failure in full", message.id, exc_info=True)
            outcome = self._retry_or_fail(message, f"internal error ({type(error).__name__})")
        unstarted.discard(message.id)
        if not await self._record(message, outcome):
            return
        if outcome.kind == "sent":
            report.sent += 1
        elif outcome.kind == "cancel":
            report.cancelled += 1
        elif outcome.kind == "retry":
            report.retried += 1
        else:
            report.failed += 1

    async def _attempt(self, message: OutboxMessage, *, stop: asyncio.Event | None, batch: _Batch) -> _Outcome:
        if message.attempts >= self._policy.max_attempts:
            # Its earlier claims ran out without an outcome (the holder died or lost the database)
            # as often as the policy allows attempts.
            return _Outcome("fail", "out of attempts")
        if message.broken:
            raise _PayloadUnreadable(message.broken)
        composer = self._composers.get(message.kind)
        outgoing = await composer(message) if composer else None
        if outgoing is None:
            return _Outcome("cancel", "no longer relevant" if composer else f"unknown kind {message.kind}")
        conversation = str(message.recipient_id)
        # Only this recipient's group sends to ``conversation``: wait for its limits on our own.
        wait = self._limiter.conversation_wait(conversation, self._clock.now().timestamp())
        if wait > 0 and not await self._wait(wait, stop):
            raise _Stopped
        first = not self._warming
        self._warming = True
        if not first and not self._warmed.is_set() and not await self._wait(None, stop, until=self._warmed):
            raise _Stopped
        try:
            if not await self._pace(conversation, stop):
                raise _Stopped
            # Checked after pacing, right before the send: waiting for the rate may take long enough
            # for the lease to need renewing (or to have been lost).
            if not await self._still_mine(message, batch.claimed, batch.lease):
                raise _NoLongerMine
            batch.unstarted.discard(message.id)
            try:
                await self._messenger.send(message.recipient_id, outgoing)
            except NotReachable as error:
                return _Outcome("fail", str(error))
            except DeliveryError as error:
                if not error.retryable:
                    return _Outcome("fail", f"{error.status or ''} {error}".strip())
                return self._retry_or_fail(message, str(error), retry_after=error.retry_after)
            return _Outcome("sent")
        finally:
            if first:
                self._warmed.set()

    def _retry_or_fail(self, message: OutboxMessage, error: str, *, retry_after: float | None = None) -> _Outcome:
        retry_at = self._policy.next_attempt(self._clock.now(), message.attempts + 1, retry_after)
        return _Outcome("fail", error) if retry_at is None else _Outcome("retry", error, retry_at)

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

    async def _release(self, message_ids: list[int]) -> int:
        try:
            async with self._uow_factory() as uow:
                released = await uow.outbox.release(message_ids, worker=self._worker)
                await uow.commit()
        except Exception as error:
            # Not fatal: the rows stay claimed until their lease runs out, then go again.
            log.warning("could not hand back %d claimed outbox message(s): %s", len(message_ids),
                        type(error).__name__)
            return 0
        return released

    async def _pace(self, conversation: str, stop: asyncio.Event | None) -> bool:
        """Wait for the app's global rate (the conversation's came first); False when told to stop meanwhile."""
        # The next moment of the app's global rate comes from the budget every dispatcher on this
        # database shares, so two instances (or one restarted at once) cannot overrun it.
        for _ in range(1 + REBOOKINGS):
            async with self._uow_factory() as uow:
                slot = await uow.outbox.reserve_send(now=self._clock.now(), spacing=self._limiter.global_spacing,
                                                     horizon=max(BUDGET_HORIZON_SECONDS,
                                                                 1000 * self._limiter.global_spacing))
                await uow.commit()
            wait = (slot - self._clock.now()).total_seconds()
            if wait > 0 and not await self._wait(wait, stop):
                return False
            if (self._clock.now() - slot).total_seconds() <= LATE_TOLERANCE_SECONDS:
                break
        if stop is not None and stop.is_set():
            return False
        self._limiter.record(conversation, self._clock.now().timestamp())
        return True

    async def _wait(self, seconds: float | None, stop: asyncio.Event | None, *,
                    until: asyncio.Event | None = None) -> bool:
        """Sleep ``seconds`` (the injected sleep), or wait until ``until`` is set instead; return
        early when ``stop`` is set. False when stopped."""
        if stop is not None and stop.is_set():
            return False
        waiting = asyncio.ensure_future(until.wait() if until is not None else self._sleep(seconds or 0.0))
        if stop is None:
            await waiting
            return True
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((waiting, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            stopping.cancel()
        return not stop.is_set()

    async def _record(self, message: OutboxMessage, outcome: _Outcome) -> bool:
        """Store ``outcome``; True when this dispatcher still held the row and it was stored."""
        try:
            stored = await self._store(message, outcome)
        except Exception as error:
            # Try once more with a plain error text (the original may be what the database refused).
            # If that fails too the row keeps its claim until the lease runs out; the next claim
            # then counts the attempt, so even a row whose outcome never sticks runs out of tries.
            log.warning("outbox %d: could not record %s (%s); trying once more", message.id, outcome.kind,
                        type(error).__name__)
            plain = f"could not record the outcome ({type(error).__name__})" if outcome.error else ""
            outcome = _Outcome(outcome.kind, plain, outcome.retry_at)
            try:
                stored = await self._store(message, outcome)
            except Exception as again:
                log.warning("outbox %d: could not record %s again (%s); the row waits for its lease",
                            message.id, outcome.kind, type(again).__name__)
                return False
        if stored and outcome.kind == "fail" and self._on_failed is not None:
            try:
                await self._on_failed(message, outcome.error)
            except Exception:
                log.exception("could not report failed delivery of outbox message %d", message.id)
        return stored

    async def _store(self, message: OutboxMessage, outcome: _Outcome) -> bool:
        async with self._uow_factory() as uow:
            stored = await uow.outbox.record(message.id, worker=self._worker, outcome=outcome.kind,
                                             error=outcome.error[:500], now=self._clock.now(),
                                             retry_at=outcome.retry_at)
            await uow.commit()
        return stored
