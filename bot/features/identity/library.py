"""Which library someone outside the directory works for: the card, its answers, and when to ask.

The activity handler calls :meth:`LibraryHandlers.maybe_ask` before it answers a message: at
first contact, and once more when someone who let it pass hands something in. The card never
stands in the way: whatever it asks, the message itself is answered as always.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from botbuilder.core import TurnContext

from bot.cards import adaptive_card, card_button, heading, paragraph
from bot.domain.libraries import MAX_LIBRARY_CHARS, LibraryRefused
from bot.domain.models import Participant
from bot.domain.requests import NotAllowed
from bot.domain.services.libraries import LibraryService
from bot.teams.card_actions import CardAction, CardClick, anyone
from bot.teams.replies import send_card
from bot.texts import Catalogue

log = logging.getLogger(__name__)
Card = dict[str, Any]
SAVE_VERB, SKIP_VERB, FORM_VERB = "library_save", "library_skip", "library_form"
VERBS = (SAVE_VERB, SKIP_VERB, FORM_VERB)
_ASKED_THIS_TURN = "sparringbot.library_asked"  # turn_state key: at most one library question per turn


def library_card(texts: Catalogue, language: str, choices: Sequence[str], *, current: str = "",
                 typed: str = "") -> Card:
    """Choose a known library or type one; Save, and Not now (nothing is required to go on).

    Args:
        texts: The catalogue.
        language: ``nl`` or ``en``.
        choices: The known libraries.
        current: The library known now (when changing it from ``mijn gegevens``).
        typed: What was typed before a refusal, so nothing is lost.
    """
    t = texts.text
    body: list[Card] = [heading(t("library.title", language)),
                        paragraph(t("library.change_intro", language, library=current) if current
                                  else t("library.intro", language))]
    if choices:
        body.append({"type": "Input.ChoiceSet", "id": "library_choice", "label": t("library.choose", language),
                     "style": "filtered", "placeholder": texts.plain("library.choose_placeholder", language),
                     "value": current if current in choices else "",
                     "choices": [{"title": c, "value": c} for c in choices]})
    body.append({"type": "Input.Text", "id": "library_typed", "maxLength": MAX_LIBRARY_CHARS,
                 "label": t("library.typed" if choices else "library.typed_only", language),
                 "value": typed[:MAX_LIBRARY_CHARS] if typed else ("" if current in choices else current)})
    actions = [card_button(texts.plain("library.save", language), SAVE_VERB)]
    if not current:
        actions.append(card_button(texts.plain("library.skip", language), SKIP_VERB))
    return adaptive_card(body, actions)


class LibraryHandlers:
    """Asks for the library (``maybe_ask``) and answers the card's buttons."""

    def __init__(self, *, service: LibraryService, texts: Catalogue):
        self._service = service
        self._texts = texts

    @property
    def verbs(self) -> tuple[str, ...]:
        """The card's own verbs: clicking them is no occasion to ask again."""
        return VERBS

    async def maybe_ask(self, turn_context: TurnContext, participant: Participant | None, language: str, *,
                        handing_in: bool = False) -> None:
        """Send the card when it is this person's turn to be asked (personal chat only: a channel is public)."""
        if participant is None or (turn_context.activity.conversation.conversation_type or "personal") != "personal":
            return
        if turn_context.turn_state.get(_ASKED_THIS_TURN):
            return  # the turn may offer two occasions (first contact, then what the text meant): one card
        choices = await self._service.turn_to_ask(participant, handing_in=handing_in)
        if choices is not None:
            turn_context.turn_state[_ASKED_THIS_TURN] = True
            log.info("asked participant %d which library they work for", participant.id)
            await send_card(turn_context, library_card(self._texts, language, choices))

    def card_actions(self) -> list[CardAction]:
        """Save, not now, and the change form from ``mijn gegevens``: each on the clicker's own data."""
        return [CardAction(SAVE_VERB, who_may=anyone, handle=self._save),
                CardAction(SKIP_VERB, who_may=anyone, handle=self._skip),
                CardAction(FORM_VERB, who_may=anyone, handle=self._form)]

    async def _save(self, click: CardClick, permit: object) -> None:
        turn_context, language = click.turn_context, click.language
        typed = str(click.data.get("library_typed") or "").strip()
        chosen = typed or str(click.data.get("library_choice") or "")
        try:
            library = await self._service.save(click.participant, chosen)
        except LibraryRefused as refusal:
            await turn_context.send_activity(self._texts.text(refusal.reason_key, language, **refusal.values))
            await send_card(turn_context, library_card(self._texts, language, await self._service.choices(),
                                                       typed=typed))
            return
        except NotAllowed:
            await turn_context.send_activity(self._texts.text("library.in_directory", language))
            return
        log.info("participant %d gave their library", click.participant.id)
        await turn_context.send_activity(self._texts.text("library.saved", language, library=library))

    async def _skip(self, click: CardClick, permit: object) -> None:
        await click.turn_context.send_activity(self._texts.text("library.skipped", click.language))

    async def _form(self, click: CardClick, permit: object) -> None:
        if click.participant.person_id is not None:
            await click.turn_context.send_activity(self._texts.text("library.in_directory", click.language))
            return
        current = await self._service.current(click.participant)
        await send_card(click.turn_context, library_card(self._texts, click.language, await self._service.choices(),
                                                         current=current.library))



