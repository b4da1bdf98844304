"""Chat commands about deadlines: ``deadlines``, ``herinneringen uit`` and ``herinneringen aan``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import TurnContext

from bot.cards import Markdown
from bot.domain.clock import Clock
from bot.domain.deadlines import DOCUMENT_CATEGORIES, Event
from bot.domain.localtime import format_moment, local_to_utc
from bot.domain.models import Participant
from bot.domain.services.reminder_planner import ReminderPlanner
from bot.domain.services.schedule import InvalidDeadline, ScheduleService
from bot.features.schedule.cards import coordinator_deadline_buttons, deadline_form_card, event_form_card, overview_card
from bot.teams.card_actions import CardAction, CardClick, WhoMay
from bot.teams.replies import send_card
from bot.texts import Catalogue, language_for

SCHEDULE_COMMANDS = ("deadlines", "reminders_off", "reminders_on")
FORM_VERBS = ("deadline_form", "deadline_save", "event_form", "event_save", "schedule_cancel")


class ScheduleHandlers:
    """The edge of :class:`ScheduleService`."""

    def __init__(self, *, service: ScheduleService, planner: ReminderPlanner, texts: Catalogue, clock: Clock,
                 zone: ZoneInfo):
        self._service = service
        self._planner = planner
        self._texts = texts
        self._clock = clock
        self._zone = zone

    COMMANDS = SCHEDULE_COMMANDS

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None:
        """Run one of :data:`SCHEDULE_COMMANDS`."""
        language = language_for(turn_context.activity.locale)
        if name in ("reminders_off", "reminders_on"):
            await self._service.set_reminders(participant, name == "reminders_on")
            key = "reminders.on" if name == "reminders_on" else "reminders.off"
            await turn_context.send_activity(self._texts.text(key, language))
            return
        if await self._service.is_coordinator(participant):
            statuses, opted_out = await self._service.overview()
            events = await self._service.events()
            card = overview_card(self._texts, language, statuses, events, self._zone, self._clock.now(),
                                 coordinator=True, opted_out=opted_out,
                                 labels=await self._service.labels(opted_out))
            card["actions"] = coordinator_deadline_buttons(self._texts, language, [s.deadline for s in statuses],
                                                           events)
        else:
            statuses, events = await self._service.for_participant(participant)
            card = overview_card(self._texts, language, statuses, events, self._zone, self._clock.now())
        await send_card(turn_context, card)

    def card_actions(self, *, coordinator_only: WhoMay) -> list[CardAction]:
        """The deadline and session forms: the coordinator's buttons only."""
        return [CardAction(verb, who_may=coordinator_only, handle=self._deadline_form) for verb in FORM_VERBS]

    async def _deadline_form(self, click: CardClick, permit: object) -> None:
        turn_context, participant, name, data, language = (click.turn_context, click.participant, click.verb,
                                                           click.data, click.language)
        if name == "schedule_cancel":
            cancelled = await self._service.cancel_item(participant, str(data.get("item_id") or ""))
            await self._planner.plan_all()
            await turn_context.send_activity(
                self._texts.text("event_form.cancelled", language, title=cancelled.title) if cancelled
                else self._texts.text("event_form.cancel_unknown", language))
            return
        if name in ("deadline_save", "event_save"):
            await self._save(turn_context, participant, data, language, event=name == "event_save")
            return
        if name == "event_form":
            existing_event = await self._service.event(str(data.get("event_id") or ""))
            await send_card(turn_context, event_form_card(self._texts, language, existing_event))
            return
        existing = await self._service.deadline(str(data.get("deadline_id") or ""))
        card = deadline_form_card(self._texts, language, themes=await self._service.themes(),
                                  categories=DOCUMENT_CATEGORIES, existing=existing)
        await send_card(turn_context, card)

    async def _save(self, turn_context: TurnContext, participant: Participant, data: dict[str, Any],
                    language: str, *, event: bool) -> None:
        """Save a deadline or session from its form, replan, and confirm (or name the wrong fields)."""
        t = self._texts.text
        save = self._service.save_event if event else self._service.save_deadline
        try:
            item = await save(participant, data)
        except InvalidDeadline as error:
            await turn_context.send_activity(
                t("deadline_form.invalid", language, fields=self._field_names(error.fields, language)))
            return
        await self._planner.plan_all()
        if isinstance(item, Event):
            when = format_moment(local_to_utc(item.starts_local, self._zone), self._zone, language)
            text = t("event_form.saved", language, title=item.title, when=when, place=item.place or "-")
        else:
            when = format_moment(local_to_utc(item.due_local, self._zone), self._zone, language)
            text = t("deadline_form.saved", language, title=item.title, when=when)
        await turn_context.send_activity(text)

    def _field_names(self, fields: list[str], language: str) -> Markdown:
        """The wrong fields in the coordinator's words (the file's field names as a fallback)."""
        keys = [f"deadline_form.field.{name}" for name in fields] or ["deadline_form.field.title"]
        return Markdown(", ".join(self._texts.text(key, language) if key in self._texts.entries
                         else self._texts.text("deadline_form.field.other", language, field=key.rsplit(".", 1)[1])
                         for key in keys))

