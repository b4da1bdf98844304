"""Moved and cancelled deadlines and sessions: who was told about them hears what changed.

The calendar rules (SEQUENCE up on a change of time or place, on cancelling and on coming back)
are in :mod:`bot.domain.calendar`; this compares two readings of the schedule within the unit of
work that changed it and plans the chat messages in the outbox, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.domain.calendar import DEADLINE, CalendarEntry, ScheduleChange, changes_between
from bot.domain.deadlines import Deadline, Event
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWork

# The outbox kind of the chat message about a moved or cancelled deadline or session.
CHANGE_KIND = "schedule_change"
# Who counts as told about an item: whoever was sent one of these about it.
TOLD_KINDS = ("deadline_reminder", "event_announcement", "event_reminder")


async def schedule_snapshot(uow: UnitOfWork) -> dict[str, CalendarEntry]:
    """The schedule as calendars see it now, by item id: read before a change, to compare after."""
    return {e.item.id: e for e in await uow.schedule.entries()}


async def plan_change_messages(uow: UnitOfWork, before: Mapping[str, CalendarEntry], *,
                               now: datetime) -> list[ScheduleChange]:
    """Plan a chat message to everyone who was told about an item that moved, was cancelled or came back.

    Call it in the unit of work that made the change, after the change: it compares the schedule
    with ``before`` (:func:`schedule_snapshot`). Each message is keyed by item, SEQUENCE and
    recipient, so planning twice sends once. They go at once: the coordinator just made the change.

    Returns:
        The changes found.
    """
    changes = changes_between(before, await schedule_snapshot(uow))
    for change in changes:
        entry = change.after
        told = await uow.outbox.sent_recipients(f"{entry.kind}:{entry.item.id}:", TOLD_KINDS)
        await uow.outbox.plan([OutboxMessage(key=f"change:{entry.kind}:{entry.item.id}:s{entry.sequence}:p{r}",
                                             recipient_id=r, kind=CHANGE_KIND, due_at=now,
                                             payload=change_payload(change)) for r in told], now=now)
    return changes


def change_payload(change: ScheduleChange) -> dict[str, Any]:
    """What the change message needs beyond the item's current version: how it was before."""
    before = change.before.item
    was: dict[str, Any] = ({"due": before.due_local.isoformat()} if isinstance(before, Deadline) else
                           {"starts": before.starts_local.isoformat(),
                            "ends": before.ends_local.isoformat() if before.ends_local else None,
                            "place": before.place})
    return {"subject_id": change.after.item.id, "item_kind": change.after.kind, "what": change.what,
            "sequence": change.after.sequence, "before": was}


def before_from_payload(payload: Mapping[str, Any], current: Deadline | Event) -> Deadline | Event:
    """The item as it was before the change (the current one with the old time and place)."""
    was = payload.get("before") if isinstance(payload.get("before"), dict) else {}
    try:
        if payload.get("item_kind") == DEADLINE and isinstance(current, Deadline):
            return replace(current, due_local=datetime.fromisoformat(was["due"]))
        if isinstance(current, Event):
            return replace(current, starts_local=datetime.fromisoformat(was["starts"]),
                           ends_local=datetime.fromisoformat(was["ends"]) if was.get("ends") else None,
                           place=str(was.get("place") or ""))
    except (KeyError, TypeError, ValueError):
        pass
    return current
