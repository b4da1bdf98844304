"""Chat commands ``agenda`` (the personal feed link) and ``agenda nieuw`` (a new one; the old stops)."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext

from bot.domain.models import Participant
from bot.domain.services.calendar import CalendarService
from bot.features.calendar.cards import feed_card
from bot.features.calendar.links import CalendarLinks
from bot.teams.replies import send_card
from bot.texts import Catalogue, language_for

log = logging.getLogger(__name__)
CALENDAR_COMMANDS = ("calendar", "calendar_new")


class CalendarHandlers:
    """The edge of :class:`CalendarService` in the chat."""

    COMMANDS = CALENDAR_COMMANDS

    def __init__(self, *, service: CalendarService, links: CalendarLinks, texts: Catalogue):
        self._service = service
        self._links = links
        self._texts = texts

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None:
        """Answer ``agenda`` with the person's feed link, ``agenda nieuw`` with a fresh one."""
        language = language_for(turn_context.activity.locale)
        renewed = name == "calendar_new"
        token = await (self._service.renew_feed(participant) if renewed else self._service.feed_token(participant))
        if renewed:
            log.info("participant %d renewed their calendar feed link", participant.id)
        https_url, webcal_url = self._links.feed_urls(token)
        await send_card(turn_context, feed_card(self._texts, language, https_url, webcal_url, renewed=renewed))
