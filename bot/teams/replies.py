"""Replying with an Adaptive Card in the current turn (the one place that wraps card JSON)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext


async def send_card(turn_context: TurnContext, card: dict[str, Any]) -> None:
    """Send ``card`` (Adaptive Card JSON) as a reply."""
    await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
