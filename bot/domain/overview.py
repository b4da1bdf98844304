"""What the coordinator's overview shows: pages of requests, filters, and the programme's figures.

Plain data; the queries that fill it are ``storage.overview_repository``, the use cases
``bot.domain.services.overview``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.requests import RequestEvent, SparringRequest, State

PAGE_SIZE = 25
MAX_SEARCH_CHARS = 100


@dataclass(frozen=True)
class RequestFilter:
    """Which requests a page lists: by state (none: all), matching a search text, which page."""

    states: tuple[State, ...] = ()
    search: str = ""
    page: int = 1

    @property
    def offset(self) -> int:
        """Rows to skip for this page."""
        return (self.page - 1) * PAGE_SIZE


@dataclass(frozen=True)
class RequestListItem:
    """One request as the list shows it, with the names the list needs (no further reads)."""

    request: SparringRequest
    asker_name: str
    library: str
    suggested: str
    assigned: str


@dataclass(frozen=True)
class RequestPage:
    """A page of requests and how many match in all."""

    items: list[RequestListItem]
    total: int
    filter: RequestFilter
    counts_by_state: dict[State, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages the matching requests fill (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class RequestDetail:
    """One request with its history, for the request's own page."""

    item: RequestListItem
    events: list[RequestEvent]
    actor_names: dict[str, str]


@dataclass(frozen=True)
class RequestTimes:
    """What the health figures need of one request: when it came, was introduced, was first answered."""

    created_at: datetime
    state: State
    introduced_at: datetime | None
    first_answer_at: datetime | None
    assignee_id: str | None
    rating: int | None
    feedback_asked: bool
