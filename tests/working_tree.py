"""What the test suite leaves in the checkout: nothing, apart from caches.

``tests/conftest.py`` lists the working tree's untracked, ignored and changed paths when the
session starts and again when it ends, and fails the session when new ones appeared (a
``files/`` folder from a test that kept the default ``FILES_DIR``, a database or its ``-wal``/
``-shm`` next to the code). Git shows a new folder as one entry, so files added inside a folder
that was already there before the session are not seen; caches are left out.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# Folders and suffixes the tools and the set-up own: virtualenv, npm, Python and tool caches.
CACHE_PARTS = frozenset({".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache",
                         ".hypothesis"})
CACHE_SUFFIXES = (".egg-info", ".pyc")


def is_cache(path: str) -> bool:
    """Whether ``path`` (relative, ``/``-separated, a folder ends in ``/``) is a cache the tools keep."""
    parts = [part for part in path.split("/") if part]
    return any(part in CACHE_PARTS or part.endswith(CACHE_SUFFIXES) for part in parts)


def entries(repo: Path) -> set[str] | None:
    """``git status`` of ``repo`` (untracked and ignored included) as ``"XY path"`` lines, caches left out.

    Returns:
        The entries, or ``None`` when ``repo`` is not a git checkout or git is missing.
    """
    try:
        result = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=normal"],
                                cwd=repo, capture_output=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    found = set()
    for entry in result.stdout.decode("utf-8", "replace").split("\0"):
        if len(entry) > 3 and not is_cache(entry[3:]):
            found.add(entry)
    return found


def left_behind(before: set[str], after: set[str]) -> list[str]:
    """The entries that appeared during the session, sorted."""
    return sorted(after - before)
