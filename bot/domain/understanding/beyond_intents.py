"""Free text that asks for a command outside the understander's intents: the calendar link, the overview.

``sparringbot understand`` reports a fixed set of intents (issue 16's contract); the calendar link
(``agenda``) and the coordinator's overview tab (``overzicht``) came later and are not among them.
They are read here, before the understander: a sentence that matches runs that command, anything
else goes on to the understander as before. The patterns are narrow on purpose:

- the calendar needs the person's own calendar ("mijn agenda", "my calendar", Outlook) or a
  calendar link or feed, so a sparring question about getting something "op de agenda van de
  gemeente" is never taken for it;
- the overview needs "het overzicht" / "the dashboard" standing for itself (not "het overzicht
  van de kosten", which the understander reads as the cost overview), a sign-in link or the word
  dashboard, and only a coordinator is read this way (for anyone else it is no command of theirs).
"""

from __future__ import annotations

import re

from bot.domain.routing.text import normalise

_OWN_WORDS = "mijn|m'n|mn|my|onze|our"
_OWN = rf"(?:{_OWN_WORDS})"
_CALENDAR = r"(?:outlook[- ]?|teams[- ]?)?(?:agenda|kalender|calendar)"
_CALENDAR_PATTERNS = [re.compile(p) for p in (
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
_OVERVIEW = r"(?:overzicht|overzichtstab|overview|dashboard)"
_OVERVIEW_PATTERNS = [re.compile(p) for p in (
    # "open het overzicht", "kan ik het overzicht zien?", "show me the overview", but not
    # "het overzicht van de kosten" or "the overview of submissions"
    rf"\b(?:het|mijn|m'n|the|my)\s+{_OVERVIEW}\b(?!\s+(?:van|over|met|voor|of|for|with)\b)",
    # "dashboard graag", "waar is het tabblad overzicht", "inloglink"
    r"\bdashboard\b",
    r"\b(?:tabblad|tab)\s+overzicht\b",
    r"\b(?:inlog|aanmeld|sign[- ]?in|login)[- ]?link\b",
)]


def _plain(text: str) -> str:
    """Case and accents folded away (the routing's ``normalise``), curly apostrophes straight, runs of spaces one."""
    return " ".join(normalise(text).replace("\u2019", "'").split())


def asks_for_calendar(text: str) -> bool:
    """Whether ``text`` asks to put the programme's dates in the person's own calendar.

    Args:
        text: The typed message (cleaned at the edge).

    Returns:
        True when a calendar phrase is in it.
    """
    plain = _plain(text)
    return any(pattern.search(plain) for pattern in _CALENDAR_PATTERNS)


def asks_for_overview(text: str) -> bool:
    """Whether ``text`` asks for the coordinator's overview tab (its sign-in link in the chat).

    Args:
        text: The typed message (cleaned at the edge).

    Returns:
        True when an overview phrase is in it; the caller reads it so for coordinators only.
    """
    plain = _plain(text)
    return any(pattern.search(plain) for pattern in _OVERVIEW_PATTERNS)


def command_beyond_intents(text: str, *, role: str) -> str | None:
    """The command ``text`` asks for among those outside the intents, or ``None``.

    Args:
        text: The typed message (cleaned at the edge).
        role: ``coordinator`` or ``participant``: the overview is a coordinator's command only.

    Returns:
        ``"calendar"``, ``"dashboard"`` or ``None``.
    """
    if asks_for_calendar(text):
        return "calendar"
    if role == "coordinator" and asks_for_overview(text):
        return "dashboard"
    return None
