"""Sparring requests and their lifecycle: which transitions exist and who may make them.

A request moves from ``new`` through ``suggested`` (waiting for the coordinator) and
``assigned`` (waiting for the expert) to ``accepted`` (introduced) and ``closed``; it can end
as ``declined`` (by the coordinator) or ``withdrawn`` (by the asker). Anything else is refused.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.errors import DomainError


class State(enum.StrEnum):
    """Where a request is in its life."""

    NEW = "new"
    SUGGESTED = "suggested"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    CLOSED = "closed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Preference(enum.StrEnum):
    """Whom the asker would like to talk to."""

    ANY = "any"
    COLLEAGUE = "colleague"
    ADVISER = "adviser"


class Action(enum.StrEnum):
    """Everything that can happen to a request."""

    CREATE = "create"          # asker: the request exists
    ROUTE = "route"            # system: suggestions computed
    APPROVE = "approve"        # coordinator: the suggestion is fine
    REDIRECT = "redirect"      # coordinator: another person
    ANSWER_MYSELF = "answer_myself"
    DECLINE = "decline"        # coordinator: not a sparring question
    ACCEPT = "accept"          # expert
    EXPERT_DECLINE = "expert_decline"
    WITHDRAW = "withdraw"      # asker
    CLOSE = "close"            # asker feedback, or the coordinator


class Party(enum.StrEnum):
    """Who may make an action on a request."""

    COORDINATOR = "coordinator"
    ASSIGNEE = "assignee"    # the colleague or adviser the request is assigned to
    ASKER = "asker"


# Every action a person makes on an existing request, and who may make it. Checked before
# anything else about the request (its version, its state) is looked at.
WHO_MAY: dict[Action, Party] = {
    Action.APPROVE: Party.COORDINATOR,
    Action.REDIRECT: Party.COORDINATOR,
    Action.ANSWER_MYSELF: Party.COORDINATOR,
    Action.DECLINE: Party.COORDINATOR,
    Action.ACCEPT: Party.ASSIGNEE,
    Action.EXPERT_DECLINE: Party.ASSIGNEE,
    Action.WITHDRAW: Party.ASKER,
    Action.CLOSE: Party.ASKER,
}

OPEN_STATES = frozenset({State.NEW, State.SUGGESTED, State.ASSIGNED, State.ACCEPTED})

TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.ROUTE: (frozenset({State.NEW}), State.SUGGESTED),
    Action.APPROVE: (frozenset({State.SUGGESTED}), State.ASSIGNED),
    Action.REDIRECT: (frozenset({State.SUGGESTED, State.ASSIGNED}), State.ASSIGNED),
    Action.ANSWER_MYSELF: (frozenset({State.SUGGESTED, State.ASSIGNED}), State.ACCEPTED),
    Action.DECLINE: (frozenset({State.SUGGESTED, State.ASSIGNED}), State.DECLINED),
    Action.ACCEPT: (frozenset({State.ASSIGNED}), State.ACCEPTED),
    Action.EXPERT_DECLINE: (frozenset({State.ASSIGNED}), State.SUGGESTED),
    Action.WITHDRAW: (frozenset({State.NEW, State.SUGGESTED, State.ASSIGNED, State.ACCEPTED}), State.WITHDRAWN),
    Action.CLOSE: (frozenset({State.ACCEPTED}), State.CLOSED),
}


class InvalidTransition(DomainError):
    """The action is not possible in the request's current state (e.g. a second click)."""

    def __init__(self, request_id: int, state: State, action: Action):
        super().__init__(f"request {request_id} is {state.value}; cannot {action.value}")
        self.request_id, self.state, self.action = request_id, state, action


class NotAllowed(DomainError):
    """The actor does not have the role this action needs."""


class StaleRequest(DomainError):
    """Someone else changed the request between reading and writing it."""


def new_public_ref() -> str:
    """A random reference for cards (128 bits, URL-safe): a sequential id would let anyone try the next one."""
    return secrets.token_urlsafe(16)


def next_state(request_id: int, current: State, action: Action) -> State:
    """The state after ``action``, or :class:`InvalidTransition`."""
    allowed_from, target = TRANSITIONS[action]
    if current not in allowed_from:
        raise InvalidTransition(request_id, current, action)
    return target


@dataclass(frozen=True)
class Suggestion:
    """A person the router proposes, with its score and reasons."""

    person_id: str
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    """A question as the asker composed it, before it becomes a request."""

    text: str
    theme: str
    preference: Preference = Preference.ANY
    context: str = ""


@dataclass(frozen=True)
class SparringRequest:
    """A sparring question and where it stands."""

    id: int
    asker_id: int
    text: str
    theme: str
    preference: Preference
    context: str
    state: State
    created_at: datetime
    updated_at: datetime
    version: int = 1
    suggestions: tuple[Suggestion, ...] = ()
    assignee_id: str | None = None
    declined_by: tuple[str, ...] = ()
    note: str = ""
    rating: int | None = None
    comment: str = ""
    introduced_at: datetime | None = None
    public_ref: str = ""  # what cards carry instead of ``id``: random, so ids cannot be guessed

    @property
    def is_open(self) -> bool:
        """Still in progress (not closed, declined or withdrawn)."""
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class RequestEvent:
    """One recorded transition: who did what, when."""

    request_id: int
    at: datetime
    actor: str
    action: Action
    from_state: State | None
    to_state: State
    detail: dict[str, object] = field(default_factory=dict)


MIN_QUESTION_CHARS = 15
MAX_QUESTION_CHARS = 2000
MAX_CONTEXT_CHARS = 2000


def question_problem(text: str) -> str | None:
    """Why a question text is not acceptable (a catalogue key), or ``None`` when it is."""
    cleaned = " ".join((text or "").split())
    if len(cleaned) > MAX_QUESTION_CHARS:
        return "question.too_long"
    if len(cleaned) < MIN_QUESTION_CHARS or len(cleaned.split()) < 3:
        return "question.too_short"
    return None
