"""Free text that is no exact command: read by the understander, then run as the command it means.

An understood intent maps onto the same command name the :class:`~bot.teams.command_table.CommandTable`
runs, so ``"Deadlines?"`` and ``deadlines`` take one code path. What the understanding layer adds is
only said here: a short answer to greetings and thanks, the offer to send a question to the
coordinator, and "Bedoel je ...?" when it is not sure.
"""

from __future__ import annotations

from typing import Any

from bot.cards import adaptive_card, command_button, paragraph
from bot.domain.understanding import DESTRUCTIVE, Intent, Understanding
from bot.domain.understanding.intents import COORDINATOR_INTENTS
from bot.texts import Catalogue

# Every intent that a typed command answers, and that command's name.
INTENT_COMMANDS: dict[Intent, str] = {
    Intent.ASK_QUESTION: "ask",
    Intent.SUBMIT_DOCUMENT: "submit",
    Intent.DEADLINES: "deadlines",
    Intent.MY_QUESTIONS: "mine",
    Intent.MY_REQUESTS: "assigned",
    Intent.EXAMPLES: "examples",
    Intent.REMINDERS_OFF: "reminders_off",
    Intent.REMINDERS_ON: "reminders_on",
    Intent.MY_DATA: "privacy",
    Intent.DELETE_MY_DATA: "erase",
    Intent.HELP: "help",
    Intent.CANCEL: "cancel",
    Intent.OPEN_QUESTIONS: "open",
    Intent.SUBMISSIONS: "submissions",
    Intent.COST_OVERVIEW: "costs",
    Intent.EXPORT: "export",
}
# The card value of the offer's "no" button; it is no command and no card action, only a reply.
OFFER_DECLINED = "declined"
MAX_GUESSES = 3


def command_data(understanding: Understanding) -> dict[str, Any]:
    """What the command gets besides its name: the document kind, when one was named."""
    kind = understanding.slots.get("document_kind")
    return {"kind": kind} if kind else {}


def question_of(understanding: Understanding, typed: str) -> str:
    """The question to fill in: the understood slot, or else everything that was typed (never lost)."""
    return understanding.slots.get("question") or typed


def offer_card(texts: Catalogue, language: str, *, question: str) -> dict[str, Any]:
    """"Wil je dit als sparringvraag aan Dia sturen?" with the typed text on it and yes/no buttons.

    "Yes" runs ``ask`` with the text, as ``vraag: <text>`` does; the dialog suggests the theme itself.
    """
    return adaptive_card(
        [paragraph(texts.text("understood.offer", language), weight="Bolder"),
         paragraph(texts.text("understood.offer_quote", language, question=question), isSubtle=True)],
        [command_button(texts.text("understood.offer_yes", language), "ask", text=question),
         {"type": "Action.Submit", "title": texts.text("understood.offer_no", language),
          "data": {"offer": OFFER_DECLINED}}])


def guesses_card(texts: Catalogue, language: str, understanding: Understanding, *, typed: str,
                 commands: frozenset[str], coordinator: bool) -> dict[str, Any] | None:
    """"Bedoel je ...?" with the best two or three readings as buttons, then help; None when there are none.

    A destructive reading is offered like any other: its button runs the command, and the command
    asks for confirmation itself, so nothing is erased or broken off on a guess.
    """
    ranked = [understanding.intent, *(guess.intent for guess in understanding.alternatives)]
    buttons: list[dict[str, Any]] = []
    seen: set[str] = set()
    for intent in ranked:
        name = INTENT_COMMANDS.get(intent)
        if name is None or name in seen or name in ("help", "cancel") or name not in commands:
            continue
        if intent in COORDINATOR_INTENTS and not coordinator:
            continue  # a button that can only be refused is no help
        if intent in DESTRUCTIVE and intent is not Intent.DELETE_MY_DATA:
            continue
        seen.add(name)
        data: dict[str, Any] = command_data(understanding)
        if name == "ask":
            data = {"text": question_of(understanding, typed)}
        buttons.append(command_button(texts.text(f"understood.guess.{name}", language), name, **data))
        if len(buttons) == MAX_GUESSES:
            break
    if not buttons:
        return None
    buttons.append(command_button(texts.text("understood.something_else", language), "help"))
    return adaptive_card([paragraph(texts.text("understood.did_you_mean", language), weight="Bolder")], buttons)
