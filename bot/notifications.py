"""The channel side of the domain's ``Notifications`` port: who hears what, as which card."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.domain.errors import NotReachable
from bot.domain.models import OutgoingMessage, Participant, Person, Role
from bot.domain.ports import Messenger, UnitOfWork, UnitOfWorkFactory
from bot.domain.requests import SparringRequest
from bot.domain.services.roles import coordinator_participants
from bot.request_cards import asker_label, intro_offer_card, introduction_card, person_label, review_card
from bot.texts import Catalogue, language_for

log = logging.getLogger(__name__)


class TeamsNotifications:
    """Builds each recipient's card in their language and sends it through the messenger."""

    def __init__(self, *, messenger: Messenger, uow_factory: UnitOfWorkFactory, texts: Catalogue):
        self._messenger = messenger
        self._uow_factory = uow_factory
        self._texts = texts

    async def review_needed(self, request: SparringRequest, *, note: str = "") -> None:
        """Every coordinator gets the review card."""
        # One read for the directory, the coordinators and the asker: this runs on every
        # submitted question, inside the asker's turn.
        async with self._uow_factory() as uow:
            people = await _people_by_id(uow)
            coordinators = await coordinator_participants(uow, people.values())
            asker = await uow.participants.get(request.asker_id) if coordinators else None
        for coordinator in coordinators:
            card = self._review_card(request, language_for(coordinator.locale), people, asker, note)
            await self._send(coordinator, OutgoingMessage(card=card))
        if not coordinators:
            log.warning("request %d needs review but no coordinator can be reached", request.id)

    async def review_card_for(self, request: SparringRequest, language: str, *, note: str = "") -> dict[str, object]:
        """The coordinator's review card for ``request``."""
        async with self._uow_factory() as uow:
            people = await _people_by_id(uow)
            asker = await uow.participants.get(request.asker_id)
        return self._review_card(request, language, people, asker, note)

    def _review_card(self, request: SparringRequest, language: str, people: dict[str, Person],
                     asker: Participant | None, note: str) -> dict[str, object]:
        label = asker_label(asker, people.get(asker.person_id) if asker and asker.person_id else None)
        choices = [p for p in people.values() if p.active and p.role is not Role.COORDINATOR]
        return review_card(self._texts, language, request, asker=label, people=people, choices=choices, note=note)

    async def introduction_offered(self, request: SparringRequest) -> None:
        """The chosen colleague or adviser gets the question with accept and decline."""
        async with self._uow_factory() as uow:
            people = await _people_by_id(uow)
            asker = await uow.participants.get(request.asker_id)
            expert = await uow.participants.by_person(request.assignee_id or "")
            coordinators = await coordinator_participants(uow)
        label = asker_label(asker, people.get(asker.person_id) if asker and asker.person_id else None)
        if expert is None:
            await self._tell_unreachable(coordinators, people.get(request.assignee_id or ""))
            return
        card = intro_offer_card(self._texts, language_for(expert.locale), request, asker=label)
        if not await self._send(expert, OutgoingMessage(card=card)):
            await self._tell_unreachable(coordinators, people.get(request.assignee_id or ""))

    async def introduced(self, request: SparringRequest) -> None:
        """Asker and expert each get a message introducing the other, with a chat link."""
        async with self._uow_factory() as uow:
            people = await _people_by_id(uow)
            asker = await uow.participants.get(request.asker_id)
            expert = await uow.participants.by_person(request.assignee_id or "")
        expert_person = people.get(request.assignee_id or "")
        asker_person = people.get(asker.person_id) if asker and asker.person_id else None
        if asker is not None and expert_person is not None:
            language = language_for(asker.locale)
            text = self._texts.text("intro.to_asker", language, expert=expert_person.name,
                                    organisation=expert_person.organisation, id=request.id)
            email = (expert.email if expert else None) or expert_person.email
            button = self._texts.text("intro.chat_with", language, name=expert_person.name)
            await self._send(asker, OutgoingMessage(card=introduction_card(text, button=button, email=email)))
        if expert is not None and asker is not None:
            language = language_for(expert.locale)
            name = asker_person.name if asker_person else (asker.name or "?")
            organisation = asker_person.organisation if asker_person else "-"
            text = self._texts.text("intro.to_expert", language, asker=name, organisation=organisation,
                                    id=request.id)
            button = self._texts.text("intro.chat_with", language, name=name)
            await self._send(expert, OutgoingMessage(card=introduction_card(text, button=button, email=asker.email)))

    async def declined(self, request: SparringRequest) -> None:
        """The asker hears the coordinator's note."""
        async with self._uow_factory() as uow:
            asker = await uow.participants.get(request.asker_id)
        if asker is not None:
            text = self._texts.text("request.declined_to_asker", language_for(asker.locale), id=request.id,
                                    note=request.note)
            await self._send(asker, OutgoingMessage(text=text))

    async def withdrawn(self, request: SparringRequest) -> None:
        """The assigned expert, if any, hears that the question was withdrawn."""
        async with self._uow_factory() as uow:
            people = await _people_by_id(uow)
            asker = await uow.participants.get(request.asker_id)
            expert = await uow.participants.by_person(request.assignee_id) if request.assignee_id else None
        if expert is not None and asker is not None:
            asker_person = people.get(asker.person_id) if asker.person_id else None
            name = asker_person.name if asker_person else (asker.name or "?")
            text = self._texts.text("request.withdrawn_notice", language_for(expert.locale), asker=name,
                                    id=request.id)
            await self._send(expert, OutgoingMessage(text=text))

    async def _tell_unreachable(self, coordinators: Sequence[Participant], person: Person | None) -> None:
        for coordinator in coordinators:
            text = self._texts.text("request.unreachable", language_for(coordinator.locale),
                                    name=person_label(person))
            await self._send(coordinator, OutgoingMessage(text=text))

    async def _send(self, participant: Participant, message: OutgoingMessage) -> bool:
        try:
            await self._messenger.send(participant.id, message)
        except NotReachable as error:
            log.warning("not reachable: %s", error)
            return False
        except Exception:  # a failed send must not undo the committed decision
            log.exception("sending to participant %d failed", participant.id)
            return False
        return True


async def _people_by_id(uow: UnitOfWork) -> dict[str, Person]:
    return {p.id: p for p in await uow.directory.people()}
