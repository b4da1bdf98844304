"""``GET`` routes of the calendar links: one entry's ``.ics`` and a person's feed.

Both answer 404 for anything that is not a valid link (bad signature, expired, revoked with
``agenda nieuw``, a person who left): the same answer whatever the reason, so a guesser learns
nothing. Responses are ``private, no-store``: a feed is one person's, and must not sit in a
shared cache after it was revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.domain.clock import Clock
from bot.domain.services.calendar import CalendarService, FeedItem
from bot.features.calendar.ics import CONTENT_TYPE, render_calendar
from bot.features.calendar.links import FEED_PATH, ITEM_PATH
from bot.texts import Catalogue, language_for


@dataclass(frozen=True)
class CalendarRoutes:
    """What the calendar routes need (set on the app by ``bot.bootstrap``)."""

    service: CalendarService
    texts: Catalogue
    clock: Clock
    zone: ZoneInfo


CALENDAR_ROUTES: web.AppKey[CalendarRoutes] = web.AppKey("calendar_routes", CalendarRoutes)
_NOT_FOUND = {"error": "link unknown or expired"}


def setup_calendar_routes(app: web.Application) -> None:
    """Register the two calendar routes on ``app``."""
    app.router.add_get(ITEM_PATH, calendar_item)
    app.router.add_get(FEED_PATH, calendar_feed)


async def calendar_item(request: web.Request) -> web.Response:
    """``GET /calendar/item/{token}.ics``: one deadline or session ("Zet in mijn agenda")."""
    routes = request.app[CALENDAR_ROUTES]
    entry = await routes.service.item(request.match_info["token"])
    if entry is None:
        return web.json_response(_NOT_FOUND, status=404)
    language = language_for(request.headers.get("Accept-Language", "nl")[:5])
    body = render_calendar([FeedItem(entry)], texts=routes.texts, language=language, zone=routes.zone,
                           now=routes.clock.now())
    return _ics(body, f"{entry.kind}-{entry.item.id}.ics")


async def calendar_feed(request: web.Request) -> web.Response:
    """``GET /calendar/feed/{token}.ics``: one person's own deadlines and sessions, for subscribing."""
    routes = request.app[CALENDAR_ROUTES]
    personal = await routes.service.feed(request.match_info["token"])
    if personal is None:
        return web.json_response(_NOT_FOUND, status=404)
    language = language_for(personal.participant.locale)
    name = routes.texts.plain("calendar.feed_name", language, programme=personal.programme or "Sparringbot")
    body = render_calendar(personal.items, texts=routes.texts, language=language, zone=routes.zone,
                           now=routes.clock.now(), name=name)
    return _ics(body, "sparringbot.ics")


def _ics(body: bytes, file_name: str) -> web.Response:
    return web.Response(body=body, headers={
        "Content-Type": CONTENT_TYPE, "Content-Disposition": f'inline; filename="{file_name}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})
