"""Import a programme file into the directory: idempotent, never deleting anyone."""

from __future__ import annotations

from collections.abc import Collection

from bot.domain.clock import Clock
from bot.domain.models import Directory, ImportResult
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory
from bot.domain.services.identity import reconcile_links
from bot.domain.services.schedule_changes import plan_change_messages, schedule_snapshot


async def import_directory(uow_factory: UnitOfWorkFactory, clock: Clock, directory: Directory, *,
                           trusted_tenants: Collection[str] = ()) -> ImportResult:
    """Store the programme and people of ``directory`` in one transaction.

    People missing from the file are deactivated (their history stays); every link is checked
    again (``bot.domain.services.identity.reconcile_links``): participants whose reported e-mail
    or object id now matches a person are linked to them, and links the new directory no longer
    supports (a person given an e-mail that is not theirs) are undone.

    Args:
        uow_factory: Makes the unit of work.
        clock: Timestamps the changes.
        directory: The validated file content.
        trusted_tenants: Tenants whose reported identifiers may link (empty: any).

    Returns:
        Counts of added, updated, unchanged and deactivated people.
    """
    now = clock.now()
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    async with uow_factory() as uow:
        await uow.directory.save_programme(directory.programme)
        for person in directory.people:
            counts[await uow.directory.save_person(person, now=now)] += 1
        deactivated = await uow.directory.deactivate_people_except(
            [p.id for p in directory.people], now=now
        )
        before = await schedule_snapshot(uow)
        for item_id in await uow.schedule.replace_all(directory.deadlines, directory.events, now=now):
            await drop_planned(uow, item_id)
        await plan_change_messages(uow, before, now=now)
        await reconcile_links(uow, now=now, trusted_tenants=trusted_tenants)
        await uow.commit()
    return ImportResult(deactivated=deactivated, **counts)


async def drop_planned(uow: UnitOfWork, item_id: str) -> None:
    """A deadline or event changed: its pending messages are planned again from the new version."""
    await uow.outbox.drop_pending(f"deadline:{item_id}:")
    await uow.outbox.drop_pending(f"event:{item_id}:")


async def directory_is_empty(uow_factory: UnitOfWorkFactory) -> bool:
    """True when no person has ever been imported."""
    async with uow_factory() as uow:
        return not await uow.directory.people()
