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
from bot.teams.outbox_messenger import MESSAGE_KIND, OutboxMessenger, compose_stored_message
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


# --------------------------------------------------------------------------- poison rows


class SendFails(FakeMessenger):
    """Raises a plain RuntimeError (not a DeliveryError) for one text: a send failing unforeseen."""

    def __init__(self, poison: str):
        super().__init__()
        self.poison = poison

    async def send(self, participant_id, message):  # type: ignore[no-untyped-def]
        if message.text == self.poison:
            raise RuntimeError("the SDK fell over")
        await super().send(participant_id, message)


def raising(error: Exception):  # type: ignore[no-untyped-def]
    async def composer(message: OutboxMessage) -> OutgoingMessage | None:
        raise error

    return composer


async def spoil_payload(sessions, key: str, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """Store a payload the outbox cannot read back: not JSON at all (SQLite keeps any text), or on
    PostgreSQL (whose json type refuses that) a JSON array where an object belongs."""
    from sqlalchemy import text

    value = "'{not json'" if database_url.startswith("sqlite") else "'[1, 2]'::json"
    async with sessions() as session:
        await session.execute(text(f"UPDATE outbox SET payload = {value} WHERE key = :key"), {"key": key})
        await session.commit()


async def row(uow_factory, key: str) -> OutboxMessage:  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        return next(m for m in await uow.outbox.listing() if m.key == key)


POISONS = ["composer ValueError", "composer KeyError", "composer TypeError", "send RuntimeError", "payload"]


@pytest.mark.parametrize("poison", POISONS)
async def test_a_poison_message_backs_off_fails_once_and_never_blocks_the_next(
        uow_factory, sessions, database_url, clock, recipients, poison):
    errors = {"composer ValueError": ValueError("bad date"), "composer KeyError": KeyError("request_id"),
              "composer TypeError": TypeError("int() argument")}
    bad = OutboxMessage(key="poison", recipient_id=recipients[0], kind="bad" if poison in errors else "text",
                        due_at=clock.now(), payload={"text": "poison"})
    await plan(uow_factory, clock, [bad, message("next", recipients[0], clock), message("other", recipients[1], clock)])
    if poison == "payload":
        await spoil_payload(sessions, "poison", database_url)
    messenger = SendFails("poison") if poison == "send RuntimeError" else FakeMessenger()
    told: list[tuple[str, str]] = []

    async def on_failed(msg, reason):  # type: ignore[no-untyped-def]
        told.append((msg.key, reason))

    policy = RetryPolicy(base_seconds=2, max_attempts=4)
    worker = dispatcher(uow_factory, clock, messenger, policy=policy, on_failed=on_failed,
                        composers={"text": compose, "bad": raising(errors.get(poison, ValueError()))})
    before = clock.now()
    report = await worker.run_once()
    after = clock.now()  # (pacing the other two sends moved the fake clock a little)
    # The rest of the person's messages (and everyone else's) went in the same round.
    assert sorted(m.text for _, m in messenger.sent) == ["next", "other"]
    assert (report.sent, report.retried, report.failed) == (2, 1, 0)
    for attempt in range(1, policy.max_attempts):
        failed = await row(uow_factory, "poison")
        assert (failed.state, failed.attempts) == (OutboxState.PENDING, attempt)
        assert failed.last_error.startswith("internal error (")
        ceiling = timedelta(seconds=policy.base_seconds * 2 ** (attempt - 1))  # exponential, with jitter
        assert before + ceiling / 2 <= failed.due_at <= after + ceiling
        clock.advance(failed.due_at - clock.now() - timedelta(milliseconds=1))
        assert (await worker.run_once()).retried == 0  # not before its time
        clock.advance(timedelta(milliseconds=1))
        before = clock.now()
        assert (await worker.run_once()).retried + len(told) == 1
        after = clock.now()
    failed = await row(uow_factory, "poison")
    assert (failed.state, failed.attempts) == (OutboxState.FAILED, policy.max_attempts)
    assert told == [("poison", failed.last_error)]  # the coordinator's hook, once
    clock.advance(timedelta(days=1))
    await worker.run_once()
    assert len(told) == 1 and sorted(m.text for _, m in messenger.sent) == ["next", "other"]
    assert await states(uow_factory) == {"poison": OutboxState.FAILED, "next": OutboxState.SENT,
                                         "other": OutboxState.SENT}


class FailingRecords:
    """A unit-of-work factory whose ``outbox.record`` raises for the first ``failures`` calls (the
    database refusing an outcome), otherwise the real one."""

    def __init__(self, uow_factory, failures: int):  # type: ignore[no-untyped-def]
        self._uow_factory, self.failures = uow_factory, failures

    def __call__(self):  # type: ignore[no-untyped-def]
        factory = self

        class Wrapped:
            async def __aenter__(self):  # type: ignore[no-untyped-def]
                self.uow = await factory._uow_factory().__aenter__()
                real = self.uow.outbox.record

                async def record(*args, **kwargs):  # type: ignore[no-untyped-def]
                    if factory.failures > 0:
                        factory.failures -= 1
                        raise RuntimeError("database refused the outcome")
                    return await real(*args, **kwargs)

                self.uow.outbox.record = record
                return self.uow

            async def __aexit__(self, *exc):  # type: ignore[no-untyped-def]
                await self.uow.__aexit__(*exc)

        return Wrapped()


async def test_an_outcome_that_cannot_be_recorded_counts_as_an_attempt_when_the_lease_runs_out(
        uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message("first", recipients[0], clock), message("second", recipients[0], clock)])
    messenger = FakeMessenger()
    worker = dispatcher(FailingRecords(uow_factory, failures=2), clock, messenger, lease=timedelta(minutes=2))
    await worker.run_once()  # "first" is sent, and both tries to record that fail
    assert [m.text for _, m in messenger.sent] == ["first", "second"]  # "second" is not held back
    assert (await row(uow_factory, "first")).state == OutboxState.SENDING
    assert (await worker.run_once()).sent == 0  # still claimed: its lease runs
    clock.advance(timedelta(minutes=2, seconds=1))
    assert (await worker.run_once()).sent == 1  # claimed again: at least once
    first = await row(uow_factory, "first")
    assert (first.state, first.attempts) == (OutboxState.SENT, 1)  # the lost claim counted


