"""The sparring use cases against the real database (SQLite and PostgreSQL) and the real router."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.directory_file import load_directory_file
from bot.domain.models import ParticipantSeen
from bot.domain.requests import Action, Draft, InvalidTransition, NotAllowed, Preference, StaleRequest, State
from bot.domain.routing import load_thesaurus
from bot.domain.services.directory_import import import_directory
from bot.domain.services.matching import Matcher
from bot.domain.services.participants import ParticipantService
from bot.domain.services.sparring import InvalidQuestion, SparringService
from tests.fakes.notifications import RecordingNotifications
from tests.linking import confirm_all_proposals

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"
KOEPEL = Draft(text="Een grote stichting wil met al haar scholen tegelijk beginnen. Hoe faseer ik dat?",
               theme="Netwerk & Beleid")


@pytest.fixture
async def world(uow_factory, clock):  # type: ignore[no-untyped-def]
    await import_directory(uow_factory, clock, load_directory_file(SAMPLE))
    people = ParticipantService(uow_factory, clock)
    notifications = RecordingNotifications()
    service = SparringService(uow_factory=uow_factory, clock=clock, notifications=notifications,
                              suggest=Matcher(load_thesaurus()))

    async def join(key: str, name: str, email: str | None = None):  # type: ignore[no-untyped-def]
        return await people.record_seen(ParticipantSeen(teams_id=f"29:{key}", name=name, email=email,
                                                        tenant_id="t", locale="nl-NL"))

    class World:
        pass

    w = World()
    w.service, w.notifications = service, notifications
    w.asker = await join("anna", "Anna de Vries", "anna@bieb.nl")
    w.dia = await join("dia", "Dia Wesseling", "dwesseling@probiblio.nl")
    w.maarten = await join("maarten", "Maarten Jansen")
    w.eline = await join("eline", "Eline Bakker")
    # Maarten and Eline have no e-mail in the directory: their names only propose; Dia confirms.
    assert await confirm_all_proposals(uow_factory, clock, w.dia) == 2
    w.maarten, w.eline = await people.get(w.maarten.id), await people.get(w.eline.id)
    return w


async def test_the_whole_loop_is_recorded(world):  # type: ignore[no-untyped-def]
    assert (world.dia.person_id, world.maarten.person_id) == ("dia", "maarten-oba")
    request = await world.service.submit(world.asker, KOEPEL, source_key="act-1")
    assert request.state is State.SUGGESTED
    assert request.suggestions[0].person_id == "maarten-oba"
    assert world.notifications.kinds() == ["review_needed"]

    request = await world.service.approve(world.dia, request.id, version=request.version)
    assert (request.state, request.assignee_id) == (State.ASSIGNED, "maarten-oba")
    request = await world.service.expert_accept(world.maarten, request.id, version=request.version)
    assert request.state is State.ACCEPTED and request.introduced_at is not None
    request = await world.service.close(world.asker, request.id, rating=5, comment="Top!")
    assert (request.state, request.rating) == (State.CLOSED, 5)

    history = await world.service.history(request.id)
    assert [(e.action, e.to_state) for e in history] == [
        (Action.CREATE, State.NEW), (Action.ROUTE, State.SUGGESTED), (Action.APPROVE, State.ASSIGNED),
        (Action.ACCEPT, State.ACCEPTED), (Action.CLOSE, State.CLOSED)]
    assert history[2].actor == f"participant:{world.dia.id}"
    assert world.notifications.kinds() == ["review_needed", "introduction_offered", "introduced"]


async def test_redelivery_creates_no_second_request(world):  # type: ignore[no-untyped-def]
    first = await world.service.submit(world.asker, KOEPEL, source_key="conv:act-7")
    again = await world.service.submit(world.asker, KOEPEL, source_key="conv:act-7")
    assert first.id == again.id
    assert len(await world.service.mine(world.asker)) == 1
    assert world.notifications.kinds() == ["review_needed"]


async def test_double_click_and_two_coordinators_cannot_assign_twice(world):  # type: ignore[no-untyped-def]
    request = await world.service.submit(world.asker, KOEPEL, source_key="a")
    results = await asyncio.gather(
        world.service.approve(world.dia, request.id, version=request.version),
        world.service.approve(world.dia, request.id, person_id="eline-bzhe", version=request.version),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], (StaleRequest, InvalidTransition))
    assert world.notifications.kinds().count("introduction_offered") == 1
    with pytest.raises((StaleRequest, InvalidTransition)):
        await world.service.approve(world.dia, request.id, version=request.version)  # a late second click


async def test_roles_are_checked_on_the_server(world):  # type: ignore[no-untyped-def]
    request = await world.service.submit(world.asker, KOEPEL, source_key="b")
    with pytest.raises(NotAllowed):
        await world.service.approve(world.asker, request.id)  # the asker forging a coordinator action
    with pytest.raises(NotAllowed):
        await world.service.waiting_for_coordinator(world.maarten)
    request = await world.service.approve(world.dia, request.id)
    with pytest.raises(NotAllowed):
        await world.service.expert_accept(world.eline, request.id)  # not the assignee
    with pytest.raises(NotAllowed):
        await world.service.withdraw(world.maarten, request.id)  # not the owner
    with pytest.raises(InvalidTransition):
        await world.service.close(world.asker, request.id, rating=3)  # not introduced yet


async def test_expert_decline_returns_to_the_coordinator_with_the_next_suggestion(world):  # type: ignore[no-untyped-def]
    request = await world.service.submit(world.asker, KOEPEL, source_key="c")
    request = await world.service.approve(world.dia, request.id)
    request = await world.service.expert_decline(world.maarten, request.id, reason="Geen tijd deze maand")
    assert request.state is State.SUGGESTED and request.assignee_id is None
    assert "maarten-oba" not in [s.person_id for s in request.suggestions]
    assert world.notifications.events[-1] == ("review_needed", request.id, "Geen tijd deze maand")


async def test_decline_withdraw_and_answer_myself(world):  # type: ignore[no-untyped-def]
    declined = await world.service.submit(world.asker, KOEPEL, source_key="d1")
    declined = await world.service.decline(world.dia, declined.id, note="Dit is geen sparringvraag.")
    assert declined.state is State.DECLINED
    withdrawn = await world.service.submit(world.asker, KOEPEL, source_key="d2")
    assert (await world.service.withdraw(world.asker, withdrawn.id)).state is State.WITHDRAWN
    mine = await world.service.submit(world.asker, KOEPEL, source_key="d3")
    mine = await world.service.answer_myself(world.dia, mine.id)
    assert (mine.state, mine.assignee_id) == (State.ACCEPTED, "dia")
    assert [r.id for r in await world.service.waiting_for_coordinator(world.dia)] == []


async def test_redirects_teach_the_router(world):  # type: ignore[no-untyped-def]
    question = Draft(text="Hoe overtuig ik de wethouder om structureel geld vrij te maken voor dBos?",
                     theme="Exploitatie", preference=Preference.ANY)
    first = await world.service.submit(world.asker, question, source_key="e1")
    assert first.suggestions[0].person_id != "eline-bzhe"
    await world.service.approve(world.dia, first.id, person_id="eline-bzhe")
    similar = Draft(text="Hoe krijg ik de wethouder zover dat er structureel geld komt voor dBos?",
                    theme="Exploitatie")
    second = await world.service.submit(world.asker, similar, source_key="e2")
    assert second.suggestions[0].person_id == "eline-bzhe"


async def test_bad_questions_are_refused(world):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidQuestion) as short:
        await world.service.submit(world.asker, Draft(text="Hoi?", theme="Overig"), source_key="f1")
    assert short.value.key == "question.too_short"
    with pytest.raises(InvalidQuestion) as long:
        await world.service.submit(world.asker, Draft(text="woord " * 500, theme="Overig"), source_key="f2")
    assert long.value.key == "question.too_long"
    assert await world.service.mine(world.asker) == []
