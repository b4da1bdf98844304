"""Which directory person a Teams user is: by e-mail, else by an unambiguous name."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence

from bot.domain.models import Participant, Person


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def match_person(participant: Participant, people: Sequence[Person], *, taken: Collection[str] = ()) -> Person | None:
    """The person a participant is, or ``None`` when it is not certain.

    E-mail decides when present. The sample directory has people without e-mail, listed by
    first name only (as in the newsletter), so a unique exact full name matches, and so does
    a one-word directory name equal to the user's first name, if no one else has that name
    and nobody is linked to that person yet (``taken``).

    Args:
        participant: The Teams user.
        people: Active directory people.
        taken: Ids of people already linked to another participant.
    """
    if participant.email:
        by_email = [p for p in people if p.email and p.email.lower() == participant.email.lower()]
        if by_email:
            return by_email[0]
    name = _fold(participant.name or "")
    if not name:
        return None
    exact = [p for p in people if _fold(p.name) == name and not p.email]
    if len(exact) == 1 and exact[0].id not in taken:
        return exact[0]
    first = name.split()[0]
    by_first = [p for p in people if _fold(p.name) == first and not p.email]
    if len(by_first) == 1 and by_first[0].id not in taken:
        return by_first[0]
    return None
