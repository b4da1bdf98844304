"""Adaptive Cards for deadlines and events: reminders, summaries and the personal overview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards import Markdown, adaptive_card, card_button, command_button, escape, heading, paragraph
from bot.domain.deadlines import Deadline, Event
from bot.domain.localtime import format_moment, local_to_utc
from bot.domain.models import Participant
from bot.domain.services.schedule import AUDIENCE_CHOICES, KEEP_AUDIENCE, DeadlineStatus
from bot.texts import Catalogue

Card = dict[str, Any]


def deadline_reminder_card(texts: Catalogue, language: str, deadline: Deadline, zone: ZoneInfo,
                           calendar_url: str | None = None) -> Card:
    """A reminder with a button that starts the right dialog, and one for the reader's calendar."""
    t = texts.text
    when = format_moment(local_to_utc(deadline.due_local, zone), zone, language)
    body = [heading(t("deadline.reminder_title", language, title=escape(deadline.title))),
            paragraph(t("deadline.due", language, when=when), weight="Bolder"),
            paragraph(escape(deadline.description))]
    actions = []
    if deadline.fulfilment.question_theme:
        actions.append(command_button(t("deadline.ask_button", language), "ask"))
    actions.append(command_button(t("deadline.stop_button", language), "reminders_off"))
    if calendar_url:
        actions.append(_calendar_button(texts, language, calendar_url))
    return adaptive_card(body, actions)


def _calendar_button(texts: Catalogue, language: str, url: str) -> Card:
    """"Zet in mijn agenda": the item's signed ``.ics`` link, opened by the browser or calendar app."""
    return {"type": "Action.OpenUrl", "title": texts.plain("calendar.add_button", language), "url": url}


def event_card(texts: Catalogue, language: str, event: Event, zone: ZoneInfo, *, reminder: bool,
               calendar_url: str | None = None) -> Card:
    """The announcement of a session, or the reminder the day before (with "Zet in mijn agenda")."""
    key = "event.reminder_title" if reminder else "event.announcement_title"
    when = format_moment(local_to_utc(event.starts_local, zone), zone, language)
    return adaptive_card([heading(texts.text(key, language, title=escape(event.title))),
                          paragraph(texts.text("event.when_where", language, when=when, place=escape(event.place)),
                                    weight="Bolder"),
                          paragraph(escape(event.description))],
                         [_calendar_button(texts, language, calendar_url)] if calendar_url else [])


def _names(participants: Sequence[Participant], ids: Sequence[int], nobody: str,
           labels: Mapping[int, str] | None = None) -> str:
    by_id = {p.id: p for p in participants}
    labels = labels or {}
    names = sorted(escape(labels.get(i) or by_id[i].name or by_id[i].email or "?") for i in ids if i in by_id)
    return ", ".join(names) if names else nobody


def summary_card(texts: Catalogue, language: str, status: DeadlineStatus, participants: Sequence[Participant],
                 opted_out: Sequence[Participant], labels: Mapping[int, str] | None = None) -> Card:
    """The coordinator's summary after a deadline: who did and who did not ("Name (Library)" by ``labels``)."""
    t = texts.text
    nobody = t("deadline.nobody", language)
    facts = [
        {"title": t("deadline.summary_done", language, count=len(status.done_ids)),
         "value": _names(participants, status.done_ids, nobody, labels)},
        {"title": t("deadline.summary_open", language, count=len(status.open_ids)),
         "value": _names(participants, status.open_ids, nobody, labels)},
        {"title": t("deadline.summary_opted_out", language),
         "value": _names(participants, [p.id for p in opted_out], nobody, labels)},
    ]
    return adaptive_card([heading(t("deadline.summary_title", language, title=escape(status.deadline.title))),
                          {"type": "FactSet", "facts": facts}])


def overview_card(texts: Catalogue, language: str, statuses: Sequence[DeadlineStatus], events: Sequence[Event],
                  zone: ZoneInfo, now: datetime, *, coordinator: bool = False,
                  opted_out: Sequence[Participant] = (), labels: Mapping[int, str] | None = None) -> Card:
    """``deadlines``: each deadline with its state (or, for the coordinator, the counts)."""
    t = texts.text
    if not statuses and not events:
        return adaptive_card([heading(t("deadlines.title", language)), paragraph(t("deadlines.none", language))])
    body: list[Card] = [heading(t("deadlines.title", language))]
    for status in statuses:
        if coordinator:
            state = t("deadlines.coordinator_counts", language, done=len(status.done_ids),
                      total=len(status.done_ids) + len(status.open_ids))
        else:
            state = t("deadlines.done" if status.done else "deadlines.open", language)
        if status.due_at < now:
            state += f" · {t('deadlines.past', language)}"
        body.append(paragraph(f"**{escape(status.deadline.title)}** · {format_moment(status.due_at, zone, language)}"
                              f" · {state}", spacing="Medium"))
    if events:
        body.append(paragraph(f"**{t('deadlines.events', language)}**", spacing="Large"))
        for event in events:
            when = format_moment(local_to_utc(event.starts_local, zone), zone, language)
            where = t("event.when_where", language, when=when, place=escape(event.place))
            body.append(paragraph(f"{escape(event.title)} · {where}"))
    if coordinator and opted_out:
        names = Markdown(", ".join(sorted(escape((labels or {}).get(p.id) or p.name or p.email or "?")
                                          for p in opted_out)))
        body.append(paragraph(t("deadlines.opted_out", language, names=names), isSubtle=True, spacing="Large"))
    return adaptive_card(body)


