"""The welcome card and the help card: what the bot can do, with a button per command."""

from __future__ import annotations

from typing import Any

from bot.cards import adaptive_card, command_button, escape, heading, paragraph
from bot.texts import Catalogue

HELP_COMMANDS = ("ask", "mine", "assigned", "submit", "examples", "deadlines", "reminders", "calendar", "open",
                 "submissions", "costs", "export", "dashboard", "privacy", "help", "stop")
# Only the coordinator can use these; listing them to everyone made the card twice as long for nothing.
COORDINATOR_COMMANDS = frozenset({"open", "submissions", "costs", "export", "dashboard"})


def help_card(texts: Catalogue, language: str, *, unknown: bool = False, coordinator: bool = False) -> dict[str, Any]:
    """The list of what the bot can do, with a button per command.

    Args:
        texts: The text catalogue.
        language: ``nl`` or ``en``.
        unknown: Say first that the message was not understood.
        coordinator: List the coordinator's commands too (only she can use them).
    """
    facts = [
        {"title": texts.text(f"command.{c}.title", language),
         "value": texts.text(f"command.{c}.description", language)}
        for c in HELP_COMMANDS if coordinator or c not in COORDINATOR_COMMANDS
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
