"""Handing in documents: receive (checked, stored, never overwritten), describe, share."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.clock import Clock
from bot.domain.cost_split import PARTICIPANT_LIBRARY_PREFIX, CostAggregate, CostSplit, aggregate, validate_cost_split
from bot.domain.documents import (
    CATEGORIES,
    COST_CATEGORY,
    Consent,
    Document,
    UploadLimitReached,
    UploadRefused,
    check_upload,
    inspect_file,
    sanitise_file_name,
)
from bot.domain.file_store import FileStore
from bot.domain.libraries import who
from bot.domain.models import Participant
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.requests import NotAllowed
from bot.domain.services.libraries import split_owners
from bot.domain.services.roles import is_coordinator, people_by_id, require_coordinator

ZIP_BASED = ("docx", "xlsx", "pptx", "odt", "ods", "odp")
UPLOAD_WINDOW = timedelta(days=1)  # MAX_UPLOADS_PER_DAY counts the files of the last 24 hours


@dataclass(frozen=True)
class PendingUpload:
    """A received file waiting for its description (kept in the chat's state until then)."""

    file_name: str
    stored_name: str
    size: int
    sha256: str
    content_type: str

    def to_json(self) -> dict[str, object]:
        """Plain data for the conversation state."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Examples:
    """What the examples card shows: the shared documents and their owners' labels by participant id."""

    documents: list[Document]
    owners: dict[int, str]


class DocumentService:
    """Use cases around handed-in files."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, store: FileStore, max_bytes: int,
                 max_files_per_message: int = 5, max_uploads_per_day: int = 30):
        self._uow_factory = uow_factory
        self._clock = clock
        self._store = store
        self._max_bytes = max_bytes
        self._max_files_per_message = max_files_per_message
        self._max_uploads_per_day = max_uploads_per_day

    async def admit(self, owner: Participant, count: int) -> None:
        """Count the ``count`` files of one message against the owner's limits, before any is fetched.

        All or nothing: a message over a limit is refused as a whole and counts for nothing.
        Attempts count, not successes, so a refused or failed file still used a place (the
        limit is there to bound the bot's downloading, not only what it keeps).

        Raises:
            UploadRefused: ``upload.too_many``: more files in one message than allowed.
            UploadLimitReached: The owner's files of the last 24 hours plus these pass the limit.
        """
        per_message = min(self._max_files_per_message, self._max_uploads_per_day)
        if count > per_message:
            raise UploadRefused("upload.too_many", count=count, max=per_message)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            recent = await uow.documents.uploads_since(owner.id, now - UPLOAD_WINDOW)
            over = len(recent) + count - self._max_uploads_per_day
            if over > 0:
                # count <= the daily limit, so ``over`` of the counted files must age out first.
                raise UploadLimitReached(limit=self._max_uploads_per_day, count=count,
                                         left=max(0, self._max_uploads_per_day - len(recent)),
                                         retry_at=recent[over - 1] + UPLOAD_WINDOW)
            await uow.documents.record_uploads(owner.id, count, now=now, forget_before=now - UPLOAD_WINDOW)
            await uow.commit()

    async def receive(self, owner: Participant, file_name: str, stream: AsyncIterator[bytes]) -> PendingUpload:
        """Store a file if it is what its name says; otherwise keep nothing.

        Raises:
            UploadRefused: Wrong or unknown type, too large, empty (``reason_key`` says which).
        """
        name = sanitise_file_name(file_name)
        stored = await self._store.put(stream, max_bytes=self._max_bytes)
        try:
            if stored.size == 0:
                raise UploadRefused("upload.refused_empty")
            content_type = check_upload(stored.head, name)
            if name.rsplit(".", 1)[-1].lower() in ZIP_BASED:
                # The head is not enough for some writers: read the ZIP's directory.
                content_type = await asyncio.to_thread(inspect_file, await self._store.open(stored.stored_name), name)
        except BaseException:
            await self._store.delete(stored.stored_name)
            raise
        return PendingUpload(name, stored.stored_name, stored.size, stored.sha256, content_type)

    async def submit(self, owner: Participant, pending: PendingUpload, *, category: str, deadline_id: str | None,
                     consent: Consent, note: str) -> tuple[Document, bool]:
        """Record a described upload; returns the document and whether it is new (False: a duplicate).

        Raises:
            NotAllowed: Unknown category.
        """
        if category not in CATEGORIES:
            raise NotAllowed(f"unknown category {category!r}")
        document = Document(id=0, owner_id=owner.id, category=category, deadline_id=deadline_id or None,
                            consent=consent, note=" ".join(note.split())[:1000], file_name=pending.file_name,
                            stored_name=pending.stored_name, size=pending.size, sha256=pending.sha256,
                            content_type=pending.content_type, created_at=self._clock.now())
        async with self._uow_factory() as uow:
            stored, created = await uow.documents.add(document)
            await uow.commit()
        if not created:
            await self._store.delete(pending.stored_name)  # the same content is already there
        return stored, created

    async def discard(self, pending: PendingUpload) -> None:
        """Forget an upload the owner did not describe (e.g. cancelled)."""
        await self._store.delete(pending.stored_name)

    async def mine(self, owner: Participant) -> list[Document]:
        """The owner's own documents."""
        async with self._uow_factory() as uow:
            return await uow.documents.for_owner(owner.id)

    async def shared(self, category: str | None = None) -> list[Document]:
        """Documents handed in with consent to share with participants."""
        async with self._uow_factory() as uow:
            return await uow.documents.shared(category)

    async def examples(self, category: str | None = None) -> Examples:
        """The shared documents with whose they are (the library, else the Teams name), read at once."""
        async with self._uow_factory() as uow:
            documents = await uow.documents.shared(category)
            people = await people_by_id(uow)
            participants = await uow.participants.active()
        # Examples are named by library; someone whose library is unknown by their name.
        named = {p.id: who(p, people, unknown="") for p in participants}
        owners = {i: w.library or w.name for i, w in named.items()}
        return Examples(documents, owners)

    async def all_for_coordinator(self, actor: Participant) -> list[Document]:
        """Every document (coordinator only)."""
        async with self._uow_factory() as uow:
            await require_coordinator(uow, actor)
            return await uow.documents.listing()

    async def readable(self, document_id: int, reader: Participant | None) -> Document | None:
        """The document when ``reader`` may open it (shared, own, or coordinator); ``None`` for a link."""
        async with self._uow_factory() as uow:
            document = await uow.documents.get(document_id)
            if document is None:
                return None
            if reader is None or document.shared or document.owner_id == reader.id:
                return document
            return document if await is_coordinator(uow, reader) else None

    async def owns_cost_document(self, owner: Participant, *, document_ref: str) -> bool:
        """True when ``document_ref`` names ``owner``'s own cost document (the check a cost form's click runs first)."""
        async with self._uow_factory() as uow:
            document = await uow.documents.by_ref(document_ref) if document_ref else None
        return document is not None and document.owner_id == owner.id and document.category == COST_CATEGORY

    async def save_cost_split(self, owner: Participant, *, document_ref: str,
                              values: Mapping[str, str]) -> CostSplit:
        """Attach a validated cost split to the owner's cost document (named by its card reference).

        Whose document it is is checked before the values, so a stranger's click learns nothing.

        Raises:
            NotAllowed: Not the owner's cost document, or no such document (the same either way).
            CostSplitInvalid: With an error per field (shown on the card).
        """
        async with self._uow_factory() as uow:
            document = await uow.documents.by_ref(document_ref) if document_ref else None
            if document is None or document.owner_id != owner.id or document.category != COST_CATEGORY:
                raise NotAllowed("not your cost document")
            split = validate_cost_split({**values, "as_percentages": str(values.get("unit") == "percentages")})
            person = await uow.directory.person(owner.person_id) if owner.person_id else None
            # Someone without an organisation in the directory is stored by their key, read as their
            # library when shown (bot.domain.services.libraries.split_owners) and made anonymous on erasure.
            library = person.organisation if person and person.organisation.strip() else (
                f"{PARTICIPANT_LIBRARY_PREFIX}{owner.id}")
            await uow.documents.add_cost_split(document.id, split, library, now=self._clock.now())
            await uow.commit()
        return split

    async def cost_overview(self, actor: Participant) -> tuple[CostAggregate | None, int]:
        """Coordinator: the anonymous aggregate (``None`` below three libraries) and how many libraries."""
        async with self._uow_factory() as uow:
            await require_coordinator(uow, actor)
            stored = await uow.documents.cost_splits()
            owners = await split_owners(uow, stored)
        # Counted by library as known now: two people of one library weigh as one library, and someone
        # whose library is unknown (or who was erased) counts as a library of their own, as before.
        splits = [(owner.library.casefold() if owner and owner.library else key, split)
                  for (key, _), (owner, split) in zip(stored, owners, strict=True)]
        return aggregate(splits), len({library for library, _ in splits})

    async def sweep(self, older_than: timedelta = timedelta(days=7)) -> int:
        """Delete stored files no document refers to: uploads never described, or a crash between
        storing a file and recording it. Returns how many went."""
        candidates = await self._store.stale(older_than)
        async with self._uow_factory() as uow:
            known = {d.stored_name for d in await uow.documents.listing()}
        orphans = [name for name in candidates if name not in known]
        for name in orphans:
            await self._store.delete(name)
        return len(orphans)

    async def path_of(self, document: Document):  # type: ignore[no-untyped-def]
        """Where the document's bytes are (for the download route)."""
        return await self._store.open(document.stored_name)
