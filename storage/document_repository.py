"""Document and cost-split rows ↔ domain ``Document`` and ``CostSplit``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.cost_split import ANONYMOUS_LIBRARY_PREFIX, PARTICIPANT_LIBRARY_PREFIX, CostSplit
from bot.domain.documents import Consent, Document
from bot.domain.requests import new_public_ref
from storage.db import dialect_insert
from storage.tables import CostSplitRow, DocumentRow, ParticipantRow, UploadRow


class SqlDocumentRepository:
    """Implements ``bot.domain.ports.DocumentRepository`` on one session."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def add(self, document: Document) -> tuple[Document, bool]:
        """Insert; when the owner handed in the same content (sha256) before, return that one and False.

        On False the caller's newly stored file is not referenced and should be deleted.
        """
        existing = await self._by_owner_sha(document.owner_id, document.sha256)
        if existing is not None:
            return _to_document(existing), False
        values = dict(
            owner_id=document.owner_id, category=document.category, deadline_id=document.deadline_id,
            consent=Consent(document.consent).value, note=document.note, file_name=document.file_name[:255],
            stored_name=document.stored_name, size=document.size, sha256=document.sha256,
            content_type=document.content_type[:120], created_at=document.created_at,
            public_ref=document.public_ref or new_public_ref(),
        )
        # ON CONFLICT DO NOTHING rather than a savepoint: the same content from the same person
        # arriving twice at once keeps one row, and the transaction stays usable. (A SAVEPOINT as
        # the first statement on pysqlite would commit on release, outside this unit of work.)
        insert = dialect_insert(self._session.bind.dialect.name)
        await self._session.execute(
            insert(DocumentRow).values(**values).on_conflict_do_nothing(index_elements=["owner_id", "sha256"]))
        row = await self._by_owner_sha(document.owner_id, document.sha256)
        assert row is not None
        return _to_document(row), row.stored_name == document.stored_name

    async def get(self, document_id: int) -> Document | None:
        """One document by id."""
        row = await self._session.get(DocumentRow, document_id)
        return _to_document(row) if row else None

    async def by_ref(self, public_ref: str) -> Document | None:
        """The document a card's random reference names."""
        if not public_ref:
            return None
        row = (await self._session.scalars(select(DocumentRow).where(DocumentRow.public_ref == public_ref))).first()
        return _to_document(row) if row else None

    async def for_owner(self, owner_id: int) -> list[Document]:
        """Someone's own documents, newest first."""
        statement = select(DocumentRow).where(DocumentRow.owner_id == owner_id).order_by(DocumentRow.id.desc())
        return await self._documents(statement)

    async def shared(self, category: str | None = None) -> list[Document]:
        """Documents handed in with consent to share with participants, newest first."""
        statement = select(DocumentRow).where(DocumentRow.consent == Consent.PARTICIPANTS.value)
        if category is not None:
            statement = statement.where(DocumentRow.category == category)
        return await self._documents(statement.order_by(DocumentRow.id.desc()))

    async def by_deadline(self, deadline_id: str) -> list[Document]:
        """Documents handed in for one deadline, oldest first."""
        statement = select(DocumentRow).where(DocumentRow.deadline_id == deadline_id).order_by(DocumentRow.id)
        return await self._documents(statement)

    async def listing(self) -> list[Document]:
        """Every document, oldest first (for the coordinator's overview and exports)."""
        return await self._documents(select(DocumentRow).order_by(DocumentRow.id))

    async def categories_by_owner(self) -> dict[int, set[str]]:
        """Which categories each participant handed in (for deadline fulfilment)."""
        result: dict[int, set[str]] = {}
        rows = await self._session.execute(select(DocumentRow.owner_id, DocumentRow.category).distinct())
        for owner_id, category in rows.all():
            result.setdefault(owner_id, set()).add(category)
        return result

    async def add_cost_split(self, document_id: int, split: CostSplit, library: str, *,
                             now: datetime | None = None) -> None:
        """Store the split next to its document (replacing an earlier split of that document)."""
        row = await self._session.scalar(select(CostSplitRow).where(CostSplitRow.document_id == document_id))
        if now is None:
            document = await self._session.get(DocumentRow, document_id)
            now = document.created_at if document else datetime.now(UTC)
        columns = dict(total=split.total_per_year, pupils=split.pupils,
                       parts={k: str(v) for k, v in split.parts.items()}, as_percentages=split.as_percentages,
                       library=library[:200])
        if row is None:
            self._session.add(CostSplitRow(document_id=document_id, created_at=now, **columns))
        else:
            for key, value in columns.items():
                setattr(row, key, value)
        await self._session.flush()

    async def cost_split(self, document_id: int) -> CostSplit | None:
        """The split stored with one document."""
        row = await self._session.scalar(select(CostSplitRow).where(CostSplitRow.document_id == document_id))
        return _to_split(row) if row else None

    async def cost_splits(self) -> list[tuple[str, CostSplit]]:
        """Every split with its library, oldest first (``cost_split.aggregate`` keeps each library's latest)."""
        rows = (await self._session.scalars(select(CostSplitRow).order_by(CostSplitRow.id))).all()
        return [(row.library, _to_split(row)) for row in rows]

    async def delete_for_owner(self, owner_id: int) -> list[str]:
        """Delete someone's documents (AVG); returns the stored names whose files must go too.

        Their cost splits stay for the anonymous overview, detached from the document; a
        library key made from the participant id is replaced by an anonymous one.
        """
        rows = (await self._session.scalars(select(DocumentRow).where(DocumentRow.owner_id == owner_id))).all()
        ids = [row.id for row in rows]
        if not ids:
            return []
        await self._session.execute(
            update(CostSplitRow).where(CostSplitRow.document_id.in_(ids)).values(document_id=None)
            .execution_options(synchronize_session=False))
        own_key = f"{PARTICIPANT_LIBRARY_PREFIX}{owner_id}"
        await self._session.execute(
            update(CostSplitRow).where(CostSplitRow.library == own_key)
            .values(library=f"{ANONYMOUS_LIBRARY_PREFIX}{secrets.token_hex(8)}").execution_options(synchronize_session=False))
        stored = [row.stored_name for row in rows]
        await self._session.execute(
            delete(DocumentRow).where(DocumentRow.id.in_(ids)).execution_options(synchronize_session=False))
        return stored

    async def uploads_since(self, owner_id: int, since: datetime) -> list[datetime]:
        """When the owner's files since ``since`` arrived, oldest first.

        Locks the owner's participant row first (PostgreSQL; SQLite's transactions are
        IMMEDIATE and so one at a time already), so two instances counting the same person's
        uploads at once take turns and neither lets the limit be passed.
        """
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(
                select(ParticipantRow.id).where(ParticipantRow.id == owner_id).with_for_update())
        statement = (select(UploadRow.received_at)
                     .where(UploadRow.owner_id == owner_id, UploadRow.received_at > since)
                     .order_by(UploadRow.received_at))
        return [_aware(moment) for moment in (await self._session.scalars(statement)).all()]

    async def record_uploads(self, owner_id: int, count: int, *, now: datetime, forget_before: datetime) -> None:
        """Count ``count`` new files for the owner; their rows from ``forget_before`` or earlier go."""
        await self._session.execute(
            delete(UploadRow).where(UploadRow.owner_id == owner_id, UploadRow.received_at <= forget_before)
            .execution_options(synchronize_session=False))
        self._session.add_all([UploadRow(owner_id=owner_id, received_at=now) for _ in range(count)])
        await self._session.flush()

    async def _by_owner_sha(self, owner_id: int, sha256: str) -> DocumentRow | None:
        return await self._session.scalar(
            select(DocumentRow).where(DocumentRow.owner_id == owner_id, DocumentRow.sha256 == sha256))

    async def _documents(self, statement) -> list[Document]:  # type: ignore[no-untyped-def]
        return [_to_document(r) for r in (await self._session.scalars(statement)).all()]


def _to_document(row: DocumentRow) -> Document:
    return Document(
        id=row.id, owner_id=row.owner_id, category=row.category, deadline_id=row.deadline_id,
        consent=Consent(row.consent), note=row.note, file_name=row.file_name, stored_name=row.stored_name,
        size=row.size, sha256=row.sha256, content_type=row.content_type, created_at=_aware(row.created_at),
        public_ref=row.public_ref,
    )


def _to_split(row: CostSplitRow) -> CostSplit:
    return CostSplit(total_per_year=Decimal(str(row.total)), pupils=row.pupils,
                     parts={k: Decimal(str(v)) for k, v in (row.parts or {}).items()},
                     as_percentages=bool(row.as_percentages))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone=True columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


