"""The participant behind the current turn, looked up once per turn.

Several handlers of one turn need the sender (the locale of a card click, the activity handler,
the question dialog's last step); each lookup is a database read. The first one is kept in the
turn's own state, which lives exactly as long as the turn.
"""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot.domain.models import Participant

_KEY = "sparringbot.sender"


def remember(turn_context: TurnContext, participant: Participant | None) -> None:
    """Keep ``participant`` (None: not known) as this turn's sender."""
    turn_context.turn_state[_KEY] = participant


def looked_up(turn_context: TurnContext) -> bool:
    """True when this turn's sender was looked up already (known or not)."""
    return _KEY in turn_context.turn_state


def sender(turn_context: TurnContext) -> Participant | None:
    """This turn's sender as remembered (None when not looked up or not known)."""
    return turn_context.turn_state.get(_KEY)
