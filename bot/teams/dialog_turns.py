"""A turn while a dialog may be running: breaking off, answering its step, help at the step, expired buttons."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext

from bot.teams.commands import ParsedCommand
from bot.texts import Catalogue
from dialogs.runner import DialogRunner

log = logging.getLogger(__name__)


class DialogTurns:
    """Gives a running dialog what is its, and says so when a dialog's button has expired.

    Args:
        runner: The feature dialogs.
        texts: The text catalogue.
    """

    def __init__(self, *, runner: DialogRunner, texts: Catalogue):
        self._runner = runner
        self._texts = texts

    async def cancel(self, turn_context: TurnContext, language: str) -> None:
        """``stop``/``annuleer``: break off whatever runs, and say whether something did."""
        cancelled = await self._runner.cancel_all(turn_context)
        await turn_context.send_activity(self._texts.text("cancel.done" if cancelled else "cancel.nothing", language))

    async def take(self, turn_context: TurnContext, language: str, command: ParsedCommand | None,
                   submitted: dict[str, Any], *, typed: bool) -> bool:
        """Give a running dialog what is its: typed answers and the buttons of the step now waiting.

        ``help`` explains the step and asks it again (the dialog stays); a dialog card's button that
        answers no waiting step (the dialog was stopped or that card was answered before) says the
        card has expired. Other buttons start something new. Returns True when the turn ends here.
        """
        step = await self._runner.active_step(turn_context)
        button = submitted.get("dialog") if not typed else None
        if step is None:
            if button is not None:
                await turn_context.send_activity(self._texts.text("dialog.expired", language))
                return True
            return False
        if typed and command is not None and command.name == "help":
            try:
                await turn_context.send_activity(self._texts.text(f"dialog.help.{step}", language))
            except KeyError:  # a step without its own explanation: the question again says enough
                log.warning("no help text for dialog step %s", step)
            await self._runner.reprompt(turn_context)
            return True
        if button is not None and not await self._runner.button_fits(turn_context, str(button)):
            await turn_context.send_activity(self._texts.text("dialog.expired_step", language))
            await self._runner.reprompt(turn_context)
            return True
        if submitted and button is None and not typed:
            return False  # another card's button: it starts something new
        return await self._runner.continue_active(turn_context)

    async def old_choice(self, turn_context: TurnContext, language: str, text: str) -> bool:
        """Say the card expired when ``text`` is a choice button of a dialog no longer running; True if so.

        ("Netwerk & Beleid" clicked after ``stop``.)
        """
        if not await self._runner.is_old_choice(turn_context, text):
            return False
        await turn_context.send_activity(self._texts.text("dialog.expired", language))
        return True
