"""Documents and cost splits on SQLite and PostgreSQL; the local file store."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain.cost_split import PAYERS, CostSplit, aggregate
from bot.domain.documents import Consent, Document
from bot.domain.file_store import FileTooLarge, UnknownFile
from bot.domain.models import ParticipantSeen
from storage.local_file_store import LocalFileStore


async def participants(uow_factory, clock, *names: str) -> list[int]:
    async with uow_factory() as uow:
        ids = [(await uow.participants.upsert(ParticipantSeen(teams_id=f"29:{n}", name=n), now=clock.now())).id
               for n in names]
        await uow.commit()
    return ids


def document(owner_id: int, clock, *, sha: str, category: str = "accountplan", consent: Consent = Consent.PARTICIPANTS,
             deadline_id: str | None = None) -> Document:
    return Document(id=0, owner_id=owner_id, category=category, deadline_id=deadline_id, consent=consent, note="",
                    file_name=f"{category}.pdf", stored_name=hashlib.md5(f"{owner_id}{sha}".encode()).hexdigest(),
                    size=10, sha256=sha * 64, content_type="application/pdf", created_at=clock.now())


def split(total: str, **parts: str) -> CostSplit:
    return CostSplit(total_per_year=Decimal(total), pupils=None, parts={p: Decimal(parts.get(p, "0")) for p in PAYERS})


async def test_add_get_and_duplicates(uow_factory, clock):
    anna, bram = await participants(uow_factory, clock, "anna", "bram")
    async with uow_factory() as uow:
        first, created = await uow.documents.add(document(anna, clock, sha="a", deadline_id="accountplan-2026"))
        assert created and first.id > 0 and first.created_at == clock.now()
        again, created = await uow.documents.add(replace(document(anna, clock, sha="a"), stored_name="c" * 32))
        assert not created and again == first  # same content from the same person
        other, created = await uow.documents.add(document(bram, clock, sha="a"))
        assert created and other.id != first.id  # same content from someone else is theirs
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.documents.get(first.id) == first
        assert await uow.documents.get(999) is None
        assert [d.id for d in await uow.documents.for_owner(anna)] == [first.id]
        assert [d.id for d in await uow.documents.by_deadline("accountplan-2026")] == [first.id]
        assert len(await uow.documents.listing()) == 2


async def test_shared_never_shows_project_team_documents(uow_factory, clock):
    anna, bram = await participants(uow_factory, clock, "anna", "bram")
    async with uow_factory() as uow:
        plan, _ = await uow.documents.add(document(anna, clock, sha="1", category="accountplan"))
        costs, _ = await uow.documents.add(document(anna, clock, sha="2", category="kostenberekening",
                                                    consent=Consent.PROJECT_TEAM))
        brams, _ = await uow.documents.add(document(bram, clock, sha="3", category="evaluatieformat"))
        await uow.commit()
    async with uow_factory() as uow:
        shared = await uow.documents.shared()
        assert {d.id for d in shared} == {plan.id, brams.id}
        assert costs.id not in {d.id for d in shared}
        assert [d.id for d in await uow.documents.shared("accountplan")] == [plan.id]
        assert await uow.documents.shared("kostenberekening") == []
        assert await uow.documents.categories_by_owner() == {anna: {"accountplan", "kostenberekening"},
                                                             bram: {"evaluatieformat"}}


async def test_cost_splits_survive_deletion_anonymously(uow_factory, clock):
    anna, bram, cees = await participants(uow_factory, clock, "anna", "bram", "cees")
    async with uow_factory() as uow:
        docs = []
        for owner, sha in ((anna, "1"), (bram, "2"), (cees, "3")):
            doc, _ = await uow.documents.add(document(owner, clock, sha=sha, category="kostenberekening",
                                                      consent=Consent.PROJECT_TEAM))
            docs.append(doc)
        await uow.documents.add_cost_split(docs[0].id, split("2500.50", school="1000", bibliotheek="1500.50"),
                                           "Bibliotheek Aa")
        await uow.documents.add_cost_split(docs[1].id, split("1000", school="1000"), "Bibliotheek Bb")
        await uow.documents.add_cost_split(docs[2].id, split("1000", gemeente="1000"), f"participant:{cees}")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.documents.cost_split(docs[0].id) == split("2500.50", school="1000", bibliotheek="1500.50")
        splits = await uow.documents.cost_splits()
        assert [library for library, _ in splits] == ["Bibliotheek Aa", "Bibliotheek Bb", f"participant:{cees}"]
        assert aggregate(splits) is not None

        gone = await uow.documents.delete_for_owner(cees)
        assert gone == [docs[2].stored_name]
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.documents.for_owner(cees) == []
        assert await uow.documents.get(docs[2].id) is None
        splits = await uow.documents.cost_splits()
        assert len(splits) == 3 and splits[2][0].startswith("anoniem:")  # the aggregate keeps its figures
        assert splits[2][1] == split("1000", gemeente="1000")
        assert await uow.documents.delete_for_owner(cees) == []


async def test_rolled_back_unit_of_work_stores_nothing(uow_factory, clock):
    anna, = await participants(uow_factory, clock, "anna")
    async with uow_factory() as uow:
        await uow.documents.add(document(anna, clock, sha="9"))
    async with uow_factory() as uow:
        assert await uow.documents.for_owner(anna) == []


async def chunks(*parts: bytes):
    for part in parts:
        await asyncio.sleep(0)
        yield part


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_local_file_store_streams_and_never_overwrites(tmp_path: Path):
    store = LocalFileStore(tmp_path / "files")
    first = await store.put(chunks(b"%PDF-1.4\n", b"x" * 100_000, b"%%EOF"), max_bytes=1_000_000)
    content = b"%PDF-1.4\n" + b"x" * 100_000 + b"%%EOF"
    assert first.size == len(content) and first.sha256 == hashlib.sha256(content).hexdigest()
    assert first.head.startswith(b"%PDF-1.4") and len(first.head) == 64 * 1024
    assert await store.read(first.stored_name) == content
    second = await store.put(chunks(content), max_bytes=1_000_000)
    assert second.stored_name != first.stored_name and second.sha256 == first.sha256
    assert (await store.open(first.stored_name)).read_bytes() == content  # still there, untouched
    assert sorted(p.name for p in leftovers(tmp_path)) == sorted([first.stored_name, second.stored_name])

    assert await store.delete(second.stored_name) is True
    assert await store.delete(second.stored_name) is False
    with pytest.raises(UnknownFile):
        await store.open(second.stored_name)


async def test_local_file_store_leaves_nothing_when_too_large_or_cancelled(tmp_path: Path):
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(FileTooLarge) as refused:
        await store.put(chunks(b"a" * 600, b"b" * 600), max_bytes=1000)
    assert refused.value.reason_key == "upload.too_large"
    assert leftovers(tmp_path) == []

    stalled = asyncio.Event()

    async def slow():
        yield b"begin"
        stalled.set()
        await asyncio.Event().wait()  # a download that never finishes
        yield b"never"

    task = asyncio.create_task(store.put(slow(), max_bytes=1000))
    await stalled.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["../secret", "..\\x", "/etc/passwd", "a" * 32 + "/..", "", "ABCDEF" * 6])
async def test_local_file_store_refuses_names_it_did_not_make(tmp_path: Path, name: str):
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(UnknownFile):
        await store.open(name)
    with pytest.raises(UnknownFile):
        await store.delete(name)


async def test_local_file_store_names_never_collide(tmp_path: Path):
    store = LocalFileStore(tmp_path / "files")
    stored = await asyncio.gather(*(store.put(chunks(b"same bytes"), max_bytes=100) for _ in range(25)))
    assert len({s.stored_name for s in stored}) == 25
    assert len(leftovers(tmp_path)) == 25


async def test_start_up_sweeps_partial_and_unrecorded_files(uow_factory, clock, tmp_path):
    """A crash mid-download leaves a .part file; a crash after storing leaves an unrecorded file."""
    import os
    import time

    from bot.domain.documents import Consent
    from bot.domain.services.documents import DocumentService
    from storage.local_file_store import LocalFileStore

    store = LocalFileStore(tmp_path / "files")

    async def stream(data: bytes):  # type: ignore[no-untyped-def]
        yield data

    kept = await store.put(stream(b"%PDF-1.4 kept"), max_bytes=1000)
    orphan = await store.put(stream(b"%PDF-1.4 orphan"), max_bytes=1000)
    young = await store.put(stream(b"%PDF-1.4 young"), max_bytes=1000)
    (tmp_path / "files" / ".tmp" / "dead.part").write_bytes(b"half")
    old = time.time() - 8 * 24 * 3600
    for path in [tmp_path / "files" / kept.stored_name, tmp_path / "files" / orphan.stored_name,
                 tmp_path / "files" / ".tmp" / "dead.part"]:
        os.utime(path, (old, old))
    service = DocumentService(uow_factory=uow_factory, clock=clock, store=store, max_bytes=1000)
    from bot.domain.models import ParticipantSeen
    from bot.domain.services.documents import PendingUpload
    from bot.domain.services.participants import ParticipantService

    owner = await ParticipantService(uow_factory, clock).record_seen(ParticipantSeen(teams_id="29:o"))
    await service.submit(owner, PendingUpload("kept.pdf", kept.stored_name, kept.size, kept.sha256,
                                              "application/pdf"), category="overig", deadline_id=None,
                         consent=Consent.PROJECT_TEAM, note="")
    assert await service.sweep() == 1
    left = sorted(p.name for p in (tmp_path / "files").rglob("*") if p.is_file())
    assert left == sorted([kept.stored_name, young.stored_name])  # the young one may still be described
