"""Calendar data on both databases: SEQUENCE kept per item, feed secrets, who was told, change messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.directory_file import load_directory_file
from bot.domain.clock import FixedClock
from bot.domain.deadlines import Deadline, Event
from bot.domain.models import ParticipantSeen
from bot.domain.outbox import OutboxMessage, OutboxState
from bot.domain.services.calendar import CalendarService
from bot.domain.services.directory_import import import_directory
from bot.domain.services.participants import ParticipantService
from bot.domain.services.privacy import PrivacyService
from bot.domain.services.schedule import ScheduleService
from bot.domain.services.schedule_changes import CHANGE_KIND
from storage.local_file_store import LocalFileStore

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
AMS = ZoneInfo("Europe/Amsterdam")
SESSION = Event("s1", "Sessie", "", datetime(2027, 4, 14, 10, 0), datetime(2027, 4, 14, 15, 0), "Leiden")


async def entry(uow_factory, item_id: str):  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        return next(e for e in await uow.schedule.entries() if e.item.id == item_id)


async def test_sequence_follows_time_and_place_and_cancelled_items_stay(uow_factory):
    async with uow_factory() as uow:
        await uow.schedule.save(SESSION, now=NOW, source="file")
        await uow.commit()
    steps = [(replace(SESSION, title="Sessie 1"), 0), (replace(SESSION, place="Utrecht"), 1),
             (replace(SESSION, place="Utrecht", starts_local=datetime(2027, 4, 15, 10, 0)), 2)]
    for item, sequence in steps:
        async with uow_factory() as uow:
            await uow.schedule.save(item, now=NOW, source="teams")
            await uow.commit()
        assert (await entry(uow_factory, "s1")).sequence == sequence
    async with uow_factory() as uow:
        assert await uow.schedule.cancel("s1", now=NOW)
        assert not await uow.schedule.cancel("s1", now=NOW)
        await uow.commit()
    cancelled = await entry(uow_factory, "s1")
    assert cancelled.cancelled and cancelled.sequence == 3 and cancelled.item.place == "Utrecht"
    async with uow_factory() as uow:
        assert await uow.schedule.events() == []  # no reminders for it
        await uow.schedule.save(steps[-1][0], now=NOW, source="teams")  # back on
        await uow.commit()
    back = await entry(uow_factory, "s1")
    assert not back.cancelled and back.sequence == 4 and back.changed_at is not None


async def test_feed_secrets_are_kept_replaced_and_erased(uow_factory, tmp_path):
    clock = FixedClock(NOW)
    anna = await ParticipantService(uow_factory, clock).record_seen(ParticipantSeen(teams_id="29:anna", name="Anna"))
    service = CalendarService(uow_factory=uow_factory, clock=clock, link_secret=b"k" * 32,
                              schedule=ScheduleService(uow_factory=uow_factory, clock=clock, zone=AMS))
    first = await service.feed_token(anna)
    assert await service.feed_token(anna) == first and await service.feed(first) is not None
    renewed = await service.renew_feed(anna)
    assert renewed != first and await service.feed(first) is None and await service.feed(renewed) is not None

    await PrivacyService(uow_factory=uow_factory, store=LocalFileStore(tmp_path), clock=clock).erase(anna)
    assert await service.feed(renewed) is None
    async with uow_factory() as uow:
        assert await uow.calendar_feeds.secret(anna.id) is None


async def test_a_moved_deadline_is_told_to_those_who_had_a_reminder_only(uow_factory):
    clock = FixedClock(NOW)
    directory = load_directory_file(SAMPLE)
    await import_directory(uow_factory, clock, directory)
    people = ParticipantService(uow_factory, clock)
    anna = await people.record_seen(ParticipantSeen(teams_id="29:anna", name="Anna", email="anna@x.nl"))
    piet = await people.record_seen(ParticipantSeen(teams_id="29:piet", name="Piet", email="piet@x.nl"))
    async with uow_factory() as uow:  # Anna had a reminder (sent), Piet's is still planned
        await uow.outbox.plan([
            OutboxMessage(key=f"deadline:exploitatievraag:p{anna.id}:14d", recipient_id=anna.id,
                          kind="deadline_reminder", due_at=NOW, payload={"subject_id": "exploitatievraag"}),
            OutboxMessage(key=f"deadline:exploitatievraag:p{piet.id}:14d", recipient_id=piet.id,
                          kind="deadline_reminder", due_at=NOW, payload={"subject_id": "exploitatievraag"})],
            now=NOW)
        [claimed, _] = await uow.outbox.claim_due(now=NOW, limit=2, worker="w", lease_until=NOW)
        await uow.commit()
    async with uow_factory() as uow:
        told = claimed.recipient_id
        await uow.outbox.record(claimed.id, worker="w", outcome=OutboxState.SENT.value, error="", now=NOW)
        assert await uow.outbox.sent_recipients("deadline:exploitatievraag:", ["deadline_reminder"]) == [told]
        assert await uow.outbox.sent_recipients("deadline:exploitatie", ["deadline_reminder"]) == [told]
        assert await uow.outbox.sent_recipients("deadline:exploitatievraag:", ["event_reminder"]) == []
        await uow.commit()

    moved = replace(directory.deadlines[0], due_local=datetime(2027, 3, 29, 12, 0))
    await import_directory(uow_factory, clock, replace(directory, deadlines=(moved,)))
    await import_directory(uow_factory, clock, replace(directory, deadlines=(moved,)))  # again: nothing new
    async with uow_factory() as uow:
        changes = [m for m in await uow.outbox.listing() if m.kind == CHANGE_KIND]
    assert [(m.recipient_id, m.payload["what"], m.payload["sequence"], m.payload["before"]) for m in changes] == [
        (told, "moved", 1, {"due": "2027-03-28T12:00:00"})]

    await import_directory(uow_factory, clock, replace(directory, deadlines=()))  # taken off the programme
    async with uow_factory() as uow:
        changes = [m for m in await uow.outbox.listing() if m.kind == CHANGE_KIND]
        cancelled = next(e for e in await uow.schedule.entries() if e.item.id == "exploitatievraag")
    assert [m.payload["what"] for m in changes] == ["moved", "cancelled"]
    assert cancelled.cancelled and cancelled.sequence == 2
    assert isinstance(cancelled.item, Deadline)
