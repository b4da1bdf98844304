"""Delivery against the real Bot Connector client: the app's dispatcher and ``TeamsMessenger``
(botbuilder's ``ConnectorClient``, pooled by ``bot/teams/connector_pool.py``, sent with aiohttp by
``bot/teams/connector_http.py``)
talk to the fake connector, which injects the faults Teams gives. Time is the fixed clock's;
nothing here waits on a timer.

Nothing underneath retries: every 4xx/5xx of a send and every connection error reaches the
dispatcher once (as ``ErrorResponseException`` or a connection error) and the outbox's own
``RetryPolicy`` decides. The client's timeout is msrest's ``ClientConnection.timeout``: 100 s.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import msrest.universal_http
import pytest
from sqlalchemy import select, update

from bot.components import COMPONENTS, Components
from bot.domain.models import OutgoingMessage
from bot.domain.outbox import OutboxState
from storage.tables import OutboxRow, ParticipantRow
from tests import activities as build
from tests.activities import member

NOTICE = "Let op: een bericht aan {name} kon niet worden bezorgd"


def components_of(client) -> Components:  # type: ignore[no-untyped-def]
    return client.server.app[COMPONENTS]


async def reachable(client, connector, key: str, name: str) -> int:  # type: ignore[no-untyped-def]
    """Make ``key`` a participant with a stored personal conversation at the fake connector."""
    connector.members[f"a:personal-{key}"] = [member(key, name=name, email=f"{key}@bieb.nl")]
    response = await client.post("/api/messages", json=build.message(connector.url, "hallo", key=key))
    assert response.status == 201, await response.text()
    async with components_of(client).sessions() as session:
        return (await session.scalars(select(ParticipantRow.id).where(ParticipantRow.teams_id == f"29:{key}"))).one()


async def coordinator(client, connector) -> int:  # type: ignore[no-untyped-def]
    """Dia, the sample programme's coordinator, reachable in her personal chat."""
    connector.members["a:personal-dia"] = [member("dia", name="Dia Wesseling", email="dwesseling@probiblio.nl")]
    response = await client.post("/api/messages", json=build.message(connector.url, "hallo", key="dia"))
    assert response.status == 201, await response.text()
    async with components_of(client).sessions() as session:
        row = (await session.scalars(select(ParticipantRow).where(ParticipantRow.teams_id == "29:dia"))).one()
    assert row.person_id == "dia"
    return row.id


async def rows(client) -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    async with components_of(client).sessions() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def row_for(client, recipient: int) -> OutboxRow:  # type: ignore[no-untyped-def]
    [row] = [r for r in await rows(client) if r.recipient_id == recipient]
    return row


def aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sends_to(connector, key: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The statuses of the activity POSTs the fake answered for ``key``'s personal chat, in order."""
    with connector._condition:
        return [r["status"] for r in connector.sent
                if r["kind"] == "activity" and r["method"] == "POST" and r["conversation_id"] == f"a:personal-{key}"]


async def queue(client, participant: int, text: str) -> None:  # type: ignore[no-untyped-def]
    await components_of(client).messenger.send(participant, OutgoingMessage(text=text))


@pytest.fixture
async def anna(bot_client, connector) -> int:  # type: ignore[no-untyped-def]
    participant = await reachable(bot_client, connector, "anna", "Anna de Vries")
    connector.reset()  # forget the greeting; keep the roster
    return participant


async def test_429_waits_for_retry_after_on_the_clock_then_sends_once(bot_client, connector, clock, anna):
    dispatcher = components_of(bot_client).dispatcher
    await queue(bot_client, anna, "Herinnering: uiterlijk 28 maart")
    connector.fail_next(1, status=429, headers={"Retry-After": "30"}, path_contains="a:personal-anna")

    report = await dispatcher.run_once()
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    row = await row_for(bot_client, anna)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert "429" in row.last_error
    assert aware(row.due_at) == clock.now() + timedelta(seconds=30)  # Retry-After beats the 1-2 s backoff

    clock.advance(timedelta(seconds=29))
    assert (await dispatcher.run_once()).sent == 0
    assert sends_to(connector, "anna") == [429]  # not tried again before Retry-After

    clock.advance(timedelta(seconds=2))
    assert (await dispatcher.run_once()).sent == 1
    assert sends_to(connector, "anna") == [429, 201]
    assert connector.texts("a:personal-anna") == ["Herinnering: uiterlijk 28 maart"]
    row = await row_for(bot_client, anna)
    assert (row.state, row.attempts, row.claimed_by, row.lease_until) == (OutboxState.SENT, 1, None, None)
    clock.advance(timedelta(hours=1))
    assert (await dispatcher.run_once()).sent == 0  # and never again
    assert sends_to(connector, "anna") == [429, 201]


@pytest.mark.parametrize("status", [412, 500, 502, 503, 504])
async def test_transient_statuses_are_retried_with_backoff(bot_client, connector, clock, anna, status):
    dispatcher = components_of(bot_client).dispatcher
    await queue(bot_client, anna, f"Na {status}")
    connector.fail_next(1, status=status, path_contains="a:personal-anna")

    assert (await dispatcher.run_once()).retried == 1
    assert sends_to(connector, "anna") == [status]  # the SDK did not retry the POST itself
    row = await row_for(bot_client, anna)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert str(status) in row.last_error
    delay = (aware(row.due_at) - clock.now()).total_seconds()
    assert 1.0 <= delay <= 2.0  # RetryPolicy: first retry after uniform(base/2, base), base 2 s

    clock.advance(timedelta(seconds=2))
    assert (await dispatcher.run_once()).sent == 1
    assert sends_to(connector, "anna") == [status, 201]
    assert connector.texts("a:personal-anna") == [f"Na {status}"]
    assert (await row_for(bot_client, anna)).state == OutboxState.SENT


async def test_repeated_gateway_errors_back_off_exponentially(bot_client, connector, clock, anna):
    dispatcher = components_of(bot_client).dispatcher
    await queue(bot_client, anna, "Volhouden")
    connector.fail_next(4, status=502, path_contains="a:personal-anna")
    delays = []
    for _ in range(4):
        assert (await dispatcher.run_once()).retried == 1
        row = await row_for(bot_client, anna)
        delays.append((aware(row.due_at) - clock.now()).total_seconds())
        clock.advance(timedelta(seconds=delays[-1]))
    assert [lo <= d <= hi for d, (lo, hi) in zip(delays, [(1, 2), (2, 4), (4, 8), (8, 16)], strict=True)] == [True] * 4
    assert (await dispatcher.run_once()).sent == 1
    assert sends_to(connector, "anna") == [502, 502, 502, 502, 201]
    row = await row_for(bot_client, anna)
    assert (row.state, row.attempts) == (OutboxState.SENT, 4)


@pytest.mark.parametrize("status", [403, 404])
async def test_403_and_404_are_final_and_the_coordinator_is_told(bot_client, connector, clock, anna, status):
    dia = await coordinator(bot_client, connector)
    connector.reset()
    dispatcher = components_of(bot_client).dispatcher
    await queue(bot_client, anna, "Niet bezorgbaar")
    connector.fail_next(1, status=status, path_contains="a:personal-anna")

    report = await dispatcher.run_once()
    assert (report.failed, report.retried) == (1, 0)
    assert report.sent == 1  # the notice to Dia, queued in the outbox and sent in the same round
    row = await row_for(bot_client, anna)
    assert (row.state, row.attempts) == (OutboxState.FAILED, 1)
    assert row.last_error.startswith(f"{status} ")
    [notice] = connector.texts("a:personal-dia")
    assert notice.startswith(NOTICE.format(name="Anna de Vries"))
    assert f"({status} " in notice
    assert (await row_for(bot_client, dia)).state == OutboxState.SENT

    clock.advance(timedelta(days=1))
    assert (await dispatcher.run_once()).sent == 0  # final: never tried again
    assert sends_to(connector, "anna") == [status]
    assert connector.texts("a:personal-anna") == []


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else gets it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def point_at(client, participant: int, service_url: str) -> None:  # type: ignore[no-untyped-def]
    async with components_of(client).sessions() as session:
        row = await session.get(ParticipantRow, participant)
        reference: dict[str, Any] = {**row.conversation_reference, "serviceUrl": service_url}
        await session.execute(update(ParticipantRow).where(ParticipantRow.id == participant)
                              .values(conversation_reference=reference, service_url=service_url))
        await session.commit()


async def test_connection_refused_is_retried_not_lost(bot_client, connector, clock, anna, closed_port):
    """The stored serviceUrl points at a closed port: the send fails at once and the outbox keeps
    the message and tries again later."""
    dispatcher = components_of(bot_client).dispatcher
    await point_at(bot_client, anna, f"http://127.0.0.1:{closed_port}/")
    await queue(bot_client, anna, "Komt toch aan")

    report = await dispatcher.run_once()
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    row = await row_for(bot_client, anna)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert row.last_error.startswith("connection problem")

    await point_at(bot_client, anna, connector.url)  # the service is back
    clock.advance(timedelta(seconds=2))
    assert (await dispatcher.run_once()).sent == 1
    assert connector.texts("a:personal-anna") == ["Komt toch aan"]
    assert (await row_for(bot_client, anna)).state == OutboxState.SENT


@pytest.fixture
def short_client_timeout(monkeypatch) -> float:  # type: ignore[no-untyped-def]
    """msrest's read timeout is 100 s (``ClientConnection.timeout``); make it 0.3 s.

    Request it before the app: connector clients are pooled, so the setting is read when the
    first turn builds one."""
    original = msrest.universal_http.ClientConnection.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.timeout = 0.3

    monkeypatch.setattr(msrest.universal_http.ClientConnection, "__init__", init)
    return 0.3


def test_the_connector_clients_timeout_is_100_seconds():
    """The SDK has a timeout, msrest's default; the dispatcher adds none of its own."""
    assert msrest.universal_http.ClientConnection().timeout == 100


async def test_a_timeout_is_retried_and_can_repeat_the_message(short_client_timeout, bot_client, connector, clock,
                                                               anna):
    """A timed-out send is ambiguous: the connector may still accept it after the client gave up.
    The outbox retries (nothing lost) and so the user may get it twice: at-least-once."""
    dispatcher = components_of(bot_client).dispatcher
    await queue(bot_client, anna, "Traag")
    connector.delay = 1.0  # longer than the client's timeout

    report = await dispatcher.run_once()
    assert (report.sent, report.retried) == (0, 1)
    row = await row_for(bot_client, anna)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert row.last_error.startswith("connection problem")

    connector.delay = 0.0
    # The slow request is still answered (and accepted) after the client gave up on it.
    await connector.wait_for(lambda: sends_to(connector, "anna") == [201])
    clock.advance(timedelta(seconds=2))
    assert (await dispatcher.run_once()).sent == 1
    assert connector.texts("a:personal-anna") == ["Traag", "Traag"]
    assert (await row_for(bot_client, anna)).state == OutboxState.SENT


async def test_a_mixed_batch_sends_each_message_exactly_once(bot_client, connector, clock, anna):
    """Several participants, faults interleaved: every message arrives exactly once, the blocked one fails."""
    others = [await reachable(bot_client, connector, key, key.title()) for key in ("ben", "carla", "daan")]
    connector.reset()
    dispatcher = components_of(bot_client).dispatcher
    for participant in (anna, *others):
        for n in range(3):
            await queue(bot_client, participant, f"{participant}-{n}")
    connector.fail_next(1, status=429, headers={"Retry-After": "5"}, path_contains="a:personal-ben")
    connector.fail_next(2, status=504, path_contains="a:personal-carla")
    connector.fail_next(1, status=403, path_contains="a:personal-daan")
    for _ in range(6):
        await dispatcher.run_once()
        clock.advance(timedelta(seconds=10))
    accepted = connector.texts()
    assert len(accepted) == len(set(accepted))
    expected = {f"{p}-{n}" for p in (anna, *others) for n in range(3)} - {f"{others[2]}-0"}
    assert set(accepted) == expected
    states = {r.payload["text"]: r.state for r in await rows(bot_client)}
    assert {t for t, s in states.items() if s == OutboxState.FAILED} == {f"{others[2]}-0"}


async def plan_row(client, participant: int, *, key: str, kind: str, payload: dict[str, Any], clock) -> None:  # type: ignore[no-untyped-def]
    from bot.domain.outbox import OutboxMessage

    async with components_of(client).uow_factory() as uow:
        await uow.outbox.plan([OutboxMessage(key=key, recipient_id=participant, kind=kind, due_at=clock.now(),
                                             payload=payload)], now=clock.now())
        await uow.commit()


@pytest.mark.parametrize("poison", ["composer raises", "payload unreadable"])
async def test_a_poison_row_fails_after_its_attempts_tells_the_coordinator_once_and_blocks_nothing(
        bot_client, connector, clock, anna, database_url, poison):
    """A row the real app cannot deliver for reasons no connector answer explains: a follow-up whose
    payload names no request (the composer's ``int("geen-nummer")`` raises ValueError), or a row
    whose stored payload is not a JSON object. Each round it is one failed attempt with backoff on
    the clock; after the policy's last one it fails and Dia gets one notice. Anna's next message
    goes in the first round."""
    from sqlalchemy import text

    from bot.domain.outbox import RetryPolicy
    from bot.domain.services.follow_ups import NUDGE

    await coordinator(bot_client, connector)
    connector.reset()
    dispatcher = components_of(bot_client).dispatcher
    if poison == "composer raises":
        await plan_row(bot_client, anna, key="req:x:v1:nudge", kind=NUDGE,
                       payload={"request_id": "geen-nummer", "version": 1}, clock=clock)
    else:
        await plan_row(bot_client, anna, key="msg:kapot", kind="message", payload={"text": "kapot"}, clock=clock)
        spoiled = "'{kapot'" if database_url.startswith("sqlite") else "'\"kapot\"'::json"
        async with components_of(bot_client).sessions() as session:
            await session.execute(text(f"UPDATE outbox SET payload = {spoiled} WHERE key = 'msg:kapot'"))
            await session.commit()
    await queue(bot_client, anna, "Daarna")

    report = await dispatcher.run_once()
    assert (report.sent, report.retried) == (1, 1)
    assert connector.texts("a:personal-anna") == ["Daarna"]  # not held back
    rounds = 1
    while True:
        async with components_of(bot_client).sessions() as session:  # (not the payload: it may be unreadable)
            [poisoned] = (await session.execute(
                select(OutboxRow.state, OutboxRow.attempts, OutboxRow.due_at, OutboxRow.last_error)
                .where(OutboxRow.recipient_id == anna, OutboxRow.state != OutboxState.SENT))).all()
        if poisoned.state == OutboxState.FAILED:
            break
        assert (poisoned.state, poisoned.attempts) == (OutboxState.PENDING, rounds)
        delay = (aware(poisoned.due_at) - clock.now()).total_seconds()
        ceiling = 2.0 * 2 ** (rounds - 1)
        assert ceiling / 2 <= delay <= ceiling  # RetryPolicy: exponential backoff with jitter
        clock.advance(timedelta(seconds=delay))
        await dispatcher.run_once()
        rounds += 1
    assert rounds == RetryPolicy().max_attempts and poisoned.attempts == rounds
    assert poisoned.last_error.startswith("internal error (")
    [notice] = connector.texts("a:personal-dia")
    assert notice.startswith(NOTICE.format(name="Anna de Vries"))
    clock.advance(timedelta(days=1))
    await dispatcher.run_once()
    assert len(connector.texts("a:personal-dia")) == 1 and connector.texts("a:personal-anna") == ["Daarna"]
