"""The outbox and dispatcher on the real database, with a fake messenger and a moving clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.models import OutgoingMessage, ParticipantSeen
from bot.domain.outbox import OutboxMessage, OutboxState, RetryPolicy
from bot.domain.rate_limit import SendRateLimiter, SlidingWindowLimiter
from bot.domain.services.dispatcher import Dispatcher
from bot.domain.services.participants import ParticipantService
from bot.outbox_messenger import MESSAGE_KIND, OutboxMessenger, compose_stored_message
from tests.fakes.messenger import FakeMessenger, blocked, throttled


async def compose(message: OutboxMessage) -> OutgoingMessage | None:
    return None if message.payload.get("moot") else OutgoingMessage(text=message.payload["text"])


class FakeSleep:
    """Moves the fake clock instead of waiting."""

    def __init__(self, clock):  # type: ignore[no-untyped-def]
        self.clock, self.slept = clock, []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
async def recipients(uow_factory, clock):  # type: ignore[no-untyped-def]
    service = ParticipantService(uow_factory, clock)
    return [(await service.record_seen(ParticipantSeen(teams_id=f"29:r{i}", name=f"R{i}"))).id for i in range(5)]


def dispatcher(uow_factory, clock, messenger, **kwargs):  # type: ignore[no-untyped-def]
    return Dispatcher(uow_factory=uow_factory, messenger=messenger, clock=clock,
                      composers=kwargs.pop("composers", {"text": compose}),
                      worker=kwargs.pop("worker", "w1"), sleep=kwargs.pop("sleep", FakeSleep(clock)), **kwargs)


async def plan(uow_factory, clock, messages) -> int:  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        added = await uow.outbox.plan(messages, now=clock.now())
        await uow.commit()
    return added


def message(key: str, recipient: int, clock, *, minutes: int = 0, **payload) -> OutboxMessage:  # type: ignore[no-untyped-def]
    return OutboxMessage(key=key, recipient_id=recipient, kind="text",
                         due_at=clock.now() + timedelta(minutes=minutes), payload={"text": key, **payload})


async def states(uow_factory) -> dict[str, OutboxState]:  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        return {m.key: m.state for m in await uow.outbox.listing()}


async def test_planning_is_idempotent_and_only_due_messages_go(uow_factory, clock, recipients):
    batch = [message("a", recipients[0], clock), message("b", recipients[1], clock, minutes=30)]
    assert await plan(uow_factory, clock, batch) == 2
    assert await plan(uow_factory, clock, batch) == 0
    messenger = FakeMessenger()
    report = await dispatcher(uow_factory, clock, messenger).run_once()
    assert report.sent == 1 and [m.text for _, m in messenger.sent] == ["a"]
    clock.advance(timedelta(minutes=31))
    await dispatcher(uow_factory, clock, messenger).run_once()
    assert [m.text for _, m in messenger.sent] == ["a", "b"]
    assert set((await states(uow_factory)).values()) == {OutboxState.SENT}


async def test_a_message_planned_in_a_use_case_goes_only_if_that_commits(uow_factory, clock, recipients):
    wake = asyncio.Event()
    outbox = OutboxMessenger(uow_factory=uow_factory, clock=clock, wake=wake)
    async with uow_factory() as uow:
        await outbox.plan(uow, recipients[0], OutgoingMessage(text="news of a decision that rolled back"), about=None)
    assert not wake.is_set()
    async with uow_factory() as uow:
        await outbox.plan(uow, recipients[1], OutgoingMessage(text="news of a decision"), about=None)
        assert not wake.is_set(), "woken before the commit, a dispatcher elsewhere would find nothing"
        await uow.commit()
    assert wake.is_set()
    messenger = FakeMessenger()
    await dispatcher(uow_factory, clock, messenger, composers={MESSAGE_KIND: compose_stored_message}).run_once()
    assert [(to, m.text) for to, m in messenger.sent] == [(recipients[1], "news of a decision")]


async def test_throttling_is_retried_after_retry_after_and_403_is_final(uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message("t", recipients[0], clock), message("x", recipients[1], clock)])
    messenger = FakeMessenger()
    messenger.fail_next(throttled(retry_after=120), blocked())
    failed: list[str] = []

    async def on_failed(msg, reason):  # type: ignore[no-untyped-def]
        failed.append(f"{msg.key}:{reason}")

    worker = dispatcher(uow_factory, clock, messenger, on_failed=on_failed)
    report = await worker.run_once()
    assert (report.retried, report.failed, report.sent) == (1, 1, 0)
    assert failed == ["x:403 connector answered 403"]
    clock.advance(timedelta(seconds=100))
    assert (await worker.run_once()).sent == 0  # Retry-After (120 s) not over yet
    clock.advance(timedelta(seconds=30))
    assert (await worker.run_once()).sent == 1
    assert await states(uow_factory) == {"t": OutboxState.SENT, "x": OutboxState.FAILED}


async def test_gives_up_after_the_last_attempt(uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message("g", recipients[0], clock)])
    messenger = FakeMessenger()
    messenger.fail_next(*[throttled(retry_after=None) for _ in range(3)])
    worker = dispatcher(uow_factory, clock, messenger, policy=RetryPolicy(base_seconds=1, max_attempts=3))
    for _ in range(3):
        await worker.run_once()
        clock.advance(timedelta(minutes=5))
    assert await states(uow_factory) == {"g": OutboxState.FAILED}


async def test_moot_messages_are_cancelled(uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message("m", recipients[0], clock, moot=True)])
    report = await dispatcher(uow_factory, clock, FakeMessenger()).run_once()
    assert report.cancelled == 1 and await states(uow_factory) == {"m": OutboxState.CANCELLED}


async def test_a_dead_dispatchers_claim_is_taken_over_after_its_lease(uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message("l", recipients[0], clock)])
    async with uow_factory() as uow:  # a dispatcher claims, then dies before sending
        assert len(await uow.outbox.claim_due(now=clock.now(), limit=10, worker="dead",
                                              lease_until=clock.now() + timedelta(minutes=2))) == 1
        await uow.commit()
    messenger = FakeMessenger()
    assert (await dispatcher(uow_factory, clock, messenger).run_once()).sent == 0
    clock.advance(timedelta(minutes=3))
    assert (await dispatcher(uow_factory, clock, messenger).run_once()).sent == 1


async def test_two_dispatchers_never_send_the_same_message(uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message(f"k{i}", recipients[i % 5], clock) for i in range(200)])
    messenger = FakeMessenger()
    big = SendRateLimiter(global_per_second=1000)
    first = dispatcher(uow_factory, clock, messenger, worker="w1", batch=7, limiter=big)
    second = dispatcher(uow_factory, clock, messenger, worker="w2", batch=7, limiter=big)
    await asyncio.gather(first.run_once(), second.run_once())
    keys = [m.text for _, m in messenger.sent]
    assert len(keys) == 200 and len(set(keys)) == 200


def test_rate_limits_per_conversation_and_global():
    limiter = SlidingWindowLimiter(((1.0, 7), (2.0, 8)))
    for i in range(7):
        assert limiter.wait_time("c", 10.0 + i * 0.01) == 0
        limiter.record("c", 10.0 + i * 0.01)
    assert limiter.wait_time("c", 10.1) == pytest.approx(0.9)
    assert limiter.wait_time("other", 10.1) == 0
    limiter.record("c", 11.0)
    assert limiter.wait_time("c", 11.05) == pytest.approx(0.95)  # the 2-second window: 8 in 2 s
    sends = SendRateLimiter(global_per_second=30)
    for i in range(30):
        sends.record(f"conv{i}", 5.0)
    assert sends.wait_time("conv-new", 5.5) == pytest.approx(0.55)  # the window plus the jitter margin
    assert sends.wait_time("conv-new", 6.05) == 0


async def test_paced_sending_respects_the_per_conversation_limit(uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message(f"p{i}", recipients[0], clock) for i in range(20)])
    sleep = FakeSleep(clock)
    start = clock.now()
    await dispatcher(uow_factory, clock, FakeMessenger(), sleep=sleep).run_once()
    # 20 messages to one conversation at 7/s and 8/2s take at least 4 seconds of (fake) time.
    assert (clock.now() - start).total_seconds() >= 4


async def test_slow_sends_renew_the_lease_so_no_other_dispatcher_takes_the_rest(uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message(f"s{i}", recipients[i % 5], clock) for i in range(6)])

    class SlowMessenger(FakeMessenger):
        async def send(self, participant_id, message):  # type: ignore[no-untyped-def]
            clock.advance(timedelta(seconds=50))  # each send takes 50 s of (fake) time
            await super().send(participant_id, message)

    slow = SlowMessenger()
    worker = dispatcher(uow_factory, clock, slow, worker="slow", lease=timedelta(minutes=2))
    other = FakeMessenger()
    original = slow.send

    async def send_and_let_another_try(participant_id, msg):  # type: ignore[no-untyped-def]
        await original(participant_id, msg)
        await dispatcher(uow_factory, clock, other, worker="other").run_once()

    slow.send = send_and_let_another_try  # type: ignore[method-assign]
    await worker.run_once()
    assert len(slow.sent) == 6 and other.sent == []  # 6 × 50 s > the 2-minute lease, yet no double send
