"""Typed-command parsing: exact words, never substrings (``help`` is not inside ``helpdesk``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Each command's words, Dutch first; English aliases help users with an English locale.
COMMAND_WORDS: dict[str, tuple[str, ...]] = {
    "help": ("help", "hulp", "menu", "?", "wat kun je", "wat kan je"),
    "hello": ("hallo", "hoi", "hi", "hey", "hello", "goedemorgen", "goedemiddag", "goedenavond"),
    "cancel": ("stop", "annuleer", "annuleren", "cancel", "stoppen"),
    "ask": ("vraag", "vraag stellen", "nieuwe vraag", "sparringvraag", "ask", "question"),
    "mine": ("mijn vragen", "my questions"),
    "assigned": ("mijn verzoeken", "my requests"),
    "open": ("open vragen", "open questions"),
    "links": ("koppelingen", "links"),
    "submit": ("insturen", "inleveren", "document insturen", "upload"),
    "examples": ("voorbeelden", "examples"),
    "submissions": ("inzendingen", "submissions"),
    "costs": ("kostenoverzicht", "kosten", "cost overview"),
    "privacy": ("mijn gegevens", "my data"),
    "export": ("export", "exporteren", "exports"),
    "erase": ("verwijder mijn gegevens", "delete my data"),
    "deadlines": ("deadlines", "deadline", "mijn deadlines", "wat moet ik nog doen"),
    "reminders_off": ("herinneringen uit", "reminders off"),
    "reminders_on": ("herinneringen aan", "reminders on"),
}

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TRAILING = re.compile(r"[\s!.,;]+$")


@dataclass(frozen=True)
class ParsedCommand:
    """A recognised command and whatever text followed it (``vraag: ...``)."""

    name: str
    argument: str = ""


def normalise(text: str) -> str:
    """Strip @mentions, control characters and extra spaces; lowercase."""
    text = _MENTION.sub(" ", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return " ".join(text.split()).lower()


def parse_command(text: str) -> ParsedCommand | None:
    """Recognise a command at the start of ``text``.

    The command word must be the whole message, or be followed by ``:`` or a space and an
    argument, so ``stop`` matches but ``stoplicht`` does not.

    Returns:
        The command, or ``None`` for free text.
    """
    cleaned = normalise(text)
    stripped = _TRAILING.sub("", cleaned) or cleaned
    best: ParsedCommand | None = None
    best_length = -1
    for name, words in COMMAND_WORDS.items():
        for word in words:
            if stripped == word and len(word) > best_length:
                best, best_length = ParsedCommand(name), len(word)
            elif cleaned.startswith(word) and len(word) > best_length:
                rest = cleaned[len(word):]
                if rest[:1] in (":", " ") and _accepts_argument(name):
                    best, best_length = ParsedCommand(name, rest.lstrip(": ").strip()), len(word)
    return best


def _accepts_argument(name: str) -> bool:
    # Greetings may be followed by anything ("hallo sparringbot"); the others stand alone.
    return name in ACCEPTS_ARGUMENT


ACCEPTS_ARGUMENT: set[str] = {"hello", "ask"}
