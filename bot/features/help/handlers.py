"""Greetings and ``help``: the welcome card (once per chat, or when greeted) and the help card."""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot.domain.models import Participant
from bot.domain.ports import UnitOfWorkFactory
from bot.features.help.cards import help_card, welcome_card
from bot.teams.replies import send_card
from bot.texts import Catalogue

DEFAULT_PROGRAMME = "dBos po"


class HelpHandlers:
    """The welcome and the help card, for the activity handler (``bot.teams.activity_handler.HelpReplies``)."""

    def __init__(self, *, texts: Catalogue, uow_factory: UnitOfWorkFactory):
        self._texts = texts
        self._uow_factory = uow_factory

    async def welcome(self, turn_context: TurnContext, participant: Participant | None, language: str, *,
                      team: bool = False) -> None:
        """Greet by name in a personal chat, or the whole team when added to the programme's team."""
        async with self._uow_factory() as uow:
            programme = await uow.directory.programme()
        name = participant.name if participant else None
        card = welcome_card(self._texts, language, name=name, team=team,
                            programme=programme.name if programme else DEFAULT_PROGRAMME)
        await send_card(turn_context, card)

    async def help(self, turn_context: TurnContext, language: str, *, unknown: bool = False) -> None:
        """The help card; ``unknown`` when the message was not understood."""
        await send_card(turn_context, help_card(self._texts, language, unknown=unknown))
