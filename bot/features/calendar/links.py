"""The calendar links' addresses: one entry's ``.ics`` and the personal feed (https and webcal)."""

from __future__ import annotations

from bot.domain.deadlines import Deadline, Event
from bot.domain.services.calendar import CalendarService

# The routes (bot/web/calendar_routes.py) and the links made here must agree: both use these.
ITEM_PATH = "/calendar/item/{token}.ics"
FEED_PATH = "/calendar/feed/{token}.ics"


class CalendarLinks:
    """Builds the links the chat hands out."""

    def __init__(self, *, service: CalendarService, public_url: str):
        self._service = service
        self._public_url = public_url.rstrip("/")

    def item_url(self, item: Deadline | Event) -> str:
        """The signed link to one deadline's or session's ``.ics`` ("Zet in mijn agenda")."""
        return self._public_url + ITEM_PATH.format(token=self._service.item_token(item))

    def feed_urls(self, token: str) -> tuple[str, str]:
        """The personal feed as ``(https link, webcal:// link)``; webcal opens the calendar app."""
        https = self._public_url + FEED_PATH.format(token=token)
        return https, "webcal://" + https.split("://", 1)[1]
