"""Link proposal rows ↔ domain ``LinkProposal``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import LinkProposal, LinkState
from storage.tables import LinkProposalRow


class SqlLinkProposalRepository:
    """Implements ``bot.domain.ports.LinkProposalRepository`` on one session."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def add(self, participant_id: int, person_id: str, *, teams_name: str,
                  now: datetime) -> LinkProposal | None:
        """A new pending proposal, or ``None`` when this pair was proposed before (in any state).

        A rejected pair is never proposed again, so a renamed account cannot nag the coordinator.
        """
        existing = (await self._session.scalars(select(LinkProposalRow).where(
            LinkProposalRow.participant_id == participant_id, LinkProposalRow.person_id == person_id))).first()
        if existing is not None:
            return None
        row = LinkProposalRow(participant_id=participant_id, person_id=person_id, teams_name=teams_name[:200],
                              state=LinkState.PENDING.value, created_at=now)
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:
            return None  # another turn proposed the same pair a moment ago
        return _to_proposal(row)

    async def get(self, proposal_id: int) -> LinkProposal | None:
        """One proposal by id."""
        row = await self._session.get(LinkProposalRow, proposal_id)
        return _to_proposal(row) if row else None

    async def pending(self, *, participant_id: int | None = None, person_id: str | None = None) -> list[LinkProposal]:
        """Pending proposals, oldest first, optionally for one participant or one person."""
        statement = select(LinkProposalRow).where(LinkProposalRow.state == LinkState.PENDING.value)
        if participant_id is not None:
            statement = statement.where(LinkProposalRow.participant_id == participant_id)
        if person_id is not None:
            statement = statement.where(LinkProposalRow.person_id == person_id)
        rows = await self._session.scalars(statement.order_by(LinkProposalRow.id))
        return [_to_proposal(r) for r in rows.all()]

    async def decide(self, proposal_id: int, state: LinkState, *, by: int | None, now: datetime) -> bool:
        """Move a *pending* proposal to ``state``; False when it was decided already.

        One conditional UPDATE: of two coordinators clicking at once, exactly one decides.
        """
        statement = (update(LinkProposalRow)
                     .where(LinkProposalRow.id == proposal_id, LinkProposalRow.state == LinkState.PENDING.value)
                     .values(state=state.value, decided_at=now, decided_by=by))
        result = await self._session.execute(statement)
        return bool(result.rowcount)


def _to_proposal(row: Any) -> LinkProposal:
    return LinkProposal(id=row.id, participant_id=row.participant_id, person_id=row.person_id,
                        teams_name=row.teams_name, state=LinkState(row.state), created_at=row.created_at,
                        decided_at=row.decided_at, decided_by=row.decided_by)
