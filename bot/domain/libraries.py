"""Which library someone works for, and how people are named in overviews: "Name (Library)".

A directory person's library is their organisation. Someone outside the directory (found by
their Teams id only) says it themselves, once: they choose a known library or type one. What
they type is checked here, kept as typed (spaces tidied), and refused with a reason the chat
turns into a Dutch or English sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.models import Participant, Person, Role

MAX_LIBRARY_CHARS = 100
MIN_LIBRARY_CHARS = 2
MAX_ASKS = 2  # once at first contact, at most once more later
_ALLOWED_PUNCTUATION = frozenset(" -'’.,&()/")
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)|\w\.(?:nl|com|org|net|be|eu)\b")


class LibraryRefused(DomainError):
    """A typed library name that cannot be kept; ``reason_key`` names the sentence to answer with."""

    def __init__(self, reason_key: str, **values: object):
        super().__init__(reason_key)
        self.reason_key = reason_key
        self.values = values


def clean_library(typed: str) -> str:
    """The library name as typed, with its spaces tidied, or a refusal.

    Only letters (any script, accents included), digits, spaces and the punctuation library
    names use (``- ' . , & ( ) /``) are allowed: no markup, no links, no control characters.

    Raises:
        LibraryRefused: ``library.empty``, ``library.too_long`` (with ``limit``), ``library.too_short``,
            ``library.markup`` or ``library.link``.
    """
    text = " ".join(unicodedata.normalize("NFC", typed or "").split())
    if not text:
        raise LibraryRefused("library.empty")
    if len(text) > MAX_LIBRARY_CHARS:
        raise LibraryRefused("library.too_long", limit=MAX_LIBRARY_CHARS)
    if _LINK.search(text):
        raise LibraryRefused("library.link")
    if any(not (c.isalnum() or c in _ALLOWED_PUNCTUATION) for c in text):
        raise LibraryRefused("library.markup")
    if len(text) < MIN_LIBRARY_CHARS or not any(c.isalpha() for c in text):
        raise LibraryRefused("library.too_short")
    return text


def known_libraries(people: Iterable[Person], named: Iterable[str] = ()) -> list[str]:
    """The libraries to choose from: the directory colleagues' organisations and names already given.

    The coordinator's and the advisers' organisation (Probiblio) is not a library; names that
    differ only in case or spaces appear once.
    """
    found: dict[str, str] = {}
    for name in [p.organisation for p in people if p.active and p.role is Role.COLLEAGUE] + list(named):
        tidy = " ".join((name or "").split())
        if tidy:
            found.setdefault(tidy.casefold(), tidy)
    return sorted(found.values(), key=str.casefold)


def needs_library(participant: Participant | None) -> bool:
    """True for someone outside the directory whose library the bot does not know."""
    return participant is not None and participant.person_id is None and not participant.library


@dataclass(frozen=True)
class Who:
    """How a participant is named: their name and their library (empty when unknown)."""

    name: str
    library: str

    @property
    def label(self) -> str:
        """``Name (Library)``, or just the name when the library is unknown (never "(-)")."""
        return f"{self.name} ({self.library})" if self.library else self.name


def who(participant: Participant | None, people: Mapping[str, Person], *, unknown: str = "?") -> Who:
    """Name and library of a participant: the directory's when linked, else what Teams and they said."""
    if participant is None:
        return Who(unknown, "")
    person = people.get(participant.person_id or "")
    if person is not None:
        return Who(person.name, person.organisation.strip())
    return Who(participant.name or participant.email or unknown, participant.library or "")


def labels_of(participants: Iterable[Participant], people: Mapping[str, Person]) -> dict[int, str]:
    """Participant id → "Name (Library)" (just the name while the library is unknown), for overviews."""
    return {p.id: who(p, people).label for p in participants}


def person_label(person: Person | None, *, unknown: str = "?") -> str:
    """``Name (Organisation)`` of a directory person, or just the name without an organisation."""
    if person is None:
        return unknown
    return Who(person.name, person.organisation.strip()).label
