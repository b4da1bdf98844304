"""Deadlines and events ↔ rows (each definition kept whole as JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import CalendarEntry, next_sequence
from bot.domain.deadlines import Audience, Deadline, Event, Fulfilment
from storage.tables import ScheduleItemRow


class SqlScheduleRepository:
    """Implements ``bot.domain.ports.ScheduleRepository`` on one session."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def replace_all(self, deadlines: Sequence[Deadline], events: Sequence[Event], *,
                          now: datetime) -> list[str]:
        """Store the file's deadlines and events; returns the ids that changed.

        Items no longer in the file are deactivated, not deleted; items the coordinator made
        in Teams are left alone (the file does not know them).
        """
        changed = []
        for item in [*deadlines, *events]:
            if await self.save(item, now=now, source="file"):
                changed.append(item.id)
        gone = (await self._session.scalars(select(ScheduleItemRow).where(
            ScheduleItemRow.id.not_in([i.id for i in [*deadlines, *events]]), ScheduleItemRow.active.is_(True)))).all()
        for row in gone:
            if row.spec.get("source") != "teams":
                # Cancelled: calendars keep the entry, marked cancelled, so the SEQUENCE goes up.
                row.active, row.updated_at, row.sequence = False, now, (row.sequence or 0) + 1
                changed.append(row.id)
        return changed

    async def save(self, item: Deadline | Event, *, now: datetime, source: str) -> bool:
        """Insert or update one deadline or event; True when something changed."""
        kind = "deadline" if isinstance(item, Deadline) else "event"
        spec = {**(_deadline_spec(item) if isinstance(item, Deadline) else _event_spec(item)), "source": source}
        row = await self._session.get(ScheduleItemRow, item.id)
        if row is None:
            self._session.add(ScheduleItemRow(id=item.id, kind=kind, spec=spec, active=True, updated_at=now,
                                              sequence=0))
            return True
        if row.spec == spec and row.active and row.kind == kind:
            return False
        before = _item(row.kind, row.spec) if row.kind in ("deadline", "event") else None
        row.sequence = next_sequence(row.sequence or 0, before=before, after=item, was_cancelled=not row.active)
        row.kind, row.spec, row.active, row.updated_at = kind, spec, True, now
        return True

    async def cancel(self, item_id: str, *, now: datetime) -> bool:
        """Take an active deadline or session off the programme (calendars show it cancelled).

        Returns:
            False when there is no such active item.
        """
        row = await self._session.get(ScheduleItemRow, item_id)
        if row is None or not row.active:
            return False
        row.active, row.updated_at, row.sequence = False, now, (row.sequence or 0) + 1
        return True

    async def entries(self) -> list[CalendarEntry]:
        """Every item ever scheduled, cancelled ones too, as calendar entries, soonest first."""
        rows = (await self._session.scalars(select(ScheduleItemRow))).all()
        entries = [CalendarEntry(_item(r.kind, r.spec), sequence=r.sequence or 0, cancelled=not r.active,
                                 changed_at=_aware(r.updated_at))
                   for r in rows if r.kind in ("deadline", "event")]
        return sorted(entries, key=lambda e: (_moment(e.item), e.item.id))

    async def deadlines(self) -> list[Deadline]:
        """Active deadlines, soonest first."""
        rows = await self._rows("deadline")
        return sorted((_deadline(r.spec) for r in rows), key=lambda d: d.due_local)

    async def events(self) -> list[Event]:
        """Active events, soonest first."""
        rows = await self._rows("event")
        return sorted((_event(r.spec) for r in rows), key=lambda e: e.starts_local)

    async def _rows(self, kind: str) -> Sequence[ScheduleItemRow]:
        statement = select(ScheduleItemRow).where(ScheduleItemRow.kind == kind, ScheduleItemRow.active.is_(True))
        return (await self._session.scalars(statement)).all()


def _audience_spec(audience: Audience) -> dict[str, Any]:
    return {"kind": audience.kind, "role": audience.role, "people": list(audience.people)}


def _deadline_spec(d: Deadline) -> dict[str, Any]:
    return {"id": d.id, "title": d.title, "description": d.description, "due": d.due_local.isoformat(),
            "audience": _audience_spec(d.audience),
            "fulfilment": {"question_theme": d.fulfilment.question_theme,
                           "documents": list(d.fulfilment.document_categories),
                           "require_all": d.fulfilment.require_all},
            "reminder_days": list(d.reminder_days), "reminder_time": d.reminder_time.isoformat()}


def _event_spec(e: Event) -> dict[str, Any]:
    return {"id": e.id, "title": e.title, "description": e.description, "starts": e.starts_local.isoformat(),
            "ends": e.ends_local.isoformat() if e.ends_local else None, "place": e.place,
            "audience": _audience_spec(e.audience), "announce_days": e.announce_days,
            "reminder_time": e.reminder_time.isoformat()}


def _audience(spec: dict[str, Any]) -> Audience:
    return Audience(kind=spec["kind"], role=spec.get("role"), people=tuple(spec.get("people") or ()))


def _deadline(spec: dict[str, Any]) -> Deadline:
    fulfilment = spec["fulfilment"]
    return Deadline(id=spec["id"], title=spec["title"], description=spec.get("description", ""),
                    due_local=datetime.fromisoformat(spec["due"]), audience=_audience(spec["audience"]),
                    fulfilment=Fulfilment(question_theme=fulfilment.get("question_theme"),
                                          document_categories=tuple(fulfilment.get("documents") or ()),
                                          require_all=bool(fulfilment.get("require_all"))),
                    reminder_days=tuple(spec["reminder_days"]), reminder_time=time.fromisoformat(spec["reminder_time"]))


def _event(spec: dict[str, Any]) -> Event:
    return Event(id=spec["id"], title=spec["title"], description=spec.get("description", ""),
                 starts_local=datetime.fromisoformat(spec["starts"]),
                 ends_local=datetime.fromisoformat(spec["ends"]) if spec.get("ends") else None,
                 place=spec.get("place", ""), audience=_audience(spec["audience"]),
                 announce_days=int(spec.get("announce_days", 21)),
                 reminder_time=time.fromisoformat(spec["reminder_time"]))


def _item(kind: str, spec: dict[str, Any]) -> Deadline | Event:
    return _deadline(spec) if kind == "deadline" else _event(spec)


def _moment(item: Deadline | Event) -> datetime:
    return item.due_local if isinstance(item, Deadline) else item.starts_local


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
