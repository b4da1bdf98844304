"""Domain records. Plain frozen dataclasses so they compare and hash by value."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.deadlines import Deadline, Event


class Role(enum.StrEnum):
    """What a directory person does in the programme."""

    COORDINATOR = "coordinator"
    COLLEAGUE = "colleague"
    ADVISER = "adviser"


@dataclass(frozen=True)
class Person:
    """Someone in the programme's directory (coordinator, colleague or adviser)."""

    id: str
    name: str
    organisation: str
    role: Role
    email: str | None = None
    topics: tuple[str, ...] = ()
    expertise: str = ""
    capacity: int = 3
    active: bool = True
    aad_object_id: str | None = None

    @property
    def has_identifiers(self) -> bool:
        """True when the directory names an e-mail or AAD object id: only those can link this person."""
        return bool(self.email or self.aad_object_id)


@dataclass(frozen=True)
class Programme:
    """The programme a directory file describes."""

    name: str
    timezone: str = "Europe/Amsterdam"
    language: str = "nl"
    themes: tuple[str, ...] = ("Netwerk & Beleid", "Exploitatie", "Factsheet", "Overig")


@dataclass(frozen=True)
class Directory:
    """A parsed programme file: the programme, its people, deadlines and events."""

    programme: Programme
    people: tuple[Person, ...]
    deadlines: tuple[Deadline, ...] = ()
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """What an import changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


@dataclass(frozen=True)
class ParticipantSeen:
    """What one Teams activity tells us about the person behind it.

    ``email`` and ``upn`` are only ever what Teams' member API (``TeamsInfo.get_member``, the
    team roster) reports: they are identifiers the bot may link a directory person on. The
    display name is not; anyone can choose it.
    """

    teams_id: str
    tenant_id: str | None = None
    aad_object_id: str | None = None
    name: str | None = None
    email: str | None = None
    locale: str | None = None
    service_url: str | None = None
    upn: str | None = None


@dataclass(frozen=True)
class Participant:
    """A Teams user known to the bot, possibly linked to a directory person."""

    id: int
    teams_id: str
    tenant_id: str | None
    aad_object_id: str | None
    name: str | None
    email: str | None
    locale: str | None
    person_id: str | None
    active: bool = True
    has_address: bool = False
    service_url: str | None = None
    reminders_enabled: bool = True
    conversation_id: str | None = None
    upn: str | None = None
    link_method: str | None = None
    library: str | None = None  # said by someone outside the directory; a directory person's is their organisation
    library_asked: int = 0

    @property
    def language(self) -> str:
        """``en`` for English Teams locales, Dutch otherwise."""
        return "en" if (self.locale or "").lower().startswith("en") else "nl"


class LinkState(enum.StrEnum):
    """Where a proposed link between a Teams account and a directory person stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # overtaken: linked otherwise, or the directory now names an e-mail


@dataclass(frozen=True)
class LinkProposal:
    """A Teams account whose display name looks like a directory person's: the coordinator decides.

    ``teams_name`` is the display name when the proposal was made (names change; the card shows
    what the coordinator was asked about).
    """

    id: int
    participant_id: int
    person_id: str
    teams_name: str
    state: LinkState
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None


@dataclass(frozen=True)
class Address:
    """Where a proactive message for a participant goes: an opaque channel reference.

    The domain never looks inside ``reference``; the channel layer made it and reads it.
    """

    conversation_id: str
    reference: dict[str, Any] = field(default_factory=dict)
    is_personal: bool = True


@dataclass(frozen=True)
class OutgoingMessage:
    """A proactive message: text, an Adaptive Card (as JSON), or both."""

    text: str | None = None
    card: dict[str, Any] | None = None
