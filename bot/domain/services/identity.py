"""Links between Teams accounts and directory people: verified ones at once, name look-alikes by the coordinator.

The rule itself lives in ``bot.domain.linking``; this module applies it inside units of work:
when an account is seen (``settle_link``), when the directory changes (``reconcile_links``),
and when the coordinator answers a proposal (``LinkDecisions``).
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.linking import LinkMethod, link_holds, name_candidates, verified_person
from bot.domain.models import LinkProposal, LinkState, Participant, Person
from bot.domain.ports import LinkNotifications, UnitOfWork, UnitOfWorkFactory
from bot.domain.services.roles import require_coordinator

log = logging.getLogger(__name__)


def tenant_trusted(participant: Participant, trusted_tenants: Collection[str]) -> bool:
    """True when the account's tenant may vouch for its e-mail and object id.

    Args:
        participant: The account.
        trusted_tenants: The programme's tenants (lowercase); empty trusts every tenant.
    """
    if not trusted_tenants:
        return True
    return (participant.tenant_id or "").strip().lower() in trusted_tenants


async def settle_link(uow: UnitOfWork, participant: Participant, *, now: datetime,
                      trusted_tenants: Collection[str] = (),
                      notifications: LinkNotifications | None = None) -> None:
    """Bring one participant's link in line with the rule, in ``uow``'s transaction.

    A link that no longer holds is undone; a verified match links at once (and overtakes any
    proposal for that account or person); otherwise a display name that looks like a directory
    person's becomes a proposal for the coordinators, and gives no rights.

    Args:
        uow: The unit of work of the caller, which commits.
        participant: The account as just stored.
        now: Timestamps the changes.
        trusted_tenants: See :func:`tenant_trusted`.
        notifications: Tells the coordinators of new proposals (none: proposals are only stored).
    """
    trusted = tenant_trusted(participant, trusted_tenants)
    people = await uow.directory.people()
    if participant.person_id:
        person = next((p for p in people if p.id == participant.person_id), None)
        method = link_holds(participant, person, trusted=trusted)
        if method is not None:
            if method != participant.link_method:
                await uow.participants.link_person(participant.id, participant.person_id, now=now, method=method)
            return
        log.warning("participant %d unlinked from %s: the link is not verified", participant.id,
                    participant.person_id)
        await uow.participants.link_person(participant.id, None, now=now)
    active = [p for p in people if p.active]
    match = verified_person(participant, active, trusted=trusted)
    if match is not None:
        person, method = match
        await uow.participants.link_person(participant.id, person.id, now=now, method=method)
        await _withdraw_overtaken(uow, participant.id, person, now=now)
        return
    taken = await uow.participants.linked_person_ids()
    for person in name_candidates(participant, active, taken=taken):
        proposal = await uow.links.add(participant.id, person.id, teams_name=participant.name or "", now=now)
        if proposal is not None:
            log.info("participant %d looks like %s by name: proposed to the coordinator (proposal %d)",
                     participant.id, person.id, proposal.id)
            if notifications is not None:
                await notifications.link_proposed(uow, proposal)


async def reconcile_links(uow: UnitOfWork, *, now: datetime, trusted_tenants: Collection[str] = ()) -> int:
    """Re-check every link and every identified account against the directory (after an import).

    An e-mail or object id added to the directory links its account and undoes a link to anyone
    else; a changed e-mail undoes the old one's link.

    Returns:
        How many participants' links changed.
    """
    changed = 0
    people = await uow.directory.people()
    for participant in await uow.participants.linked():
        person = next((p for p in people if p.id == participant.person_id), None)
        method = link_holds(participant, person, trusted=tenant_trusted(participant, trusted_tenants))
        if method is None:
            await uow.participants.link_person(participant.id, None, now=now)
            changed += 1
        elif method != participant.link_method:
            await uow.participants.link_person(participant.id, participant.person_id, now=now, method=method)
    active = [p for p in people if p.active]
    for participant in await uow.participants.unlinked_identified():
        match = verified_person(participant, active, trusted=tenant_trusted(participant, trusted_tenants))
        if match is not None:
            await uow.participants.link_person(participant.id, match[0].id, now=now, method=match[1])
            await _withdraw_overtaken(uow, participant.id, match[0], now=now)
            changed += 1
    # Proposals for people the directory now gives an identifier can no longer be confirmed.
    for person in people:
        if person.has_identifiers:
            for proposal in await uow.links.pending(person_id=person.id):
                await uow.links.decide(proposal.id, LinkState.WITHDRAWN, by=None, now=now)
    return changed


async def _withdraw_overtaken(uow: UnitOfWork, participant_id: int, person: Person, *, now: datetime) -> None:
    proposals = {p.id: p for p in await uow.links.pending(participant_id=participant_id)}
    proposals.update({p.id: p for p in await uow.links.pending(person_id=person.id)})
    for proposal_id in proposals:
        await uow.links.decide(proposal_id, LinkState.WITHDRAWN, by=None, now=now)


class LinkOutcome(enum.StrEnum):
    """What became of the coordinator's answer to a proposal."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    ALREADY = "already"  # decided before (by this or another coordinator), or withdrawn
    IMPOSSIBLE = "impossible"  # the person has an identifier now, or someone is linked already


