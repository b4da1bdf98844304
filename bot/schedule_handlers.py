"""Chat commands about deadlines: ``deadlines``, ``herinneringen uit`` and ``herinneringen aan``."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot.domain.clock import Clock
from bot.domain.models import Participant
from bot.domain.services.schedule import ScheduleService
from bot.schedule_cards import overview_card
from bot.texts import Catalogue, language_for

SCHEDULE_COMMANDS = ("deadlines", "reminders_off", "reminders_on")


class ScheduleHandlers:
    """The edge of :class:`ScheduleService`."""

    def __init__(self, *, service: ScheduleService, texts: Catalogue, clock: Clock, zone: ZoneInfo):
        self._service = service
        self._texts = texts
        self._clock = clock
        self._zone = zone

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str) -> None:
        """Run one of :data:`SCHEDULE_COMMANDS`."""
        language = language_for(turn_context.activity.locale)
        if name in ("reminders_off", "reminders_on"):
            await self._service.set_reminders(participant, name == "reminders_on")
            key = "reminders.on" if name == "reminders_on" else "reminders.off"
            await turn_context.send_activity(self._texts.text(key, language))
            return
        if await self._service.is_coordinator(participant):
            statuses, opted_out = await self._service.overview()
            _, events = await self._service.for_participant(participant)
            card = overview_card(self._texts, language, statuses, events, self._zone, self._clock.now(),
                                 coordinator=True, opted_out=opted_out)
        else:
            statuses, events = await self._service.for_participant(participant)
            card = overview_card(self._texts, language, statuses, events, self._zone, self._clock.now())
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
