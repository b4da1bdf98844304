"""Cards of the calendar feature: the personal feed link and the message about a change."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.cards import adaptive_card, escape, heading, paragraph
from bot.domain.calendar import CANCELLED, RESTORED
from bot.domain.deadlines import Deadline, Event
from bot.domain.localtime import format_moment, local_to_utc
from bot.texts import Catalogue

Card = dict[str, Any]


def calendar_button(texts: Catalogue, language: str, url: str, *, update: bool = False) -> Card:
    """"Zet in mijn agenda": opens the entry's ``.ics``, which the calendar app then takes in."""
    key = "calendar.update_button" if update else "calendar.add_button"
    return {"type": "Action.OpenUrl", "title": texts.plain(key, language), "url": url}


def feed_card(texts: Catalogue, language: str, https_url: str, webcal_url: str, *, renewed: bool = False) -> Card:
    """The personal feed link (``agenda``), or the new one (``agenda nieuw``)."""
    t = texts.text
    body = [heading(t("calendar.feed_title", language)),
            paragraph(t("calendar.feed_renewed" if renewed else "calendar.feed_body", language)),
            paragraph(escape(https_url), fontType="Monospace", spacing="Medium"),
            paragraph(t("calendar.feed_how", language), isSubtle=True, spacing="Medium")]
    actions = [{"type": "Action.OpenUrl", "title": texts.plain("calendar.subscribe_button", language),
                "url": webcal_url},
               {"type": "Action.OpenUrl", "title": texts.plain("calendar.link_label", language), "url": https_url}]
    return adaptive_card(body, actions)


def change_card(texts: Catalogue, language: str, what: str, before: Deadline | Event, after: Deadline | Event,
                zone: ZoneInfo, calendar_url: str | None) -> Card:
    """What changed about a deadline or session the reader was told about."""
    t = texts.text
    title_key = {CANCELLED: "change.cancelled_title", RESTORED: "change.restored_title"}.get(what,
                                                                                           "change.moved_title")
    body = [heading(t(title_key, language, title=after.title))]
    if what == CANCELLED:
        body.append(paragraph(t("change.cancelled_body", language)))
        body.append(paragraph(t("change.was", language, when=_when(texts, language, before, zone)), isSubtle=True))
    else:
        body.append(paragraph(t("change.now", language, when=_when(texts, language, after, zone)), weight="Bolder"))
        if what != RESTORED:
            body.append(paragraph(t("change.was", language, when=_when(texts, language, before, zone)),
                                  isSubtle=True))
    actions = [calendar_button(texts, language, calendar_url, update=True)] if calendar_url else []
    return adaptive_card(body, actions)


def _when(texts: Catalogue, language: str, item: Deadline | Event, zone: ZoneInfo) -> str:
    if isinstance(item, Deadline):
        return format_moment(local_to_utc(item.due_local, zone), zone, language)
    when = format_moment(local_to_utc(item.starts_local, zone), zone, language)
    return texts.plain("event.when_where", language, when=when, place=item.place) if item.place else when
