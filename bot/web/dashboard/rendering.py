"""Jinja2 for the overview's pages: autoescaped HTML, every word from the text catalogue."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.texts import Catalogue

# Every page's tabs: (path, catalogue key of its label).
NAVIGATION = (("/overzicht/vragen", "dashboard.nav.requests"),
              ("/overzicht/inzendingen", "dashboard.nav.submissions"),
              ("/overzicht/deadlines", "dashboard.nav.deadlines"),
              ("/overzicht/kosten", "dashboard.nav.costs"),
              ("/overzicht/programma", "dashboard.nav.programme"))
# What the pages may show of the bot's own origin only (no inline script or style, no CDN).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft "
    "https://*.office.com https://*.microsoft365.com")


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment (built on first use, not at import)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("bot.web.dashboard", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def render(template: str, *, texts: Catalogue, language: str, zone: ZoneInfo, status: int = 200,
           **context: Any) -> web.Response:
    """A page: ``template`` filled in, with ``t`` (catalogue text), date helpers and safe headers."""

    def t(key: str, **values: Any) -> str:
        # Plain text: Jinja escapes it for HTML; no markdown in a web page.
        return texts.plain(key, language, **values)

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M") if moment else ""

    def day(moment: Any) -> str:
        return moment.strftime("%d-%m-%Y") if moment else ""

    def age(moment: datetime, now: datetime) -> str:
        span = now - moment
        if span < timedelta(hours=1):
            return t("dashboard.age.minutes", minutes=max(0, int(span.total_seconds() // 60)))
        if span < timedelta(days=1):
            return t("dashboard.age.hours", hours=int(span.total_seconds() // 3600))
        return t("dashboard.age.days", days=span.days)

    body = environment().get_template(template).render(t=t, when=when, day=day, age=age, language=language,
                                                        navigation=NAVIGATION, **context)
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    secure_headers(response)
    return response


def secure_headers(response: web.StreamResponse) -> None:
    """Headers every overview response carries: no caching, no sniffing, no referrer, our CSP."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
