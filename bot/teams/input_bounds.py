"""What people send, bounded and cleaned once per turn, and the reply when it is too long.

Text and card fields keep their case and accents (see :mod:`bot.teams.typed_input`). Input over
the limit is refused whole: the person is told the limit, nothing runs and nothing is stored.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse, InvokeResponse

from bot.teams.typed_input import MAX_TYPED_CHARS, TooLong, clean_message, clean_values
from bot.texts import Catalogue

log = logging.getLogger(__name__)


def clean_in_place(activity: Activity) -> bool:
    """Clean a message's text and a message's or click's card values in place; False when over the limit.

    Other activities pass untouched. Over the limit, nothing of the activity is changed.
    """
    if activity.type not in (ActivityTypes.message, ActivityTypes.invoke):
        return True
    try:
        typed = activity.type == ActivityTypes.message and activity.text is not None
        text = clean_message(activity.text) if typed else activity.text
        value = clean_values(activity.value)
    except TooLong:
        return False
    activity.text, activity.value = text, value
    return True


async def refuse_too_long(turn_context: TurnContext, texts: Catalogue, language: str) -> None:
    """Tell the person the limit (and, for a click, answer the invoke with the same error)."""
    activity = turn_context.activity
    # Logged without the text: it is what the person wrote.
    log.info("refused a %s over %d characters", activity.type, MAX_TYPED_CHARS)
    message = texts.text("input.too_long", language, limit=_count(MAX_TYPED_CHARS, language))
    await turn_context.send_activity(message)
    if activity.type == ActivityTypes.invoke:
        # Teams shows an invoke's error on the card; the chat message is for clients that do not.
        error = AdaptiveCardInvokeResponse(status_code=400, type="application/vnd.microsoft.error",
                                           value={"code": "BadRequest", "message": message})
        await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                  value=InvokeResponse(status=200, body=error)))


def _count(number: int, language: str) -> str:
    """A whole number as people write it: 4.000 in Dutch, 4,000 in English."""
    written = f"{number:,}"
    return written if language == "en" else written.replace(",", ".")
