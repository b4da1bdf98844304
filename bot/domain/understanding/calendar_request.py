"""Free text that asks for the calendar link: "zet het in mijn agenda", "add this to my calendar".

Read before the understander, outside its intent contract (issue 16 fixed the intents that
``sparringbot understand`` reports; this is not one of them): a sentence that matches runs the
``agenda`` command, anything else goes on to the understander as before. The patterns need the
person's own calendar ("mijn agenda", "my calendar", Outlook) or a calendar link or feed, so a
sparring question about getting something "op de agenda van de gemeente" is never taken for it.
"""

from __future__ import annotations

import re
import unicodedata

_OWN_WORDS = "mijn|m'n|mn|my|onze|our"
_OWN = rf"(?:{_OWN_WORDS})"
_CALENDAR = r"(?:outlook[- ]?|teams[- ]?)?(?:agenda|kalender|calendar)"
_PATTERNS = [re.compile(p) for p in (
    # "zet het in mijn agenda", "kan ik dit aan m'n outlook-agenda toevoegen", "add it to my calendar"
    rf"\b(?:in|aan|naar|to|into|in to)\s+{_OWN}\s+{_CALENDAR}\b",
    # "agendalink", "agenda-feed", "calendar link", "een link voor mijn agenda"
    r"\b(?:agenda|kalender|calendar)[- ]?(?:link|feed|abonnement|subscription)s?\b",
    r"\blink\s+(?:voor|naar|for|to)\s+" + _OWN + r"\s+" + _CALENDAR + r"\b",
    # "abonneren op de agenda", "subscribe to the calendar"
    # (at most four words in between: no unbounded ".*", so a long message costs linear time)
    rf"\b(?:abonneer|abonneren|subscribe)\b(?:\s+\S+){{0,4}}?\s+(?:op|to)\s+(?:de|het|the|{_OWN_WORDS})\s*"
    rf"{_CALENDAR}\b",
    # "in outlook zetten", "put it in outlook"
    r"\b(?:in|into|naar|to)\s+outlook\b",
)]


def asks_for_calendar(text: str) -> bool:
    """Whether ``text`` asks to put the programme's dates in the person's own calendar.

    Args:
        text: The typed message (cleaned at the edge).

    Returns:
        True when a calendar phrase is in it.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c)).replace("\u2019", "'")
    plain = " ".join(plain.split())
    return any(pattern.search(plain) for pattern in _PATTERNS)
