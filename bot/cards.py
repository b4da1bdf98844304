"""Pure functions from domain data to Adaptive Card 1.5 JSON (what Teams renders)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.libraries import person_label as plain_person_label
from bot.domain.models import Person
from bot.texts.markdown import Markdown, escape

# ``escape`` lives with the catalogue, which escapes every value it fills in; card builders
# import it from here for the user-supplied fields they show directly.
__all__ = ["CARD_CONTENT_TYPE", "Markdown", "escape", "adaptive_card", "heading", "paragraph", "command_button",
           "card_button", "person_label"]
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def adaptive_card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Wrap elements in an Adaptive Card 1.5 envelope, full width in Teams."""
    # Escaped text is a ``Markdown`` (a str subclass) while cards are built; the card itself holds
    # exact JSON types, which the reply serialiser passes on without msrest.
    body = _plain(body)
    actions = _plain(list(actions))
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "msteams": {"width": "Full"},
        "body": body,
    }
    if actions:
        card["actions"] = list(actions)
    return card


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def heading(text: str) -> dict[str, Any]:
    """A bold, large title."""
    return {"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": True}


def paragraph(text: str, **extra: Any) -> dict[str, Any]:
    """A wrapped block of text."""
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def command_button(title: str, command: str, **data: Any) -> dict[str, Any]:
    """A button that runs a typed command (``ask``, ``help``...) as if it were typed."""
    return {"type": "Action.Submit", "title": title, "data": {"command": command, **data}}


def card_button(title: str, verb: str, **data: Any) -> dict[str, Any]:
    """A button for a card action: ``verb`` goes to the card action registry (``bot.teams.card_actions``)."""
    return {"type": "Action.Submit", "title": title, "data": {"verb": verb, **data}}



def person_label(person: Person | None) -> Markdown:
    """``Name (Organisation)``, or just the name without an organisation; escaped for card text."""
    return Markdown(escape(plain_person_label(person)))
