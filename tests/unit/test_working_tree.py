"""The suite's working-tree check (tests/working_tree.py) sees what tests leave behind, and .gitignore
covers SQLite's side files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.working_tree import entries, is_cache, left_behind

REPO = Path(__file__).resolve().parents[2]


def git(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60, check=False)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A throwaway git checkout with the project's .gitignore and one tracked file."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "checkout"
    root.mkdir()
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    (root / "bot").mkdir()
    (root / "bot" / "app.py").write_text("x = 1\n")
    assert git("init", "-q", cwd=root).returncode == 0
    assert git("add", "-A", cwd=root).returncode == 0
    assert git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "start",
               cwd=root).returncode == 0
    return root


@pytest.mark.parametrize("name", ["sparringbot.db-wal", "sparringbot.db-shm", "sparringbot.db-journal",
                                  "data/x.sqlite3-wal", "data/x.sqlite3-shm", "sparringbot.db", "files/"])
def test_sqlite_side_files_and_the_files_folder_are_ignored(name):
    assert git("check-ignore", "-q", "--no-index", name, cwd=REPO).returncode == 0, name


def test_new_files_folders_and_databases_are_seen_but_caches_are_not(checkout):
    before = entries(checkout)
    assert before is not None
    (checkout / "files" / ".tmp").mkdir(parents=True)
    (checkout / "files" / ".tmp" / "x.part").write_bytes(b"%PDF")
    for name in ("sparringbot.db", "sparringbot.db-wal", "sparringbot.db-shm", "stray.txt"):
        (checkout / name).write_bytes(b"x")
    (checkout / "bot" / "app.py").write_text("x = 2\n")
    for cache in (".venv/bin", "node_modules/x", "bot/__pycache__", ".pytest_cache/v", ".hypothesis/examples",
                  "sparringbot.egg-info"):
        (checkout / cache).mkdir(parents=True)
        (checkout / cache / "f").write_bytes(b"x")
    after = entries(checkout)
    assert after is not None
    assert left_behind(before, after) == [" M bot/app.py", "!! files/", "!! sparringbot.db",
                                          "!! sparringbot.db-shm", "!! sparringbot.db-wal", "?? stray.txt"]


def test_outside_a_git_checkout_there_is_nothing_to_compare(tmp_path):
    assert entries(tmp_path / "missing") is None


@pytest.mark.parametrize(("path", "cache"), [
    (".venv/", True), ("bot/domain/__pycache__/", True), ("sparringbot.egg-info/", True), ("x.pyc", True),
    ("files/", False), ("bot.db-wal", False), ("venv/", False), ("docs/pycache.md", False),
])
def test_is_cache(path, cache):
    assert is_cache(path) is cache
