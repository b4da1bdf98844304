"""Database tables (SQLAlchemy 2 declarative models). Changes need an Alembic migration."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every table."""


class ProgrammeRow(Base):
    """The programme (one row, id 1)."""

    __tablename__ = "programme"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    themes: Mapped[list[str]] = mapped_column(JSON)


class PersonRow(Base):
    """A directory person."""

    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON)
    expertise: Mapped[str] = mapped_column(Text)
    capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    aad_object_id: Mapped[str | None] = mapped_column(String(64), index=True)


class ParticipantRow(Base):
    """A Teams user the bot has seen, with the reference needed to message them."""

    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    teams_id: Mapped[str] = mapped_column(String(200), unique=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    aad_object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    locale: Mapped[str | None] = mapped_column(String(20))
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    service_url: Mapped[str | None] = mapped_column(String(500))
    conversation_id: Mapped[str | None] = mapped_column(String(300))
    conversation_reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    upn: Mapped[str | None] = mapped_column(String(320))
    # How person_id was linked (bot.domain.linking.LinkMethod); NULL with a person_id never lasts.
    link_method: Mapped[str | None] = mapped_column(String(20))
    # The library someone outside the directory said they work for (bot.domain.libraries), and
    # how often the bot asked: once at first contact, at most once more later.
    library: Mapped[str | None] = mapped_column(String(200))
    library_asked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LinkProposalRow(Base):
    """A display name that looks like a directory person's, waiting for the coordinator's decision."""

    __tablename__ = "link_proposals"
    __table_args__ = (UniqueConstraint("participant_id", "person_id", name="uq_link_proposals_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    teams_name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))


class OnceKeyRow(Base):
    """Keys of things that must happen at most once (a welcome, a redelivered activity)."""

    __tablename__ = "once_keys"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BotStateRow(Base):
    """botbuilder conversation/user state, one JSON document per key, with an e_tag.

    ``data`` is plain JSON (``storage.state_codec``): SDK objects are tagged with an allow-listed
    type name, never pickled.
    """

    __tablename__ = "bot_state"
    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)
    e_tag: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RequestRow(Base):
    """A sparring request."""

    __tablename__ = "requests"
    # Covering index for each person's open load (routing); its prefix serves lookups by state.
    # The overview lists requests newest first, all of them or by state (migration 0009_overview).
    __table_args__ = (Index("ix_requests_state_assignee", "state", "assignee_id"),
                      Index("ix_requests_created", "created_at", "id"),
                      Index("ix_requests_state_created", "state", "created_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_key: Mapped[str] = mapped_column(String(300), unique=True)
    # Cards name a request by this random reference, never by the guessable id.
    public_ref: Mapped[str] = mapped_column(String(32), unique=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    theme: Mapped[str] = mapped_column(String(100))
    preference: Mapped[str] = mapped_column(String(20))
    context: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    declined_by: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)
    introduced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RequestEventRow(Base):
    """One transition of a request: who, when, from which state to which."""

    __tablename__ = "request_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class RoutingFeedbackRow(Base):
    """A coordinator's redirect: this question should have gone to this person."""

    __tablename__ = "routing_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(Text)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxRow(Base):
    """A planned proactive message and its delivery state."""

    __tablename__ = "outbox"
    # The dispatcher claims due rows by state and due time.
    __table_args__ = (Index("ix_outbox_state_due", "state", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    # The participant whose question, name or address the message carries, when that is not the
    # recipient (a review card names the asker): their erasure cancels it (``storage/erasure_rules.py``).
    about_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SendBudgetRow(Base):
    """The app's send rate, shared by every dispatcher on the database (``OutboxRepository.reserve_send``)."""

    __tablename__ = "send_budget"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    # The earliest moment (Unix seconds, on the dispatchers' clocks) the next send may go.
    next_at: Mapped[float] = mapped_column(Float)


class ScheduleItemRow(Base):
    """A deadline or an event of the programme (its full definition as JSON)."""

    __tablename__ = "schedule_items"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # deadline | event
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The calendar entry's SEQUENCE (RFC 5545): up by one when the time or place changes, when the
    # item is cancelled and when it comes back, so calendars update the entry instead of adding one.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CalendarFeedRow(Base):
    """A participant's personal calendar feed: the secret its link is signed with.

    ``agenda nieuw`` replaces the secret, so every link signed with the old one stops working.
    """

    __tablename__ = "calendar_feeds"
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"),
                                                primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocumentRow(Base):
    """A handed-in file: who, what for, who may see it, and where the store keeps it."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("owner_id", "sha256", name="uq_documents_owner_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    deadline_id: Mapped[str | None] = mapped_column(String(64), index=True)
    consent: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    # Cards name a document by this random reference, never by the guessable id.
    public_ref: Mapped[str] = mapped_column(String(32), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CostSplitRow(Base):
    """The structured cost split next to a cost document; kept (anonymous) when the document goes."""

    __tablename__ = "cost_splits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), unique=True)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    pupils: Mapped[int | None] = mapped_column(Integer)
    parts: Mapped[dict[str, str]] = mapped_column(JSON)
    as_percentages: Mapped[bool] = mapped_column(Boolean)
    library: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UploadRow(Base):
    """One file someone sent the bot, counted against ``MAX_UPLOADS_PER_DAY`` (kept a day or two)."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_owner_received", "owner_id", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
