"""Reproducible installs: exact pins in pyproject.toml, and constraints.txt holding them all (README)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [r for group in project.get("optional-dependencies", {}).values() for r in group]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)", line)
        assert match, f"not an exact pin: {line!r}"
        name = canonicalize_name(match[1])
        assert name not in pins, f"{name} pinned twice"
        pins[name] = match[2]
    return pins


def test_every_direct_dependency_is_pinned_exactly():
    loose = [str(r) for r in declared() if [s.operator for s in r.specifier] != ["=="]]
    assert loose == []


def test_the_lock_holds_every_direct_dependency_at_its_pinned_version():
    pins = locked()
    differ = {str(r): pins.get(canonicalize_name(r.name)) for r in declared()
              if pins.get(canonicalize_name(r.name)) != next(iter(r.specifier)).version}
    assert differ == {}, "run `make lock` after changing pyproject.toml"


def test_the_lock_pins_the_installers_too():
    assert {"pip", "setuptools", "wheel"} <= set(locked())
