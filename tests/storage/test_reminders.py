"""The newsletter's deadline (28 March) and session (14 April): who gets what, when, in local time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.directory_file import load_directory_file
from bot.domain.clock import FixedClock
from bot.domain.models import ParticipantSeen
from bot.domain.outbox import OutboxState
from bot.domain.requests import Draft
from bot.domain.routing import load_thesaurus
from bot.domain.services import reminder_planner
from bot.domain.services.directory_import import import_directory
from bot.domain.services.dispatcher import Dispatcher
from bot.domain.services.matching import Matcher
from bot.domain.services.participants import ParticipantService
from bot.domain.services.reminder_planner import ReminderPlanner
from bot.domain.services.schedule import ScheduleService
from bot.domain.services.sparring import SparringService
from bot.features.schedule.composers import ScheduleComposers
from bot.texts import Catalogue
from tests.fakes.messenger import FakeMessenger
from tests.fakes.notifications import RecordingNotifications
from tests.linking import confirm_all_proposals

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"
AMS = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


@pytest.fixture
async def programme(uow_factory):  # type: ignore[no-untyped-def]
    clock = FixedClock(local(2027, 3, 1, 10, 0))
    await import_directory(uow_factory, clock, load_directory_file(SAMPLE))
    people = ParticipantService(uow_factory, clock)
    cast = {
        "anna": await people.record_seen(ParticipantSeen(teams_id="29:anna", name="Anna de Vries", email="a@b.nl")),
        "maarten": await people.record_seen(ParticipantSeen(teams_id="29:maarten", name="Maarten Jansen")),
        "dia": await people.record_seen(ParticipantSeen(teams_id="29:dia", name="Dia Wesseling",
                                                        email="dwesseling@probiblio.nl")),
    }
    await confirm_all_proposals(uow_factory, clock, cast["dia"])  # Maarten's directory entry has no e-mail
    cast["maarten"] = await people.get(cast["maarten"].id)
    schedule = ScheduleService(uow_factory=uow_factory, clock=clock, zone=AMS)
    messenger = FakeMessenger()
    dispatcher = Dispatcher(uow_factory=uow_factory, messenger=messenger, clock=clock, worker="t",
                            composers=ScheduleComposers(uow_factory=uow_factory, texts=Catalogue.load(),
                                                        schedule=schedule, zone=AMS).mapping())
    planner = ReminderPlanner(uow_factory=uow_factory, clock=clock, zone=AMS)
    return clock, cast, planner, dispatcher, messenger, schedule


async def planned(uow_factory) -> dict[str, tuple[datetime, OutboxState]]:  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        return {m.key: (m.due_at, m.state) for m in await uow.outbox.listing()}


def card_titles(messenger: FakeMessenger, participant_id: int) -> list[str]:
    return [m.card["body"][0]["text"] for pid, m in messenger.sent if pid == participant_id and m.card]


async def test_the_right_reminders_at_the_right_local_times(uow_factory, programme):
    clock, cast, planner, dispatcher, messenger, _ = programme
    added = await planner.plan_all()
    assert await planner.plan_all() == 0  # planning again plans nothing new
    rows = await planned(uow_factory)
    assert len(rows) == added
    anna = cast["anna"].id
    # 14 days before is Sunday 14 March: quiet hours move it to Monday 08:00 (CET = UTC+1).
    assert rows[f"deadline:exploitatievraag:p{anna}:14d"][0] == local(2027, 3, 15, 8, 0)
    assert rows[f"deadline:exploitatievraag:p{anna}:3d"][0] == local(2027, 3, 25, 9, 0)
    # 1 day before is a Saturday; Monday would be after the deadline, so it is not planned.
    assert f"deadline:exploitatievraag:p{anna}:1d" not in rows
    # The session reminder falls after the switch to summer time: 09:00 CEST is 07:00 UTC.
    assert rows[f"event:sessie-exploitatie:p{anna}:reminder"][0] == datetime(2027, 4, 13, 7, 0, tzinfo=UTC)
    assert rows[f"event:sessie-exploitatie:p{anna}:announce"][0] == datetime(2027, 3, 24, 8, 0, tzinfo=UTC)
    # The coordinator gets no reminders but the summary after the due moment.
    dia = cast["dia"].id
    assert [k for k in rows if f":p{dia}:" in k] == [f"deadline:exploitatievraag:p{dia}:summary"]

    clock.set(local(2027, 3, 15, 8, 1))
    await dispatcher.run_once()
    assert card_titles(messenger, anna) == ["Herinnering: Meest brandende vraag over exploitatie"]
    reminder = next(m for pid, m in messenger.sent if pid == anna)
    assert "Uiterlijk zondag 28 maart, 12:00" in str(reminder.card)
    assert reminder.card["actions"][0]["data"] == {"command": "ask"}


async def test_planning_in_small_chunks_plans_the_same_messages(uow_factory, programme, monkeypatch):
    # The planner reads participants a page at a time and writes messages in several transactions
    # (so a big programme never holds up the turns); with pages and chunks of two, nothing may be
    # missed at a page boundary or planned twice.
    _, cast, planner, *_ = programme
    monkeypatch.setattr(reminder_planner, "READ_CHUNK", 2)
    monkeypatch.setattr(reminder_planner, "PLAN_CHUNK", 2)
    added = await planner.plan_all()
    rows = await planned(uow_factory)
    assert added == len(rows) > 2 * len(cast)
    assert {int(key.split(":p")[1].split(":")[0]) for key in rows} == {p.id for p in cast.values()}
    assert await planner.plan_all() == 0


async def test_who_asked_or_opted_out_is_not_reminded_and_the_coordinator_gets_the_summary(uow_factory, programme):
    clock, cast, planner, dispatcher, messenger, schedule = programme
    await planner.plan_all()
    clock.set(local(2027, 3, 20, 11, 0))
    sparring = SparringService(uow_factory=uow_factory, clock=clock, notifications=RecordingNotifications(),
                               suggest=Matcher(load_thesaurus()))
    await sparring.submit(cast["anna"], Draft(text="Hoe verdelen andere bibliotheken de kosten per school?",
                                              theme="Exploitatie"), source_key="x")
    await schedule.set_reminders(cast["maarten"], False)
    clock.set(local(2027, 3, 25, 9, 30))
    report = await dispatcher.run_once()
    # Anna asked her question about Exploitatie: only the session's announcement reaches her.
    assert card_titles(messenger, cast["anna"].id) == ["Aankondiging: Sessie 1 Exploitatie"]
    assert card_titles(messenger, cast["maarten"].id) == []
    assert report.cancelled == 5  # Anna: both reminders (she asked first); Maarten: two reminders, announcement
    clock.set(local(2027, 3, 29, 9, 0))
    await dispatcher.run_once()
    [summary] = [m.card for pid, m in messenger.sent if pid == cast["dia"].id]
    facts = {f["title"]: f["value"] for f in summary["body"][1]["facts"]}
    # Named as the overviews name people: the directory's name and library when linked (issue 16, item 7).
    assert facts == {"Wel gedaan (1)": "Anna de Vries", "Nog niet gedaan (1)": "Maarten (OBA)",
                     "Herinneringen uitgezet": "Maarten (OBA)"}


async def test_overview_for_a_participant(uow_factory, programme):
    clock, cast, _, _, _, schedule = programme
    statuses, events = await schedule.for_participant(cast["anna"])
    assert [(s.deadline.id, s.done) for s in statuses] == [("exploitatievraag", False)]
    assert [e.place for e in events] == ["Leiden"]


async def test_a_run_whose_inputs_did_not_change_plans_nothing_even_after_a_restart(  # type: ignore[no-untyped-def]
        uow_factory, programme, monkeypatch):
    clock, cast, planner, *_ = programme
    assert await planner.plan_all() > 0

    async def no_reading() -> list:
        raise AssertionError("nothing changed: the participants need not be read")

    restarted = ReminderPlanner(uow_factory=uow_factory, clock=clock, zone=AMS)
    monkeypatch.setattr(restarted, "_participants", no_reading)
    clock.set(local(2027, 3, 2, 10, 0))
    assert await restarted.plan_all() == 0


async def test_a_new_or_newly_linked_participant_is_planned_for(uow_factory, programme):  # type: ignore[no-untyped-def]
    clock, cast, planner, *_ = programme
    await planner.plan_all()
    people = ParticipantService(uow_factory, clock)
    eline = await people.record_seen(ParticipantSeen(teams_id="29:eline", name="Eline"))
    assert await planner.plan_all() > 0
    assert any(f":p{eline.id}:" in key for key in await planned(uow_factory))
    # Maarten's link to the directory changes (the coordinator put him right): the run does not
    # skip, because who he is changed.
    before = await planned(uow_factory)
    clock.set(local(2027, 3, 1, 11, 0))
    async with uow_factory() as uow:
        marker = await uow.participants.change_marker()
        linked = (await uow.participants.get(cast["maarten"].id)).person_id
        await uow.participants.link_person(cast["maarten"].id, None if linked else "maarten-oba", now=clock.now(),
                                           method="coordinator")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.participants.change_marker() != marker
    await planner.plan_all()
    assert set(before) <= set(await planned(uow_factory))
