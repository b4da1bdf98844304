"""An in-memory ``Notifications`` that records what would have been sent."""

from __future__ import annotations

from bot.domain.ports import UnitOfWork
from bot.domain.requests import SparringRequest


class RecordingNotifications:
    """Implements ``bot.domain.ports.Notifications``; ``events`` lists (kind, request id, extra)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, str]] = []

    def _record(self, uow: UnitOfWork, kind: str, request: SparringRequest, extra: str) -> None:
        # Recorded when the use case commits, as the real ones are sent: a rolled-back decision tells nobody.
        uow.after_commit(lambda: self.events.append((kind, request.id, extra)))

    async def review_needed(self, uow: UnitOfWork, request: SparringRequest, *, note: str = "") -> None:
        self._record(uow, "review_needed", request, note)

    async def introduction_offered(self, uow: UnitOfWork, request: SparringRequest) -> None:
        self._record(uow, "introduction_offered", request, request.assignee_id or "")

    async def introduced(self, uow: UnitOfWork, request: SparringRequest) -> None:
        self._record(uow, "introduced", request, request.assignee_id or "")

    async def declined(self, uow: UnitOfWork, request: SparringRequest) -> None:
        self._record(uow, "declined", request, request.note)

    async def withdrawn(self, uow: UnitOfWork, request: SparringRequest) -> None:
        self._record(uow, "withdrawn", request, "")

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.events]
