"""Free text that is no exact command: what the understander reads in it, and the reply.

A greeting or thanks gets a short answer, a question is offered to be sent to the coordinator,
an intent that a command answers runs that command (the same code path as typing it), and when
the understander is not sure the person gets "Bedoel je ...?" with its best readings as buttons.
The cards are in :mod:`bot.teams.understood`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from botbuilder.core import TurnContext

from bot.domain.models import Participant
from bot.domain.understanding import Intent, Understander
from bot.domain.understanding.beyond_intents import command_beyond_intents
from bot.teams.commands import ParsedCommand
from bot.teams.library_prompt import HANDING_IN_COMMANDS, LibraryPrompt, NeverAsk
from bot.teams.replies import send_card
from bot.teams.understood import INTENT_COMMANDS, command_data, guesses_card, offer_card, question_of
from bot.texts import Catalogue

log = logging.getLogger(__name__)

# Who the sender is in the programme (``coordinator`` or ``participant``): it shifts what free text means.
RoleOf = Callable[[Participant | None], Awaitable[str]]
# Runs a command as if typed: (turn, sender, language, command, the command's data).
RunCommand = Callable[[TurnContext, Participant | None, str, ParsedCommand, dict[str, Any]], Awaitable[None]]


async def participant_role(participant: Participant | None) -> str:
    """Everyone is a participant (when no roles are wired: tests, a programme without coordinators)."""
    return "participant"


class HelpCard(Protocol):
    """The help card, or "Dat begreep ik niet" with it (the help feature)."""

    async def help(self, turn_context: TurnContext, language: str, *, unknown: bool = False,
                   participant: Participant | None = None) -> None: ...


class FreeTextReplies:
    """Answers free text by what it means.

    Args:
        texts: The text catalogue.
        understander: Built once, at start-up (it compiles its cues).
        role_of: The sender's role, which shifts what free text means.
        help: The help card, for text that means nothing the bot can do.
        commands: The typed commands the features answer (a guess is offered only as one of them).
        run: How a command runs (the activity handler's one code path for typed, clicked and understood).
        library: Asks someone outside the directory for their library when they hand something in.
    """

    def __init__(self, *, texts: Catalogue, understander: Understander, role_of: RoleOf, help: HelpCard,
                 commands: frozenset[str], run: RunCommand, library: LibraryPrompt | None = None):
        self._texts = texts
        self._understander = understander
        self._role_of = role_of
        self._help = help
        self._commands = commands
        self._run = run
        self._library = library or NeverAsk()

    async def answer(self, turn_context: TurnContext, participant: Participant | None, language: str,
                     typed: str) -> None:
        """Read free text and act on what it means, or ask "Bedoel je ...?" when not sure.

        The text arrives cleaned and bounded (``bot.teams.typed_input``); the understander reads only
        its first sentences. Nothing destructive happens on a guess: erasing goes through the
        command, which asks for confirmation, and a running dialog never gets here.
        """
        role = await self._role_of(participant)
        beyond = command_beyond_intents(typed, role=role)
        if beyond is not None and beyond in self._commands:
            # "zet het in mijn agenda", "open het overzicht": commands the intents do not name.
            log.info("free text read as the %s command", beyond)
            await self._run(turn_context, participant, language, ParsedCommand(beyond), {})
            return
        understanding = self._understander.understand(typed, role=role)
        intent = understanding.intent
        # The intent and the confidence only: what was typed is the person's.
        log.info("free text read as %s (confidence %.2f)", intent, understanding.confidence)
        if not understanding.sure:
            card = guesses_card(self._texts, language, understanding, typed=typed, commands=self._commands,
                                coordinator=role == "coordinator")
            if card is None:
                await self._help.help(turn_context, language, unknown=True, participant=participant)
            else:
                await send_card(turn_context, card)
            return
        if intent is Intent.GREETING:
            name = participant.name.split()[0] if participant and participant.name else ""
            await turn_context.send_activity(self._texts.text("understood.greeting" if name else
                                                              "understood.greeting_anonymous", language, name=name))
        elif intent is Intent.THANKS:
            await turn_context.send_activity(self._texts.text("understood.thanks", language))
        elif intent is Intent.CANCEL:
            # No dialog is running (it would have had this text); breaking off is only ever typed exactly.
            await turn_context.send_activity(self._texts.text("cancel.nothing", language))
        elif intent is Intent.ASK_QUESTION:
            # About to hand in a question in their own words: the second (and last) chance to ask the library.
            await self._library.maybe_ask(turn_context, participant, language, handing_in=True)
            await send_card(turn_context, offer_card(self._texts, language,
                                                     question=question_of(understanding, typed)))
        elif intent in INTENT_COMMANDS:
            if INTENT_COMMANDS[intent] in HANDING_IN_COMMANDS:
                await self._library.maybe_ask(turn_context, participant, language, handing_in=True)
            await self._run(turn_context, participant, language, ParsedCommand(INTENT_COMMANDS[intent]),
                            command_data(understanding))
        else:
            await self._help.help(turn_context, language, unknown=True, participant=participant)
