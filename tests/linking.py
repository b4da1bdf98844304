"""Test helper: the coordinator confirms every open link proposal, as Dia does on her cards."""

from __future__ import annotations

from bot.domain.clock import Clock
from bot.domain.models import Participant
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.identity import LinkDecisions


async def confirm_all_proposals(uow_factory: UnitOfWorkFactory, clock: Clock, coordinator: Participant) -> int:
    """Confirm each pending proposal (the first of several for one account wins); returns how many linked."""
    decisions = LinkDecisions(uow_factory=uow_factory, clock=clock)
    linked = 0
    for proposal, _, _ in await decisions.pending(coordinator):
        linked += (await decisions.decide(coordinator, proposal.id, confirm=True)).outcome == "confirmed"
    return linked
