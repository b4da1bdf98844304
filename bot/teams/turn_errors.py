"""What happens when a turn fails: log it fully, tell the user briefly, in their language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from botbuilder.core import TurnContext
from botbuilder.schema import ActivityTypes

from bot.texts import Catalogue, language_for
from storage.bot_state import StateConflictError

log = logging.getLogger(__name__)


def make_turn_error_handler(texts: Catalogue) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    """Build ``adapter.on_turn_error``.

    The stack trace goes to the log only. The user gets a short Dutch (or English) message
    for messages and card actions; background activities (installs, member changes) fail
    silently to the user because nobody is waiting for an answer.
    """

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        activity = turn_context.activity
        if isinstance(error, StateConflictError):
            log.info("turn lost a state race (activity type=%s)", activity.type)
            key = "error.busy"
        else:
            log.error("turn failed (activity type=%s)", activity.type, exc_info=error)
            key = "error.generic"
        if activity.type not in (ActivityTypes.message, ActivityTypes.invoke):
            return
        try:
            await turn_context.send_activity(texts.text(key, language_for(activity.locale)))
        except Exception:  # the connector itself may be what failed
            log.warning("could not tell the user about the failed turn", exc_info=True)

    return on_turn_error
