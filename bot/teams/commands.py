"""Typed-command parsing: exact words, never substrings (``help`` is not inside ``helpdesk``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.teams.typed_input import TooLong, clean_message, without_format

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
    "dashboard": ("overzicht", "dashboard", "overview"),
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
    "calendar": ("agenda", "mijn agenda", "agendalink", "calendar", "my calendar"),
    "calendar_new": ("agenda nieuw", "nieuwe agenda", "nieuwe agendalink", "new calendar", "calendar new"),
}

# A command word typed as a question or exclamation ("Agenda?", "Mijn vragen?!") is still the command.
_TRAILING = re.compile(r"[\s!?.,;]+$")


@dataclass(frozen=True)
class ParsedCommand:
    """A recognised command and whatever text followed it (``vraag: ...``)."""

    name: str
    argument: str = ""


def parse_command(text: str) -> ParsedCommand | None:
    """Recognise a command at the start of ``text``.

    The command word must be the whole message, or be followed by ``:`` or a space and an
    argument, so ``stop`` matches but ``stoplicht`` does not. Words match whatever their case;
    the argument is kept as typed (``vraag: dBos po ...`` keeps ``dBos``).

    Returns:
        The command, or ``None`` for free text (text too long to be typed counts as free text).
    """
    try:
        cleaned = clean_message(text)  # done at the edge already; the same again here is a no-op
    except TooLong:
        return None
    # Invisible format characters (a zero-width space before "help") do not hide a command.
    visible = without_format(cleaned)
    stripped = (_TRAILING.sub("", visible) or visible).lower()
    best: ParsedCommand | None = None
    best_length = -1
    for name, words in COMMAND_WORDS.items():
        for word in words:
            if len(word) <= best_length:
                continue
            if stripped == word:
                best, best_length = ParsedCommand(name), len(word)
            # Compared slice by slice: lowercasing the whole text could change its length (İ -> i̇).
            elif visible[:len(word)].lower() == word and visible[len(word):len(word) + 1] in (":", " ") \
                    and _accepts_argument(name):
                best, best_length = ParsedCommand(name, _argument(cleaned, len(word))), len(word)
    return best


def _argument(cleaned: str, word_length: int) -> str:
    """What follows the command word's ``word_length`` visible characters, as typed, without ``:``."""
    index = seen = 0
    while seen < word_length:
        seen += unicodedata.category(cleaned[index]) != "Cf"
        index += 1
    rest = cleaned[index:]
    while rest and (rest[0] in ": " or unicodedata.category(rest[0]) == "Cf"):
        rest = rest[1:]
    return rest.strip()


def _accepts_argument(name: str) -> bool:
    # Greetings may be followed by anything ("hallo sparringbot"); the others stand alone.
    return name in ACCEPTS_ARGUMENT


ACCEPTS_ARGUMENT: set[str] = {"hello", "ask"}