def deadline_form_card(texts: Catalogue, language: str, *, themes: Sequence[str], categories: Sequence[str],
                       existing: Deadline | None = None) -> Card:
    """The coordinator's form to add or change a deadline (checked like the programme file)."""
    t = texts.text
    d = existing
    theme_choices = [{"title": t("deadline_form.no_theme", language), "value": ""}] + [
        {"title": th, "value": th} for th in themes]
    body = [
        heading(t("deadline_form.title_edit" if d else "deadline_form.title_new", language)),
        {"type": "Input.Text", "id": "title", "label": t("deadline_form.name", language), "isRequired": True,
         "maxLength": 200, "value": d.title if d else ""},
        {"type": "Input.Text", "id": "description", "label": t("deadline_form.description", language),
         "isMultiline": True, "maxLength": 2000, "value": d.description if d else ""},
        {"type": "ColumnSet", "columns": [
            {"type": "Column", "items": [{"type": "Input.Date", "id": "due_date", "isRequired": True,
                                          "label": t("deadline_form.due_date", language),
                                          "value": d.due_local.date().isoformat() if d else ""}]},
            {"type": "Column", "items": [{"type": "Input.Time", "id": "due_time",
                                          "label": t("deadline_form.due_time", language),
                                          "value": d.due_local.strftime("%H:%M") if d else "12:00"}]}]},
        {"type": "Input.ChoiceSet", "id": "theme", "label": t("deadline_form.theme", language),
         "value": (d.fulfilment.question_theme or "") if d else "", "choices": theme_choices},
        {"type": "Input.ChoiceSet", "id": "documents", "label": t("deadline_form.documents", language),
         "isMultiSelect": True, "value": ",".join(d.fulfilment.document_categories) if d else "",
         "choices": [{"title": c, "value": c} for c in categories]},
        _audience_choice(texts, language, d),
        {"type": "Input.Text", "id": "reminders", "label": t("deadline_form.reminders", language),
         "value": ",".join(str(n) for n in d.reminder_days) if d else "14,3,1"},
    ]
    actions = [card_button(t("deadline_form.save", language), "deadline_save", deadline_id=d.id if d else "")]
    if d:
        actions.append(card_button(t("event_form.cancel_button", language), "schedule_cancel", item_id=d.id))
    return adaptive_card(body, actions)


def _audience_choice(texts: Catalogue, language: str, deadline: Deadline | None) -> Card:
    """Who the deadline is for; a new one is for the libraries, as the programme's deadlines are."""
    choices = list(AUDIENCE_CHOICES)
    if deadline is None:
        value = "libraries"
    elif deadline.audience.kind == "role":
        value = deadline.audience.role or "all"
        if value not in choices:  # the coordinator only: the file can say so, the form keeps it
            choices.append(value)
    elif deadline.audience.kind == "people":
        value = KEEP_AUDIENCE  # only the file can list people; the form keeps them as they are
        choices.append(KEEP_AUDIENCE)
    else:
        value = deadline.audience.kind
    return {"type": "Input.ChoiceSet", "id": "audience", "label": texts.text("deadline_form.audience", language),
            "isRequired": True, "value": value,
            "choices": [{"title": texts.plain(f"deadline_form.audience.{c}", language), "value": c}
                        for c in choices]}


def coordinator_deadline_buttons(texts: Catalogue, language: str, deadlines: Sequence[Deadline],
                                 events: Sequence[Event] = ()) -> list[Card]:
    """Buttons under the coordinator's overview: add or change a deadline or a session."""
    t = texts.text
    buttons = [card_button(t("deadline_form.add_button", language), "deadline_form"),
               card_button(t("event_form.add_button", language), "event_form")]
    # Button titles show no markdown: the title goes in as it is.
    buttons += [card_button(texts.plain("deadline_form.edit_button", language, title=d.title), "deadline_form",
                               deadline_id=d.id) for d in deadlines[:3]]
    buttons += [card_button(texts.plain("deadline_form.edit_button", language, title=e.title), "event_form",
                               event_id=e.id) for e in events[:2]]
    return buttons


def event_form_card(texts: Catalogue, language: str, existing: Event | None = None) -> Card:
    """The coordinator's form to add or change a session."""
    t = texts.text
    e = existing
    body = [
        heading(t("event_form.title_edit" if e else "event_form.title_new", language)),
        {"type": "Input.Text", "id": "title", "label": t("deadline_form.name", language), "isRequired": True,
         "maxLength": 200, "value": e.title if e else ""},
        {"type": "Input.Text", "id": "description", "label": t("event_form.description", language),
         "isMultiline": True, "maxLength": 2000, "value": e.description if e else ""},
        {"type": "Input.Date", "id": "date", "label": t("event_form.date", language), "isRequired": True,
         "value": e.starts_local.date().isoformat() if e else ""},
        {"type": "ColumnSet", "columns": [
            {"type": "Column", "items": [
                {"type": "Input.Time", "id": "starts", "label": t("event_form.starts", language),
                 "value": e.starts_local.strftime("%H:%M") if e else "10:00"}]},
            {"type": "Column", "items": [
                {"type": "Input.Time", "id": "ends", "label": t("event_form.ends", language),
                 "value": e.ends_local.strftime("%H:%M") if e and e.ends_local else ""}]}]},
        {"type": "Input.Text", "id": "place", "label": t("event_form.place", language), "maxLength": 200,
         "value": e.place if e else ""},
    ]
    actions = [card_button(t("deadline_form.save", language), "event_save", event_id=e.id if e else "")]
    if e:
        actions.append(card_button(t("event_form.cancel_button", language), "schedule_cancel", item_id=e.id))
    return adaptive_card(body, actions)
