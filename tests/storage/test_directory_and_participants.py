from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.directory_file import load_directory_file
from bot.domain.models import Address, ParticipantSeen
from bot.domain.services.directory_import import directory_is_empty, import_directory
from bot.domain.services.once import first_time
from bot.domain.services.participants import ParticipantService
from storage.migrate import current_revision, head_revision

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"


async def test_migrations_reach_head(engine):
    assert await current_revision(engine) == head_revision()


async def test_import_is_idempotent_and_deactivates_missing_people(uow_factory, clock):
    directory = load_directory_file(SAMPLE)
    assert await directory_is_empty(uow_factory)
    first = await import_directory(uow_factory, clock, directory)
    assert (first.added, first.deactivated) == (6, 0)
    again = await import_directory(uow_factory, clock, directory)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)

    smaller = replace(directory, people=tuple(p for p in directory.people if p.id != "daniel"))
    changed = replace(smaller, people=tuple(
        replace(p, capacity=9) if p.id == "eline-bzhe" else p for p in smaller.people))
    result = await import_directory(uow_factory, clock, changed)
    assert (result.updated, result.deactivated) == (1, 1)
    async with uow_factory() as uow:
        daniel = await uow.directory.person("daniel")
        assert daniel is not None and daniel.active is False  # kept, not deleted
        assert len(await uow.directory.people(active_only=True)) == 5
        assert (await uow.directory.programme()).timezone == "Europe/Amsterdam"


async def test_participant_is_upserted_linked_by_email_and_never_blanked(uow_factory, clock):
    await import_directory(uow_factory, clock, load_directory_file(SAMPLE))
    service = ParticipantService(uow_factory, clock)
    seen = ParticipantSeen(teams_id="29:dia", tenant_id="t1", aad_object_id="aad-dia", name="Dia W.",
                           email="DWesseling@Probiblio.nl", locale="nl-NL", service_url="https://smba/")
    address = Address(conversation_id="a:dia", reference={"conversation": {"id": "a:dia"}})
    dia = await service.record_seen(seen, address)
    assert dia.person_id == "dia" and dia.email == "dwesseling@probiblio.nl" and dia.has_address

    clock.advance(timedelta(minutes=5))
    sparse = await service.record_seen(ParticipantSeen(teams_id="29:dia"))
    assert (sparse.id, sparse.name, sparse.email, sparse.locale) == (dia.id, "Dia W.", dia.email, "nl-NL")
    async with uow_factory() as uow:
        assert (await uow.participants.address(dia.id)).conversation_id == "a:dia"
        assert (await uow.participants.by_person("dia")).id == dia.id


async def test_roster_and_removal_deactivate_without_deleting(uow_factory, clock):
    service = ParticipantService(uow_factory, clock)
    members = [ParticipantSeen(teams_id=f"29:{i}", tenant_id="t1", name=f"Lid {i}") for i in range(3)]
    assert await service.record_roster(members) == 3
    assert await service.record_removed(["29:1", "29:unknown"]) == 1
    async with uow_factory() as uow:
        assert await uow.participants.count() == 2
        assert await uow.participants.count(active_only=False) == 3
    # Coming back (a new message) reactivates.
    back = await service.record_seen(ParticipantSeen(teams_id="29:1"))
    assert back.active


async def test_late_directory_import_links_existing_participants(uow_factory, clock):
    service = ParticipantService(uow_factory, clock)
    early = await service.record_seen(ParticipantSeen(teams_id="29:dia", email="dwesseling@probiblio.nl"))
    assert early.person_id is None
    await import_directory(uow_factory, clock, load_directory_file(SAMPLE))
    assert (await service.get(early.id)).person_id == "dia"


async def test_once_keys_are_claimed_once(uow_factory, clock):
    assert await first_time(uow_factory, clock, "welcome:a")
    assert not await first_time(uow_factory, clock, "welcome:a")
    assert await first_time(uow_factory, clock, "welcome:b")


async def test_leaving_a_unit_of_work_without_commit_keeps_nothing_even_after_a_savepoint(uow_factory, clock):
    """SQLite's driver used to commit savepoint work on its own; one transaction must mean one."""
    async with uow_factory() as uow:
        assert await uow.once.claim("savepoint-test", now=clock.now())  # runs in a SAVEPOINT
        await uow.participants.upsert(ParticipantSeen(teams_id="29:ghost"), now=clock.now())
    async with uow_factory() as uow:
        assert await uow.participants.by_teams_id("29:ghost") is None
        assert await uow.once.claim("savepoint-test", now=clock.now())  # not claimed before
