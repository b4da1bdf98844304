"""The channel side of the domain's ``Notifications`` port: who hears what, as which card.

Every message goes to the outbox inside the caller's transaction (see ``bot.domain.ports``):
a participant who cannot be reached is the dispatcher's business, reported by
``bot.teams.delivery_failures`` once it knows.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from bot.cards import person_label
from bot.domain.libraries import who
from bot.domain.models import LinkProposal, OutgoingMessage, Participant, Person, Role
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory
from bot.domain.requests import SparringRequest
from bot.domain.services.roles import coordinator_participants, people_by_id
from bot.features.sparring.cards import asker_label, intro_offer_card, introduction_card, review_card
from bot.teams.outbox_messenger import OutboxMessenger
from bot.texts import Catalogue, language_for

log = logging.getLogger(__name__)


class ProposalCard(Protocol):
    """Builds the "X says to be Y: link?" card (``bot.features.identity.cards.proposal_card``)."""

    def __call__(self, texts: Catalogue, language: str, proposal: LinkProposal, *, participant: Participant,
                 person: Person) -> dict[str, Any]: ...


class TeamsNotifications:
    """Builds each recipient's card in their language and plans it in the use case's transaction."""

    def __init__(self, *, outbox: OutboxMessenger, uow_factory: UnitOfWorkFactory, texts: Catalogue,
                 proposal_card: ProposalCard):
        # The identity feature's card, passed in by the composition root: features never import each other.
        self._proposal_card = proposal_card
        self._outbox = outbox
        self._uow_factory = uow_factory
        self._texts = texts

    async def review_needed(self, uow: UnitOfWork, request: SparringRequest, *, note: str = "") -> None:
        """Every coordinator gets the review card."""
        people = await people_by_id(uow)
        coordinators = await coordinator_participants(uow, people.values())
        asker = await uow.participants.get(request.asker_id) if coordinators else None
        for coordinator in coordinators:
            card = self._review_card(request, language_for(coordinator.locale), people, asker, note,
                                     refresh_for=(coordinator.teams_id,))
            await self._outbox.plan(uow, coordinator.id, OutgoingMessage(card=card), about=request.asker_id)
        if not coordinators:
            log.warning("request %d needs review but no coordinator can be reached", request.id)

    async def review_card_for(self, request: SparringRequest, language: str, *, note: str = "",
                              refresh_for: tuple[str, ...] = ()) -> dict[str, object]:
        """The coordinator's review card for ``request`` (kept up to date for ``refresh_for``, Teams user ids)."""
        async with self._uow_factory() as uow:
            people = await people_by_id(uow)
            asker = await uow.participants.get(request.asker_id)
        return self._review_card(request, language, people, asker, note, refresh_for)

    def _review_card(self, request: SparringRequest, language: str, people: dict[str, Person],
                     asker: Participant | None, note: str, refresh_for: tuple[str, ...] = ()) -> dict[str, object]:
        label = asker_label(asker, people.get(asker.person_id) if asker and asker.person_id else None)
        choices = [p for p in people.values() if p.active and p.role is not Role.COORDINATOR]
        return review_card(self._texts, language, request, asker=label, people=people, choices=choices, note=note,
                           refresh_for=refresh_for)

    async def introduction_offered(self, uow: UnitOfWork, request: SparringRequest) -> None:
        """The chosen colleague or adviser gets the question with accept and decline.

        One who never talked to the bot cannot be reached: the coordinators hear so instead.
        """
        people = await people_by_id(uow)
        expert = await uow.participants.by_person(request.assignee_id or "")
        if expert is None:
            person = people.get(request.assignee_id or "")
            for coordinator in await coordinator_participants(uow, people.values()):
                text = self._texts.text("request.unreachable", language_for(coordinator.locale),
                                        name=person_label(person))
                # Names a directory person, not a participant: nobody's erasure concerns it.
                await self._outbox.plan(uow, coordinator.id, OutgoingMessage(text=text), about=None)
            return
        asker = await uow.participants.get(request.asker_id)
        label = asker_label(asker, people.get(asker.person_id) if asker and asker.person_id else None)
        card = intro_offer_card(self._texts, language_for(expert.locale), request, asker=label)
        await self._outbox.plan(uow, expert.id, OutgoingMessage(card=card), about=request.asker_id)

    async def introduced(self, uow: UnitOfWork, request: SparringRequest) -> None:
        """Asker and expert each get a message introducing the other, with a chat link."""
        people = await people_by_id(uow)
        asker = await uow.participants.get(request.asker_id)
        expert = await uow.participants.by_person(request.assignee_id or "")
        expert_person = people.get(request.assignee_id or "")
        asker_person = people.get(asker.person_id) if asker and asker.person_id else None
        if asker is not None and expert_person is not None:
            language = language_for(asker.locale)
            text = self._texts.text("intro.to_asker", language, expert=person_label(expert_person), id=request.id)
            email = (expert.email if expert else None) or expert_person.email
            button = self._texts.plain("intro.chat_with", language, name=expert_person.name)  # a button: no markdown
            await self._outbox.plan(uow, asker.id,
                                    OutgoingMessage(card=introduction_card(text, button=button, email=email)),
                                    about=expert.id if expert else None)
        if expert is not None and asker is not None:
            language = language_for(expert.locale)
            named = who(asker, {asker_person.id: asker_person} if asker_person else {})
            name = named.name
            # "Anna de Vries (OBA)", or just "Anna de Vries" while her library is unknown: never "(-)".
            text = self._texts.text("intro.to_expert", language, label=named.label, asker=name, id=request.id)
            button = self._texts.plain("intro.chat_with", language, name=name)
            await self._outbox.plan(uow, expert.id,
                                    OutgoingMessage(card=introduction_card(text, button=button, email=asker.email)),
                                    about=asker.id)

    async def declined(self, uow: UnitOfWork, request: SparringRequest) -> None:
        """The asker hears the coordinator's note."""
        asker = await uow.participants.get(request.asker_id)
        if asker is not None:
            text = self._texts.text("request.declined_to_asker", language_for(asker.locale), id=request.id,
                                    note=request.note)
            await self._outbox.plan(uow, asker.id, OutgoingMessage(text=text), about=None)

    async def link_proposed(self, uow: UnitOfWork, proposal: LinkProposal) -> None:
        """Every coordinator gets the "X says to be Y — link?" card, in their language."""
        participant = await uow.participants.get(proposal.participant_id)
        person = await uow.directory.person(proposal.person_id)
        if participant is None or person is None:
            return
        coordinators = await coordinator_participants(uow)
        for coordinator in coordinators:
            card = self._proposal_card(self._texts, language_for(coordinator.locale), proposal, participant=participant,
                                 person=person)
            await self._outbox.plan(uow, coordinator.id, OutgoingMessage(card=card), about=participant.id)
        if not coordinators:
            log.warning("link proposal %d waits: no coordinator can be reached", proposal.id)

    async def withdrawn(self, uow: UnitOfWork, request: SparringRequest) -> None:
        """The assigned expert, if any, hears that the question was withdrawn."""
        expert = await uow.participants.by_person(request.assignee_id) if request.assignee_id else None
        asker = await uow.participants.get(request.asker_id) if expert is not None else None
        if expert is not None and asker is not None:
            asker_person = await uow.directory.person(asker.person_id) if asker.person_id else None
            name = asker_person.name if asker_person else (asker.name or "?")
            text = self._texts.text("request.withdrawn_notice", language_for(expert.locale), asker=name,
                                    id=request.id)
            await self._outbox.plan(uow, expert.id, OutgoingMessage(text=text), about=asker.id)
