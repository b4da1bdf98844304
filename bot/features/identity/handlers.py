"""The coordinator's side of account linking: answer proposals, list the open ones (``koppelingen``)."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext

from bot.cards import person_label
from bot.domain.models import Participant
from bot.domain.services.identity import LinkDecisions, LinkOutcome
from bot.features.identity.cards import CONFIRM_VERB, REJECT_VERB, decided_card, proposal_card
from bot.teams.card_actions import COORDINATOR_ONLY, CardAction, CardClick, WhoMay
from bot.teams.replies import send_card
from bot.texts import Catalogue, language_for

log = logging.getLogger(__name__)
Card = dict[str, Any]
# More would flood the chat; the rest follow once these are answered.
MAX_LISTED = 10


class IdentityHandlers:
    """The ``koppelingen`` command and the ``link.confirm`` / ``link.reject`` card actions."""

    COMMANDS = ("links",)
    VERBS = (CONFIRM_VERB, REJECT_VERB)

    def __init__(self, *, decisions: LinkDecisions, texts: Catalogue):
        self._decisions = decisions
        self._texts = texts

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None:
        """``koppelingen``: each open proposal as its card, for the coordinator only."""
        language = language_for(turn_context.activity.locale)
        pending = await self._decisions.pending(participant)  # CoordinatorOnly for the others
        if not pending:
            await turn_context.send_activity(self._texts.text("link.list_none", language))
            return
        await turn_context.send_activity(self._texts.text("link.list_title", language, count=len(pending)))
        for proposal, account, person in pending[:MAX_LISTED]:
            await send_card(turn_context, proposal_card(self._texts, language, proposal, participant=account,
                                                        person=person))

    def card_actions(self, *, coordinator_only: WhoMay) -> list[CardAction]:
        """Confirm and reject: the coordinator's, and a refusal says so."""
        return [CardAction(verb, who_may=coordinator_only, handle=self._decide, refusal=COORDINATOR_ONLY)
                for verb in self.VERBS]

    async def _decide(self, click: CardClick, permit: object) -> Card | str:
        """Confirm or reject: the card that replaces the clicked one, or why nothing happened."""
        language, participant = click.language, click.participant
        proposal_id = _int(click.data.get("proposal_id"))
        if proposal_id is None:
            return self._texts.text("error.generic", language)
        decision = await self._decisions.decide(participant, proposal_id, confirm=click.verb == CONFIRM_VERB)
        t = self._texts.text
        label = person_label(decision.person)
        if decision.outcome is LinkOutcome.CONFIRMED:
            status = t("link.done_confirmed", language, actor=decision.actor_name, person=label)
        elif decision.outcome is LinkOutcome.REJECTED:
            status = t("link.done_rejected", language, actor=decision.actor_name)
        elif decision.outcome is LinkOutcome.IMPOSSIBLE:
            status = t("link.impossible", language, person=label)
        else:
            status = t("link.already", language)
        return decided_card(self._texts, language, status)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