@dataclass(frozen=True)
class LinkDecision:
    """The outcome, with the proposal and both sides as they are now (for the updated card).

    ``actor_name`` is who decided, as the card names them: their directory person's name, else
    their Teams name, else ``"?"``.
    """

    outcome: LinkOutcome
    proposal: LinkProposal | None
    participant: Participant | None
    person: Person | None
    actor_name: str = "?"


class LinkDecisions:
    """The coordinator's answers to link proposals, and the list of those still open."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock):
        """Args:
            uow_factory: Units of work that write.
            clock: Timestamps the decisions.
        """
        self._uow_factory = uow_factory
        self._clock = clock

    async def pending(self, actor: Participant) -> list[tuple[LinkProposal, Participant, Person]]:
        """Open proposals with their account and person (coordinators only).

        Raises:
            NotAllowed: ``actor`` is not a coordinator.
        """
        async with self._uow_factory() as uow:
            await require_coordinator(uow, actor)
            found = []
            for proposal in await uow.links.pending():
                participant = await uow.participants.get(proposal.participant_id)
                person = await uow.directory.person(proposal.person_id)
                if participant is not None and person is not None:
                    found.append((proposal, participant, person))
            return found

    async def decide(self, actor: Participant, proposal_id: int, *, confirm: bool) -> LinkDecision:
        """Confirm or reject one proposal; who may act is checked before anything is read.

        A confirmed link holds only while the person has no e-mail or object id in the
        directory and nobody else is linked to them; otherwise the proposal is withdrawn.

        Raises:
            NotAllowed: ``actor`` is not a coordinator.
        """
        now = self._clock.now()
        async with self._uow_factory() as uow:
            await require_coordinator(uow, actor)
            # Read before deciding: after the decision's commit a read would begin a write transaction.
            actor_person = await uow.directory.person(actor.person_id) if actor.person_id else None
            decision = await self._decide(uow, actor, proposal_id, confirm=confirm, now=now)
        return dataclasses.replace(decision, actor_name=actor_person.name if actor_person else (actor.name or "?"))

    @staticmethod
    async def _decide(uow: UnitOfWork, actor: Participant, proposal_id: int, *, confirm: bool,
                      now: datetime) -> LinkDecision:
        """The decision inside ``decide``'s unit of work (committed here when something changed)."""
        proposal = await uow.links.get(proposal_id)
        if proposal is None:
            return LinkDecision(LinkOutcome.ALREADY, None, None, None)
        participant = await uow.participants.get(proposal.participant_id)
        person = await uow.directory.person(proposal.person_id)
        if proposal.state is not LinkState.PENDING:
            return LinkDecision(LinkOutcome.ALREADY, proposal, participant, person)
        if not confirm:
            decided = await uow.links.decide(proposal.id, LinkState.REJECTED, by=actor.id, now=now)
            await uow.commit()
            return LinkDecision(LinkOutcome.REJECTED if decided else LinkOutcome.ALREADY, proposal,
                                participant, person)
        others = [p for p in await uow.participants.linked(proposal.person_id)
                  if participant is None or p.id != participant.id]
        if (participant is None or person is None or not person.active or person.has_identifiers
                or participant.person_id or others):
            await uow.links.decide(proposal.id, LinkState.WITHDRAWN, by=actor.id, now=now)
            await uow.commit()
            return LinkDecision(LinkOutcome.IMPOSSIBLE, proposal, participant, person)
        if not await uow.links.decide(proposal.id, LinkState.CONFIRMED, by=actor.id, now=now):
            return LinkDecision(LinkOutcome.ALREADY, proposal, participant, person)
        await uow.participants.link_person(participant.id, person.id, now=now, method=LinkMethod.COORDINATOR)
        await _withdraw_overtaken(uow, participant.id, person, now=now)
        linked = await uow.participants.get(participant.id)  # as the link left it, in the same transaction
        await uow.commit()
        log.info("proposal %d confirmed: participant %d linked to %s by participant %d", proposal.id,
                 participant.id, person.id, actor.id)
        return LinkDecision(LinkOutcome.CONFIRMED, proposal, linked, person)
