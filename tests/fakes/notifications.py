"""An in-memory ``Notifications`` that records what would have been sent."""

from __future__ import annotations

from bot.domain.requests import SparringRequest


class RecordingNotifications:
    """Implements ``bot.domain.ports.Notifications``; ``events`` lists (kind, request id, extra)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, str]] = []

    async def review_needed(self, request: SparringRequest, *, note: str = "") -> None:
        self.events.append(("review_needed", request.id, note))

    async def introduction_offered(self, request: SparringRequest) -> None:
        self.events.append(("introduction_offered", request.id, request.assignee_id or ""))

    async def introduced(self, request: SparringRequest) -> None:
        self.events.append(("introduced", request.id, request.assignee_id or ""))

    async def declined(self, request: SparringRequest) -> None:
        self.events.append(("declined", request.id, request.note))

    async def withdrawn(self, request: SparringRequest) -> None:
        self.events.append(("withdrawn", request.id, ""))

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.events]
