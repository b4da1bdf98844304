"""When to ask someone outside the directory which library they work for.

The question itself belongs to the identity feature; the channel layer only knows when it is
due: at first contact in the personal chat, and once more when someone hands something in
(a question started or sent, a document announced or sent).
"""

from __future__ import annotations

from typing import Any, Protocol

from botbuilder.core import TurnContext

from bot.domain.models import Participant
from bot.teams.attachments import files_in
from bot.teams.commands import ParsedCommand

# Handing something in: a question started or sent, a document announced (the files themselves count too).
HANDING_IN_COMMANDS = frozenset({"ask", "submit"})
HANDING_IN_CLICKS = frozenset({"question.send"})


class LibraryPrompt(Protocol):
    """Asks someone outside the directory which library they work for (the identity feature)."""

    @property
    def verbs(self) -> tuple[str, ...]:
        """The card verbs of the question itself: answering it is no occasion to ask again."""
        ...

    async def maybe_ask(self, turn_context: TurnContext, participant: Participant | None, language: str, *,
                        handing_in: bool = False) -> None: ...


class NeverAsk:
    """No library question (tests and programmes that wire no identity feature)."""

    verbs: tuple[str, ...] = ()

    async def maybe_ask(self, turn_context: TurnContext, participant: Participant | None, language: str, *,
                        handing_in: bool = False) -> None:
        """Ask nothing."""
        return None


async def ask_library_if_due(library: LibraryPrompt, turn_context: TurnContext, participant: Participant | None,
                             language: str, *, verb: str | None, command: ParsedCommand | None,
                             submitted: dict[str, Any], typed: bool) -> None:
    """Ask for the library before the answer: at first contact, or once more when handing something in.

    Asked before, so the answer to the message itself stays the last word of the turn. ``command``
    is the message's command as the activity handler read it (typed or on a button).
    """
    if verb in library.verbs:
        return
    activity = turn_context.activity
    clicked = str(submitted.get("command") or submitted.get("dialog") or verb or "")
    typed_hand_in = typed and command is not None and command.name in HANDING_IN_COMMANDS
    clicked_hand_in = not typed and (clicked in HANDING_IN_COMMANDS or clicked in HANDING_IN_CLICKS)
    handing_in = bool(files_in(activity)) or typed_hand_in or clicked_hand_in
    await library.maybe_ask(turn_context, participant, language, handing_in=handing_in)
