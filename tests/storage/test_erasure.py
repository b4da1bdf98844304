"""The AVG erasure on the real database (SQLite and PostgreSQL): whole or not at all, whoever is erased."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.domain.documents import Consent, Document
from bot.domain.models import Address, ParticipantSeen
from bot.domain.outbox import OutboxMessage, OutboxState
from bot.domain.requests import Action, Preference, RequestEvent, SparringRequest, State
from bot.domain.services.directory_import import import_directory
from bot.domain.services.participants import ParticipantService
from bot.domain.services.privacy import ERASED_ACTOR, ERASURE_NOTICE, REQUEST_WITHDRAWN, PrivacyService
from bot.maintenance import sample_directory
from storage.local_file_store import LocalFileStore
from storage.participant_repository import SqlParticipantRepository
from storage.tables import BotStateRow, DocumentRow, OnceKeyRow, OutboxRow, RequestEventRow, RequestRow
from storage.unit_of_work import SqlUnitOfWork
from tests.linking import confirm_all_proposals


class DatabaseGoneAway(Exception):
    """What the fake raises where a real outage would."""


class ParticipantsFailingOnDelete(SqlParticipantRepository):
    """The real repository, except that deleting a participant fails (the erasure's last step)."""

    async def delete(self, participant_id: int) -> None:
        raise DatabaseGoneAway("connection lost")


class UnitOfWorkFailingOnDelete(SqlUnitOfWork):
    async def __aenter__(self) -> SqlUnitOfWork:
        uow = await super().__aenter__()
        uow.participants = ParticipantsFailingOnDelete(self._session, self._statements)
        return uow


@pytest.fixture
async def people(uow_factory, clock):  # type: ignore[no-untyped-def]
    """Dia (coordinator), Maarten (colleague) and Anna (asker), each with a personal chat."""
    await import_directory(uow_factory, clock, sample_directory())
    service = ParticipantService(uow_factory, clock)
    found = {}
    for key, name, email in (("dia", "Dia Wesseling", "dwesseling@probiblio.nl"),
                             ("maarten", "Maarten Jansen", "maarten@oba.nl"),
                             ("anna", "Anna de Vries", "anna@bieb.nl")):
        found[key] = await service.record_seen(
            ParticipantSeen(teams_id=f"29:{key}", name=name, email=email),
            Address(conversation_id=f"a:personal-{key}", reference={"conversation": {"id": f"a:personal-{key}"}}))
    # Maarten has no e-mail in the directory: his name only proposes a link, which Dia confirms.
    assert await confirm_all_proposals(uow_factory, clock, found["dia"]) == 1
    found["maarten"] = await service.get(found["maarten"].id)
    assert found["maarten"].person_id == "maarten-oba" and found["dia"].person_id == "dia"
    return found


async def seed(uow_factory, clock, people, store: LocalFileStore) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Anna's open request assigned to Maarten, with what the erasure must find around it."""
    anna, maarten, dia = people["anna"].id, people["maarten"].id, people["dia"].id
    now = clock.now()

    async def one_chunk():  # type: ignore[no-untyped-def]
        yield b"%PDF-1.4 Anna's plan"

    stored = await store.put(one_chunk(), max_bytes=1000)
    async with uow_factory() as uow:
        mine, _ = await uow.requests.add(SparringRequest(
            id=0, asker_id=anna, text="Anna's question about the foundation", theme="Overig", preference=Preference.ANY,
            context="", state=State.ASSIGNED, created_at=now, updated_at=now, assignee_id="maarten-oba"),
            source_key="a:personal-anna:act-1")
        # Maarten's own question, which Anna never touched, and one that Maarten acted on as an expert.
        other, _ = await uow.requests.add(SparringRequest(
            id=0, asker_id=maarten, text="Maarten's question", theme="Overig", preference=Preference.ANY,
            context="", state=State.NEW, created_at=now, updated_at=now), source_key="a:personal-maarten:act-2")
        await uow.requests.add_event(RequestEvent(request_id=other.id, at=now, actor=f"participant:{dia}",
                                                  action=Action.ROUTE, from_state=State.NEW, to_state=State.NEW))
        await uow.documents.add(Document(
            id=0, owner_id=anna, category="accountplan", deadline_id=None, consent=Consent.PROJECT_TEAM, note="",
            file_name="plan.pdf", stored_name=stored.stored_name, size=stored.size, sha256=stored.sha256,
            content_type="application/pdf", created_at=now))
        await uow.outbox.plan([
            OutboxMessage(key="review", recipient_id=dia, kind="message", due_at=now, about_id=anna,
                          payload={"text": "Anna de Vries asks: Anna's question about the foundation"}),
            OutboxMessage(key="offer", recipient_id=maarten, kind="message", due_at=now, about_id=anna,
                          payload={"text": "Will you spar with Anna de Vries?"}),
            OutboxMessage(key="feedback", recipient_id=anna, kind="followup.feedback", due_at=now,
                          payload={"request_id": mine.id}),
            OutboxMessage(key="for-maarten", recipient_id=maarten, kind="message", due_at=now,
                          payload={"text": "a reminder about a deadline"}),
        ], now=now)
        await uow.once.claim("welcome:a:personal-anna", now=now)
        await uow.once.claim("welcome:a:personal-maarten", now=now)
        await uow.commit()
    async with uow_factory() as uow:
        session = uow.participants._session  # the unit of work's own session, for the state table
        await session.execute(insert(BotStateRow), [
            {"key": key, "data": "{}", "e_tag": "1", "updated_at": now}
            for key in ("msteams/users/29:anna", "msteams/conversations/a:personal-anna",
                        "msteams/conversations/a:personal-maarten")])
        await uow.commit()
    return {"mine": mine.id, "other": other.id}


async def counts(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return {table.__tablename__: int((await session.execute(select(func.count()).select_from(table))).scalar_one())
                for table in (RequestRow, RequestEventRow, DocumentRow, OutboxRow, OnceKeyRow, BotStateRow)}


ANNAS_KEYS = dict(channel_keys=["msteams/users/29:anna", "msteams/conversations/a:personal-anna"],
                  once_keys=["welcome:a:personal-anna"])


async def test_an_erasure_that_fails_at_its_last_step_changes_nothing(uow_factory, sessions, clock, people, tmp_path):
    store = LocalFileStore(tmp_path / "files")
    await seed(uow_factory, clock, people, store)
    before = await counts(sessions)
    failing = PrivacyService(uow_factory=lambda: UnitOfWorkFailingOnDelete(sessions), store=store, clock=clock)

    with pytest.raises(DatabaseGoneAway):
        await failing.erase(people["anna"], **ANNAS_KEYS)

    assert await counts(sessions) == before
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] != []  # the file is still there
    async with uow_factory() as uow:
        assert await uow.participants.get(people["anna"].id) is not None


async def test_an_askers_erasure_cancels_messages_about_them_and_tells_the_expert_and_coordinator(
        uow_factory, sessions, clock, people, tmp_path):
    store = LocalFileStore(tmp_path / "files")
    ids = await seed(uow_factory, clock, people, store)
    woken = []
    service = PrivacyService(uow_factory=uow_factory, store=store, clock=clock, wake=lambda: woken.append(1))

    erased = await service.erase(people["anna"], **ANNAS_KEYS)

    assert (erased.requests, erased.documents, erased.messages) == (1, 1, 3)
    assert woken == [1]
    async with uow_factory() as uow:
        planned = {(m.recipient_id, m.kind): m for m in await uow.outbox.listing()}
        assert await uow.requests.for_asker(people["anna"].id) == []
        assert [r.id for r in await uow.requests.in_states(list(State))] == [ids["other"]]
        assert not await uow.once.claimed("welcome:a:personal-anna")
        assert await uow.once.claimed("welcome:a:personal-maarten")
    assert set(planned) == {(people["maarten"].id, "message"), (people["maarten"].id, REQUEST_WITHDRAWN),
                            (people["dia"].id, ERASURE_NOTICE)}
    assert planned[(people["maarten"].id, "message")].payload == {"text": "a reminder about a deadline"}
    assert planned[(people["maarten"].id, REQUEST_WITHDRAWN)].payload == {"request_id": ids["mine"]}
    assert planned[(people["dia"].id, ERASURE_NOTICE)].payload == {"requests": 1, "documents": 1}
    async with sessions() as session:
        assert set((await session.scalars(select(BotStateRow.key))).all()) == {
            "msteams/conversations/a:personal-maarten"}
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []


async def test_a_coordinators_erasure_keeps_others_requests_and_their_history_without_naming_them(
        uow_factory, sessions, clock, people, tmp_path):
    store = LocalFileStore(tmp_path / "files")
    ids = await seed(uow_factory, clock, people, store)
    async with uow_factory() as uow:
        # A delivery to Anna failed for good: the coordinator's notice names her.
        await uow.outbox.plan([OutboxMessage(key="failed-notice", recipient_id=people["maarten"].id, kind="message",
                                             due_at=clock.now(), about_id=people["dia"].id,
                                             payload={"text": "Dia Wesseling could not be reached"})], now=clock.now())
        await uow.commit()

    await PrivacyService(uow_factory=uow_factory, store=store, clock=clock).erase(people["dia"])

    async with uow_factory() as uow:
        [event] = await uow.requests.events(ids["other"])
        keys = {m.key for m in await uow.outbox.listing()}
        assert await uow.requests.get(ids["mine"]) is not None
    assert event.actor == ERASED_ACTOR
    assert "review" not in keys and "failed-notice" not in keys  # to Dia, and about Dia
    assert {"offer", "feedback", "for-maarten"} <= keys


async def test_finished_messages_are_pruned_after_the_retention_period(uow_factory, clock, people):
    from bot.domain.services.retention import OutboxRetention

    maarten = people["maarten"].id
    start = clock.now()
    async with uow_factory() as uow:
        await uow.outbox.plan([OutboxMessage(key=k, recipient_id=maarten, kind="message", due_at=start,
                                             payload={"text": k}) for k in ("sent", "cancelled", "failed", "pending")]
                              + [OutboxMessage(key="later", recipient_id=maarten, kind="message",
                                               due_at=start + timedelta(days=60), payload={"text": "later"})],
                              now=start)
        claimed = {m.key: m.id for m in await uow.outbox.claim_due(now=start, limit=10, worker="w",
                                                                  lease_until=start + timedelta(minutes=2))}
        for key, outcome in (("sent", "sent"), ("cancelled", "cancel"), ("failed", "fail")):
            await uow.outbox.record(claimed[key], worker="w", outcome=outcome, error="", now=start)
        await uow.outbox.record(claimed["pending"], worker="w", outcome="retry", error="", now=start,
                                retry_at=start)
        await uow.commit()
    retention = OutboxRetention(uow_factory=uow_factory, clock=clock, days=30)

    clock.advance(timedelta(days=30) - timedelta(seconds=1))
    assert await retention.prune() == 0
    clock.advance(timedelta(seconds=2))
    assert await retention.prune() == 3
    async with uow_factory() as uow:
        left = {m.key: m.state for m in await uow.outbox.listing()}
    # Messages still to be sent stay, however old.
    assert left == {"pending": OutboxState.PENDING, "later": OutboxState.PENDING}
