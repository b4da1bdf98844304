"""Handed-in files are for the bot's own user only: FILES_DIR and .tmp are 0700, files 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from storage.local_file_store import LocalFileStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000])
async def test_folders_are_0700_and_files_0600_also_while_downloading(tmp_path: Path, umask: int):
    root = tmp_path / "files"
    store = LocalFileStore(root)
    seen: dict[str, int] = {}

    async def download():
        yield b"%PDF-1.4\n"
        # Mid-download: the partial file in .tmp already has its final, private mode.
        (partial,) = (root / ".tmp").glob("*.part")
        seen["partial"], seen["tmp"] = mode(partial), mode(root / ".tmp")
        yield b"%%EOF\n"

    old = os.umask(umask)  # a permissive umask must not widen anything
    try:
        stored = await store.put(download(), max_bytes=1000)
    finally:
        os.umask(old)
    assert seen == {"partial": 0o600, "tmp": 0o700}
    assert mode(root) == 0o700 and mode(root / ".tmp") == 0o700
    assert mode(await store.open(stored.stored_name)) == 0o600


async def test_a_folder_an_older_version_made_0755_is_tightened(tmp_path: Path):
    root = tmp_path / "files"
    (root / ".tmp").mkdir(parents=True)
    root.chmod(0o755)
    (root / ".tmp").chmod(0o755)

    async def one():
        yield b"x"

    await LocalFileStore(root).put(one(), max_bytes=10)
    assert mode(root) == 0o700 and mode(root / ".tmp") == 0o700


async def test_without_hard_links_the_moved_file_is_0600_too(tmp_path: Path, monkeypatch):
    def no_link(*args, **kwargs):  # a network share without hard links
        raise OSError("links not supported")

    monkeypatch.setattr(os, "link", no_link)
    store = LocalFileStore(tmp_path / "files")

    async def one():
        yield b"x"

    stored = await store.put(one(), max_bytes=10)
    assert mode(await store.open(stored.stored_name)) == 0o600
