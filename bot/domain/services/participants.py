"""Who is who: record the Teams users the bot sees and link them to directory people."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.domain.clock import Clock
from bot.domain.models import Address, Participant, ParticipantSeen
from bot.domain.ports import LinkNotifications, UnitOfWork, UnitOfWorkFactory
from bot.domain.services.identity import settle_link


class ParticipantService:
    """Keeps the participants table in step with what Teams tells us."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, *, reads: UnitOfWorkFactory | None = None,
                 link_notifications: LinkNotifications | None = None, trusted_tenants: Collection[str] = ()):
        """Args:
            uow_factory: Units of work that write.
            clock: The clock.
            reads: Units of work that only read (cheaper on PostgreSQL); ``uow_factory`` if not given.
            link_notifications: Tells the coordinators when a display name proposes a link.
            trusted_tenants: Tenants whose reported e-mail and object id may link (empty: any).
        """
        self._uow_factory = uow_factory
        self._reads = reads or uow_factory
        self._clock = clock
        self._link_notifications = link_notifications
        self._trusted_tenants = frozenset(t.lower() for t in trusted_tenants)

    async def record_seen(self, seen: ParticipantSeen, address: Address | None = None) -> Participant:
        """Upsert the participant behind an activity and remember how to reach them.

        Args:
            seen: Ids, name, e-mail and locale from the activity (and Teams, when fetched).
            address: The personal conversation's reference, when the activity came from one.

        Returns:
            The participant as stored, linked to a directory person only on a verified
            identifier or the coordinator's confirmation (``bot.domain.linking``).
        """
        async with self._uow_factory() as uow:
            participant = await self._upsert_and_link(uow, seen)
            if address is not None:
                await uow.participants.set_address(participant.id, address, now=self._clock.now())
            await uow.commit()
        return await self.get(participant.id) or participant

    async def record_roster(self, members: Iterable[ParticipantSeen]) -> int:
        """Record every member of the programme's team (one transaction for the whole roster).

        Returns:
            How many members were recorded.
        """
        count = 0
        async with self._uow_factory() as uow:
            for seen in members:
                await self._upsert_and_link(uow, seen)
                count += 1
            await uow.commit()
        return count

    async def record_removed(self, teams_ids: Iterable[str]) -> int:
        """Deactivate members who left the team; they are never deleted."""
        changed = 0
        async with self._uow_factory() as uow:
            for teams_id in teams_ids:
                changed += await uow.participants.set_active(teams_id, False, now=self._clock.now())
            await uow.commit()
        return changed

    async def get(self, participant_id: int) -> Participant | None:
        """Load one participant."""
        async with self._uow_factory() as uow:
            return await uow.participants.get(participant_id)

    async def by_teams_id(self, teams_id: str) -> Participant | None:
        """Load a participant by their Teams user id (every turn does: read-only)."""
        async with self._reads() as uow:
            return await uow.participants.by_teams_id(teams_id)

    async def _upsert_and_link(self, uow: UnitOfWork, seen: ParticipantSeen) -> Participant:
        participant = await uow.participants.upsert(seen, now=self._clock.now())
        await settle_link(uow, participant, now=self._clock.now(), trusted_tenants=self._trusted_tenants,
                          notifications=self._link_notifications)
        return participant
