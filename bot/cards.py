"""Pure functions from domain data to Adaptive Card 1.5 JSON (what Teams renders)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.texts import Catalogue
from bot.texts.markdown import Markdown, escape

# ``escape`` lives with the catalogue, which escapes every value it fills in; card builders
# import it from here for the user-supplied fields they show directly.
__all__ = ["CARD_CONTENT_TYPE", "Markdown", "escape", "adaptive_card", "heading", "paragraph", "command_button",
           "card_button",
           "help_card", "welcome_card"]
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


HELP_COMMANDS = ("ask", "mine", "assigned", "submit", "examples", "deadlines", "reminders", "open", "submissions",
                 "costs", "export", "privacy", "help", "stop")


def help_card(texts: Catalogue, language: str, *, unknown: bool = False) -> dict[str, Any]:
    """The list of what the bot can do, with a button per command."""
    facts = [
        {"title": texts.text(f"command.{c}.title", language),
         "value": texts.text(f"command.{c}.description", language)}
        for c in HELP_COMMANDS
    ]
    intro = texts.text("help.unknown" if unknown else "help.intro", language)
    body = [heading(texts.text("help.title", language)), paragraph(intro), {"type": "FactSet", "facts": facts}]
    return adaptive_card(body, [command_button(texts.text("button.ask", language), "ask"),
                                command_button(texts.text("button.mine", language), "mine")])


def welcome_card(
    texts: Catalogue, language: str, *, name: str | None, programme: str, team: bool = False
) -> dict[str, Any]:
    """The welcome on install (personal) or in the programme's team."""
    title = (texts.text("welcome.title", language, name=escape(name)) if name and not team
             else texts.text("welcome.title_anonymous", language))
    body_key = "welcome.team_body" if team else "welcome.body"
    body = [
        heading(title),
        paragraph(texts.text(body_key, language, programme=escape(programme))),
        paragraph(texts.text("welcome.next", language), isSubtle=True),
    ]
    return adaptive_card(body, [command_button(texts.text("button.ask", language), "ask"),
                                command_button(texts.text("command.help.title", language), "help")])
