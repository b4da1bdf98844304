"""The typed commands' registry: command name → the feature that answers it.

Card buttons have their own registry (``bot.teams.card_actions``); a name is in one or the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from botbuilder.core import TurnContext

from bot.domain.models import Participant
from bot.domain.services.roles import CoordinatorOnly
from bot.teams.card_actions import COORDINATOR_ONLY
from bot.teams.commands import COMMAND_WORDS
from bot.texts import Catalogue, language_for


class FeatureHandlers(Protocol):
    """A feature's typed commands: the names it answers and how."""

    COMMANDS: tuple[str, ...]

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None: ...


class CommandTable:
    """Each typed command belongs to exactly one feature; a clash is a wiring error at start-up."""

    def __init__(self, features: Iterable[FeatureHandlers], *, texts: Catalogue):
        """Register every feature's ``COMMANDS``.

        Raises:
            ValueError: A command is claimed twice, or is no word anyone can type (``COMMAND_WORDS``).
        """
        self._texts = texts
        self._features: dict[str, FeatureHandlers] = {}
        for feature in features:
            for name in feature.COMMANDS:
                if name in self._features:
                    raise ValueError(f"command {name!r} is claimed by two features")
                if name not in COMMAND_WORDS:
                    raise ValueError(f"command {name!r} has no typed words: is it a card action?")
                self._features[name] = feature

    @property
    def names(self) -> tuple[str, ...]:
        """Every command a feature answers."""
        return tuple(self._features)

    def __contains__(self, name: object) -> bool:
        return name in self._features

    async def run(self, *, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                  data: dict[str, Any]) -> None:
        """Run the command; a coordinator-only command run by someone else is refused here, once for all."""
        try:
            await self._features[name].on_command(turn_context, participant, name, argument, data)
        except CoordinatorOnly:
            await turn_context.send_activity(
                self._texts.text(COORDINATOR_ONLY, language_for(turn_context.activity.locale)))
