"""Greetings and ``help``: the welcome card (once per chat, or when greeted) and the help card."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from botbuilder.core import TurnContext

from bot.domain.models import Participant
from bot.domain.ports import UnitOfWorkFactory
from bot.features.help.cards import help_card, welcome_card
from bot.teams.replies import send_card
from bot.texts import Catalogue

DEFAULT_PROGRAMME = "dBos po"


class HelpHandlers:
    """The welcome and the help card, for the activity handler (``bot.teams.activity_handler.HelpReplies``)."""

    def __init__(self, *, texts: Catalogue, uow_factory: UnitOfWorkFactory,
                 role_of: Callable[[Participant | None], Awaitable[str]] | None = None):
        self._texts = texts
        self._uow_factory = uow_factory
        self._role_of = role_of

    async def welcome(self, turn_context: TurnContext, participant: Participant | None, language: str, *,
                      team: bool = False) -> None:
        """Greet by name in a personal chat, or the whole team when added to the programme's team."""
        async with self._uow_factory() as uow:
            programme = await uow.directory.programme()
        name = participant.name if participant else None
        card = welcome_card(self._texts, language, name=name, team=team,
                            programme=programme.name if programme else DEFAULT_PROGRAMME)
        await send_card(turn_context, card)

    async def help(self, turn_context: TurnContext, language: str, *, unknown: bool = False,
                   participant: Participant | None = None) -> None:
        """The help card; ``unknown`` when the message was not understood.

        The coordinator's commands are listed to the coordinator only (every command when no
        roles are wired).
        """
        coordinator = self._role_of is None or await self._role_of(participant) == "coordinator"
        await send_card(turn_context, help_card(self._texts, language, unknown=unknown, coordinator=coordinator))