async def test_a_row_whose_claims_keep_getting_lost_runs_out_of_attempts(uow_factory, clock, recipients):
    """A dispatcher that dies (or loses the database) mid-send every time: each expired claim is
    an attempt, so the row fails for good instead of coming back forever."""
    await plan(uow_factory, clock, [message("doomed", recipients[0], clock)])
    policy = RetryPolicy(max_attempts=3)
    for _ in range(policy.max_attempts):
        async with uow_factory() as uow:
            assert len(await uow.outbox.claim_due(now=clock.now(), limit=10, worker="dies",
                                                  lease_until=clock.now() + timedelta(minutes=2))) == 1
            await uow.commit()
        clock.advance(timedelta(minutes=3))
    told: list[str] = []

    async def on_failed(msg, reason):  # type: ignore[no-untyped-def]
        told.append(reason)

    messenger = FakeMessenger()
    await dispatcher(uow_factory, clock, messenger, policy=policy, on_failed=on_failed).run_once()
    doomed = await row(uow_factory, "doomed")
    assert (doomed.state, messenger.sent, told) == (OutboxState.FAILED, [], ["out of attempts"])


# --------------------------------------------------------------------------- the shared send budget


async def test_the_send_budget_is_one_for_all_dispatchers_and_outlives_a_process(
        uow_factory, database_url, clock):
    """Reservations through different engines (as from different processes) share one budget,
    and a new process (a new engine after the first was disposed) continues where it stopped."""
    from storage.db import create_engine, create_sessionmaker
    from storage.unit_of_work import SqlUnitOfWork

    async def reserve(factory, now) -> float:  # type: ignore[no-untyped-def]
        async with factory() as uow:
            moment = await uow.outbox.reserve_send(now=now, spacing=0.25, horizon=60)
            await uow.commit()
        return (moment - clock.now()).total_seconds()

    other = create_engine(database_url)
    other_sessions = create_sessionmaker(other)
    try:
        assert [await reserve(uow_factory, clock.now()) for _ in range(2)] == [0, 0.25]
        assert await reserve(lambda: SqlUnitOfWork(other_sessions), clock.now()) == 0.5
    finally:
        await other.dispose()  # that process is gone
    assert await reserve(uow_factory, clock.now() + timedelta(seconds=0.1)) == 0.75
    # Idle for a while: the next send may go at once.
    assert await reserve(uow_factory, clock.now() + timedelta(seconds=10)) == 10
    # A moment reserved by a clock that ran far ahead is not waited for.
    async with uow_factory() as uow:
        await uow.outbox.reserve_send(now=clock.now() + timedelta(hours=5), spacing=0.25, horizon=60)
        await uow.commit()
    assert await reserve(uow_factory, clock.now() + timedelta(seconds=20)) == 20


