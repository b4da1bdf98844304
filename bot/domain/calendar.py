"""What goes in people's calendars: one entry per deadline and session, and the rules that keep it right.

Every deadline and session is one calendar entry whose UID never changes: it is made of the
item's id from the programme file (or the coordinator's form) and a fixed domain, never of a row
number, so a calendar that imports the same item again updates the entry it has. Its SEQUENCE
(RFC 5545) is stored with the item and goes up when the time or place changes, when the item
is cancelled (it then stays in feeds as ``STATUS:CANCELLED``) and when it comes back.

The personal feed's link is ``<participant id>-<signature>``: an HMAC, with the app's link
secret, of the participant id and a random secret stored for that person. ``agenda nieuw``
draws a new personal secret, and every link signed with the old one stops working. A single
entry's ``.ics`` link is an ordinary signed link (:mod:`bot.domain.signed_links`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.deadlines import Deadline, Event

# Part of every UID; fixed for ever (changing it would duplicate every entry in every calendar).
UID_DOMAIN = "sparringbot.dbos-po"
# A deadline is a short timed event that starts at the due moment (calendars want an end too).
DEADLINE_LENGTH = timedelta(minutes=30)
# A session without an end in the programme file takes this long in calendars.
SESSION_LENGTH = timedelta(hours=2)
# How long a "Zet in mijn agenda" link in a chat message keeps working: the programme's length.
ITEM_LINK_LIFETIME = timedelta(days=400)

DEADLINE, EVENT = "deadline", "event"
MOVED, CANCELLED, RESTORED = "moved", "cancelled", "restored"

_FEED_TOKEN = re.compile(r"^([1-9][0-9]{0,11})-([0-9a-f]{32})$")
# Item ids are ``[a-z0-9._-]``; a signed link's subject allows only ``[a-z0-9-]``, so '.', '_'
# and '-' itself are written as two characters each (reversible).
_ESCAPES = {"-": "-d", ".": "-p", "_": "-u"}
_UNESCAPES = {value[1]: key for key, value in _ESCAPES.items()}
_ITEM_SUBJECT = re.compile(r"^ics-([de])-((?:[a-z0-9]|-[dpu])+)$")


@dataclass(frozen=True)
class CalendarEntry:
    """A deadline or session as calendars see it.

    Attributes:
        item: The deadline or session (its last version, also when cancelled).
        sequence: RFC 5545 SEQUENCE: higher means newer.
        cancelled: The coordinator took it off the programme.
        changed_at: When it last changed (aware): the entry's DTSTAMP and LAST-MODIFIED.
    """

    item: Deadline | Event
    sequence: int = 0
    cancelled: bool = False
    changed_at: datetime | None = None

    @property
    def kind(self) -> str:
        """``deadline`` or ``event``."""
        return DEADLINE if isinstance(self.item, Deadline) else EVENT

    @property
    def uid(self) -> str:
        """The entry's UID, the same for ever."""
        return uid_for(self.item)


@dataclass(frozen=True)
class ScheduleChange:
    """A deadline or session that moved, was cancelled or came back; ``before`` is how people last saw it."""

    before: CalendarEntry
    after: CalendarEntry

    @property
    def what(self) -> str:
        """:data:`MOVED`, :data:`CANCELLED` or :data:`RESTORED`."""
        if self.after.cancelled:
            return CANCELLED
        return RESTORED if self.before.cancelled else MOVED


def uid_for(item: Deadline | Event) -> str:
    """``deadline-<id>@<domain>`` or ``event-<id>@<domain>``."""
    return f"{DEADLINE if isinstance(item, Deadline) else EVENT}-{item.id}@{UID_DOMAIN}"


def time_and_place(item: Deadline | Event) -> tuple[Any, ...]:
    """What a calendar entry's SEQUENCE follows: the moments and the place (not the wording)."""
    if isinstance(item, Deadline):
        return (DEADLINE, item.due_local)
    return (EVENT, item.starts_local, item.ends_local, item.place)


def next_sequence(sequence: int, *, before: Deadline | Event | None, after: Deadline | Event,
                  was_cancelled: bool) -> int:
    """The SEQUENCE after saving ``after`` over ``before`` (``None``: a new item, sequence 0).

    It goes up by one when the time or place changed, or when a cancelled item comes back.
    """
    if before is None:
        return sequence
    return sequence + 1 if was_cancelled or time_and_place(before) != time_and_place(after) else sequence


def changes_between(before: Mapping[str, CalendarEntry], after: Mapping[str, CalendarEntry]) -> list[ScheduleChange]:
    """The entries whose SEQUENCE went up between two readings of the schedule, by item id.

    New items are no change (they are announced as usual); an item that was cancelled and is
    cancelled still is none either.
    """
    changes = []
    for item_id, new in sorted(after.items()):
        old = before.get(item_id)
        if old is None or new.sequence <= old.sequence or (old.cancelled and new.cancelled):
            continue
        changes.append(ScheduleChange(old, new))
    return changes


def new_feed_secret() -> str:
    """A fresh personal feed secret (128 random bits, hex)."""
    return secrets.token_hex(16)


def feed_token(participant_id: int, feed_secret: str, link_secret: bytes) -> str:
    """The personal feed link's token: ``<participant id>-<signature>``."""
    return f"{participant_id}-{_feed_signature(participant_id, feed_secret, link_secret)}"


def feed_participant(token: str) -> int | None:
    """The participant id a well-formed feed token names (not yet checked), else ``None``."""
    match = _FEED_TOKEN.match(token)
    return int(match[1]) if match else None


def feed_token_valid(token: str, participant_id: int, feed_secret: str, link_secret: bytes) -> bool:
    """Whether ``token`` is the participant's current feed token (constant-time comparison)."""
    return hmac.compare_digest(token, feed_token(participant_id, feed_secret, link_secret))


def _feed_signature(participant_id: int, feed_secret: str, link_secret: bytes) -> str:
    payload = f"calendar-feed.{participant_id}.{feed_secret}".encode()
    return hmac.new(link_secret, payload, hashlib.sha256).hexdigest()[:32]


def item_subject(item: Deadline | Event) -> str:
    """The signed-link subject of one entry's ``.ics``: ``ics-d-<id>`` or ``ics-e-<id>``, escaped."""
    escaped = "".join(_ESCAPES.get(c, c) for c in item.id)
    return f"ics-{'d' if isinstance(item, Deadline) else 'e'}-{escaped}"


def item_from_subject(subject: str) -> tuple[str, str] | None:
    """``(kind, item id)`` from an :func:`item_subject`, else ``None``."""
    match = _ITEM_SUBJECT.match(subject)
    if not match:
        return None
    escaped, out, index = match[2], [], 0
    while index < len(escaped):
        if escaped[index] == "-":
            out.append(_UNESCAPES[escaped[index + 1]])
            index += 2
        else:
            out.append(escaped[index])
            index += 1
    return (DEADLINE if match[1] == "d" else EVENT), "".join(out)
