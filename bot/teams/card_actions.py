"""One registry from a card action's verb to who may act and what happens.

Every button on a card lands here, whether Teams sends it as an ``Action.Execute`` invoke
(``verb``) or as an ``Action.Submit`` message (``{"verb": ...}``, or ``{"command": ...}`` on cards
already in chats before the registry existed). Each feature declares its actions; the
composition root (``bot.bootstrap``) puts them in one :class:`CardActions`, where a verb claimed twice,
or also claimed by a typed command, is a wiring error at start-up.

Who may act is part of the declaration, not of the handler: :meth:`CardActions.dispatch` runs
``who_may`` before anything else and refuses with the action's one short text when it says no.

Dialog buttons (``{"dialog": ...}``) are deliberately not here: they answer the prompt of the
dialog running in that conversation, which owns and validates them; outside it they mean nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext

from bot.domain.models import Participant
from bot.domain.requests import NotAllowed
from bot.domain.services.roles import Roles
from bot.texts import Catalogue, language_for

log = logging.getLogger(__name__)
Card = dict[str, Any]
# A handler's answer: the card that replaces (Execute) or follows (Submit) the clicked one, a
# text saying why nothing happened, or None when the handler already said what it had to.
CardReply = Card | str | None
NOT_FOR_YOU = "error.not_for_you"
COORDINATOR_ONLY = "error.coordinator_only"


@dataclass(frozen=True)
class CardClick:
    """One click on a card: who clicked which verb with what data, in which turn."""

    turn_context: TurnContext
    participant: Participant
    verb: str
    data: dict[str, Any]

    @property
    def language(self) -> str:
        """The language of the reply (the turn's locale was settled before dispatch)."""
        return language_for(self.turn_context.activity.locale)


# Decides who may act, from the click alone; returns what the handler needs (a permit such as the
# request's id) or raises NotAllowed. Runs before the handler, always.
WhoMay = Callable[[CardClick], Awaitable[Any]]
Handle = Callable[[CardClick, Any], Awaitable[CardReply]]


async def anyone(click: CardClick) -> bool:
    """The ``who_may`` of an action on the clicker's own data: every known participant may."""
    return True


def coordinator_only(roles: Roles) -> WhoMay:
    """The ``who_may`` of the coordinator's buttons, written once for every feature."""

    async def who_may(click: CardClick) -> bool:
        return await roles.is_coordinator(click.participant)

    return who_may


@dataclass(frozen=True)
class CardAction:
    """A feature's declaration of one card verb.

    Attributes:
        verb: The verb the card carries.
        who_may: Decides who may act (see :data:`WhoMay`); there is no default on purpose.
        handle: Acts, given the click and what ``who_may`` returned.
        refusal: The catalogue key a refused clicker is told, and nothing more.
    """

    verb: str
    who_may: WhoMay
    handle: Handle
    refusal: str = NOT_FOR_YOU


class CardActions:
    """The registry: verb → :class:`CardAction`, for Action.Execute and Action.Submit alike."""

    def __init__(self, actions: Iterable[CardAction], *, texts: Catalogue, typed_commands: Iterable[str] = ()):
        """Register ``actions``.

        Args:
            actions: Every feature's declared actions.
            texts: The catalogue the refusals come from.
            typed_commands: The typed command names; a verb may not reuse one, so a card's
                ``{"command": ...}`` can only ever mean one thing.

        Raises:
            ValueError: A verb is declared twice or is also a typed command.
        """
        self._texts = texts
        self._actions: dict[str, CardAction] = {}
        typed = set(typed_commands)
        for action in actions:
            if action.verb in self._actions or action.verb in typed:
                raise ValueError(f"card verb {action.verb!r} is claimed twice")
            self._actions[action.verb] = action

    @property
    def verbs(self) -> tuple[str, ...]:
        """Every registered verb."""
        return tuple(self._actions)

    def action(self, verb: str) -> CardAction | None:
        """The declaration of ``verb``, if any feature made one."""
        return self._actions.get(verb)

    def verb_of_submit(self, value: dict[str, Any]) -> str | None:
        """The registered verb an ``Action.Submit`` value carries, or None when it is no card action.

        Cards carry ``{"verb": ...}``; cards sent before the registry carry ``{"command": ...}``,
        which is read the same way when (and only when) it names a registered verb.
        """
        for key in ("verb", "command"):
            candidate = value.get(key)
            if isinstance(candidate, str) and candidate in self._actions:
                return candidate
        return None

    async def dispatch(self, *, turn_context: TurnContext, participant: Participant | None, verb: str,
                       data: dict[str, Any]) -> CardReply:
        """Decide who may act, then act.

        A refusal (unknown verb, unknown clicker, ``who_may`` saying no) is the action's short
        refusal text, the same whatever the card's data says. Texts are also said in the chat:
        not every client shows an invoke's error on the card.

        Returns:
            What the handler answered (see :data:`CardReply`).
        """
        language = language_for(turn_context.activity.locale)
        action = self._actions.get(verb)
        if action is None or participant is None:
            log.info("refused a click on an unregistered verb or by an unknown sender")
            return await _tell(turn_context, self._texts.text(NOT_FOR_YOU, language))
        click = CardClick(turn_context=turn_context, participant=participant, verb=verb, data=data)
        try:
            permit = await action.who_may(click)
        except NotAllowed:
            permit = False
        if permit is False or permit is None:
            return await _tell(turn_context, self._texts.text(action.refusal, language))
        reply = await action.handle(click, permit)
        if isinstance(reply, str):
            await turn_context.send_activity(reply)
        return reply


async def _tell(turn_context: TurnContext, text: str) -> str:
    await turn_context.send_activity(text)
    return text