def most_within(moments: list[float], seconds: float = 1.0) -> int:
    moments, best, start = sorted(moments), 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_a_dispatcher_restarted_at_once_does_not_add_its_sends_to_the_dead_ones_second(
        uow_factory, database_url, clock, recipients):
    """30 a second for the app: a dispatcher sends 30, dies, and a new one (a new engine, a fresh
    limiter) starts at the same moment. Its sends continue the spacing instead of starting a
    second budget: no second of the (injected) clock holds more than 30."""
    from storage.db import create_engine, create_sessionmaker
    from storage.unit_of_work import SqlUnitOfWork

    await plan(uow_factory, clock, [message(f"r{i}", recipients[i % 5], clock) for i in range(60)])
    moments: list[float] = []

    class Clocked(FakeMessenger):
        async def send(self, participant_id, msg):  # type: ignore[no-untyped-def]
            moments.append(clock.now().timestamp())
            await super().send(participant_id, msg)

    messenger = Clocked()
    stop = asyncio.Event()
    first = dispatcher(uow_factory, clock, messenger, worker="first", batch=30,
                       limiter=SendRateLimiter(global_per_second=30))
    messenger.send_and_maybe_stop = messenger.send  # type: ignore[attr-defined]

    async def send(participant_id, msg):  # type: ignore[no-untyped-def]
        await messenger.send_and_maybe_stop(participant_id, msg)  # type: ignore[attr-defined]
        if len(moments) == 30:
            stop.set()  # the first process ends after 30 sends

    messenger.send = send  # type: ignore[method-assign]
    assert (await first.run_once(stop)).sent == 30
    # A new process starts at once (the clock has not moved) with a fresh limiter.
    engine = create_engine(database_url)
    try:
        sessions = create_sessionmaker(engine)
        second = dispatcher(lambda: SqlUnitOfWork(sessions), clock, messenger, worker="second",
                            limiter=SendRateLimiter(global_per_second=30))
        assert (await second.run_once()).sent == 30
    finally:
        await engine.dispose()
    assert len(moments) == 60 and most_within(moments) <= 30


# --------------------------------------------------------------------------- stopping


async def test_a_stopping_dispatcher_claims_nothing_more_and_hands_back_what_it_did_not_send(
        uow_factory, clock, recipients):
    await plan(uow_factory, clock, [message(f"s{i}", recipients[i % 5], clock) for i in range(40)])
    stop = asyncio.Event()

    class StopsAfterThree(FakeMessenger):
        async def send(self, participant_id, msg):  # type: ignore[no-untyped-def]
            await super().send(participant_id, msg)
            if len(self.sent) == 3:
                stop.set()  # SIGTERM arrives

    messenger = StopsAfterThree()
    report = await dispatcher(uow_factory, clock, messenger, batch=20, worker="stopping").run_once(stop)
    sent = {m.text for _, m in messenger.sent}
    # Sends already under way finish (at most one per recipient group); nothing else goes.
    assert 3 <= len(sent) <= 5 and report.sent == len(sent)
    assert report.released == 20 - len(sent)  # the rest of the batch, handed back
    async with uow_factory() as uow:
        rows = {m.key: m for m in await uow.outbox.listing()}
    assert {k for k, m in rows.items() if m.state == OutboxState.SENT} == sent
    assert all(m.state == OutboxState.PENDING and m.attempts == 0 for k, m in rows.items() if k not in sent)
    assert (await dispatcher(uow_factory, clock, messenger, worker="stopped").run_once(stop)).sent == 0
    # The next start sends each of the others exactly once.
    assert (await dispatcher(uow_factory, clock, messenger, worker="next").run_once()).sent == 40 - len(sent)
    texts = [m.text for _, m in messenger.sent]
    assert len(texts) == len(set(texts)) == 40


async def test_an_idle_round_asks_in_a_read_and_claims_nothing(engine, sessions, uow_factory, clock, recipients):  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    from storage.unit_of_work import SqlUnitOfWork

    messenger = FakeMessenger()
    worker = dispatcher(uow_factory, clock, messenger, reads=lambda: SqlUnitOfWork(sessions, read_only=True))
    await plan(uow_factory, clock, [message("later", recipients[0], clock, minutes=5)])
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement.split()[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        report = await worker.run_once()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert report.sent == 0 and sent == ["SELECT"]  # no BEGIN, no claim: nothing was due
    clock.advance(timedelta(minutes=5))
    assert (await worker.run_once()).sent == 1  # once due, the next round claims and sends it
    assert await states(uow_factory) == {"later": OutboxState.SENT}
