"""Follow-ups of a sparring request: nudge, escalation and the feedback question, on a moving clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.directory_file import load_directory_file
from bot.domain.models import ParticipantSeen
from bot.domain.requests import Draft, State
from bot.domain.routing import load_thesaurus
from bot.domain.services.directory_import import import_directory
from bot.domain.services.dispatcher import Dispatcher
from bot.domain.services.matching import Matcher
from bot.domain.services.participants import ParticipantService
from bot.domain.services.sparring import SparringService
from bot.features.sparring.follow_ups import FollowUpComposers
from bot.texts import Catalogue
from tests.fakes.messenger import FakeMessenger
from tests.fakes.notifications import RecordingNotifications
from tests.linking import confirm_all_proposals

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"
KOEPEL = Draft(text="Een grote stichting wil met al haar scholen tegelijk beginnen. Hoe faseer ik dat?",
               theme="Netwerk & Beleid")


async def setup(uow_factory, clock):  # type: ignore[no-untyped-def]
    await import_directory(uow_factory, clock, load_directory_file(SAMPLE))
    people = ParticipantService(uow_factory, clock)
    asker = await people.record_seen(ParticipantSeen(teams_id="29:anna", name="Anna", email="anna@bieb.nl"))
    dia = await people.record_seen(ParticipantSeen(teams_id="29:dia", name="Dia", email="dwesseling@probiblio.nl"))
    maarten = await people.record_seen(ParticipantSeen(teams_id="29:maarten", name="Maarten Jansen"))
    await confirm_all_proposals(uow_factory, clock, dia)  # Maarten's directory entry has no e-mail
    maarten = await people.get(maarten.id)
    service = SparringService(uow_factory=uow_factory, clock=clock, notifications=RecordingNotifications(),
                              suggest=Matcher(load_thesaurus()))
    messenger = FakeMessenger()
    dispatcher = Dispatcher(uow_factory=uow_factory, messenger=messenger, clock=clock, worker="t",
                            composers=FollowUpComposers(uow_factory=uow_factory, texts=Catalogue.load()).mapping())
    return service, dispatcher, messenger, (asker, dia, maarten)


def texts_to(messenger: FakeMessenger, participant_id: int) -> list[str]:
    out = []
    for pid, message in messenger.sent:
        if pid == participant_id:
            out.append(message.text or " ".join(b.get("text", "") for b in (message.card or {}).get("body", [])))
    return out


async def test_silent_expert_is_nudged_then_the_coordinator_is_told(uow_factory, clock):
    # The clock starts on Tuesday 3 March 2026, 10:00 in Amsterdam.
    service, dispatcher, messenger, (asker, dia, maarten) = await setup(uow_factory, clock)
    request = await service.submit(asker, KOEPEL, source_key="1")
    await service.approve(dia, request.id)
    clock.advance(timedelta(days=2, hours=23))
    await dispatcher.run_once()
    assert messenger.sent == []
    clock.advance(timedelta(hours=2))  # Friday: three working days have passed
    await dispatcher.run_once()
    [nudge] = texts_to(messenger, maarten.id)
    assert nudge.startswith("Herinnering: Anna") and "vraag #1" in nudge
    clock.advance(timedelta(days=4))  # Tuesday: five working days (the weekend does not count)
    await dispatcher.run_once()
    [escalation] = texts_to(messenger, dia.id)
    assert escalation.startswith("Maarten heeft na 5 werkdagen nog niet gereageerd op vraag #1")


async def test_an_answered_request_gets_no_nudge_and_the_asker_is_asked_after_two_weeks(uow_factory, clock):
    service, dispatcher, messenger, (asker, dia, maarten) = await setup(uow_factory, clock)
    request = await service.submit(asker, KOEPEL, source_key="2")
    request = await service.approve(dia, request.id)
    clock.advance(timedelta(days=1))
    await service.expert_accept(maarten, request.id)
    clock.advance(timedelta(days=10))
    report = await dispatcher.run_once()
    assert report.cancelled == 2 and messenger.sent == []  # nudge and escalation are moot now
    clock.advance(timedelta(days=5))
    await dispatcher.run_once()
    [question] = texts_to(messenger, asker.id)
    assert question.startswith("Is je vraag #1 beantwoord?")
    closed = await service.close(asker, request.id, rating=4, comment="Heel nuttig")
    assert closed.state is State.CLOSED
