"""Composers for the sparring follow-ups: built at send time, cancelled when moot."""

from __future__ import annotations

from typing import Any

from bot.cards import adaptive_card, heading, paragraph
from bot.domain.models import OutgoingMessage
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.requests import SparringRequest, State
from bot.domain.services.follow_ups import ESCALATE, FEEDBACK, NUDGE
from bot.domain.services.roles import people_by_id
from bot.features.sparring.cards import asker_label, intro_offer_card
from bot.texts import Catalogue, language_for


class FollowUpComposers:
    """``composers`` mapping for the dispatcher: nudge, escalate and feedback."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, texts: Catalogue):
        self._uow_factory = uow_factory
        self._texts = texts

    def mapping(self) -> dict[str, Any]:
        """Kind → composer."""
        return {NUDGE: self.nudge, ESCALATE: self.escalate, FEEDBACK: self.feedback}

    async def _load(self, message: OutboxMessage) -> tuple[SparringRequest | None, Any, Any, Any]:
        async with self._uow_factory() as uow:
            request = await uow.requests.get(int(message.payload.get("request_id", 0)))
            recipient = await uow.participants.get(message.recipient_id)
            people = await people_by_id(uow)
            asker = await uow.participants.get(request.asker_id) if request else None
        return request, recipient, people, asker

    async def nudge(self, message: OutboxMessage) -> OutgoingMessage | None:
        """The expert still has not answered: the offer again, with a reminder line."""
        request, recipient, people, asker = await self._load(message)
        if not _still_waiting(request, message) or recipient is None:
            return None
        language = language_for(recipient.locale)
        label = asker_label(asker, people.get(asker.person_id) if asker and asker.person_id else None)
        card = intro_offer_card(self._texts, language, request, asker=label)
        card["body"].insert(0, paragraph(self._texts.text("followup.nudge", language, asker=label, id=request.id),
                                         color="Attention", weight="Bolder"))
        return OutgoingMessage(card=card)

    async def escalate(self, message: OutboxMessage) -> OutgoingMessage | None:
        """Five working days without an answer: the coordinator hears about it."""
        request, recipient, people, _ = await self._load(message)
        if not _still_waiting(request, message) or recipient is None:
            return None
        expert = people.get(request.assignee_id or "")
        text = self._texts.text("followup.escalate", language_for(recipient.locale),
                                expert=expert.name if expert else "?", id=request.id)
        return OutgoingMessage(text=text)

    async def feedback(self, message: OutboxMessage) -> OutgoingMessage | None:
        """Two weeks after the introduction: was the question answered? (closes the request)."""
        request, recipient, people, _ = await self._load(message)
        if request is None or request.state is not State.ACCEPTED or recipient is None:
            return None
        language = language_for(recipient.locale)
        expert = people.get(request.assignee_id or "")
        return OutgoingMessage(card=feedback_card(self._texts, language, request, expert.name if expert else "?"))


def feedback_card(texts: Catalogue, language: str, request: SparringRequest, expert: str) -> dict[str, Any]:
    """Rating 1–5 and a comment, answered with Action.Execute so the card updates in place."""
    t = texts.text
    body = [
        heading(t("feedback.title", language, id=request.id)),
        paragraph(t("feedback.body", language, expert=expert)),
        {"type": "Input.ChoiceSet", "id": "rating", "label": t("feedback.rating", language), "isRequired": True,
         "style": "expanded", "choices": [{"title": str(i), "value": str(i)} for i in range(1, 6)]},
        {"type": "Input.Text", "id": "comment", "label": t("feedback.comment", language), "isMultiline": True,
         "maxLength": 1000},
    ]
    action = {"type": "Action.Execute", "title": t("feedback.send", language), "verb": "feedback.close",
              "data": {"ref": request.public_ref, "version": request.version}}
    return adaptive_card(body, [action])


def _still_waiting(request: SparringRequest | None, message: OutboxMessage) -> bool:
    return (request is not None and request.state is State.ASSIGNED
            and request.version == message.payload.get("version"))
