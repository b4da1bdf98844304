"""Validate a programme file's data into a :class:`Directory`.

The file format is the one of ``bot/data/sample_programme.yaml``. Parsing the YAML text is
the edge's job (``bot.directory_file``); this module only checks structure and values, and
names the line and the field of every problem so the coordinator can fix the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.errors import DirectoryFileError
from bot.domain.models import Directory, Person, Programme, Role
from bot.domain.programme_schedule import parse_deadlines, parse_events

PERSON_FIELDS = {"id", "name", "organisation", "role", "email", "aad_object_id", "topics", "expertise",
                 "capacity", "available"}
PROGRAMME_FIELDS = {"name", "timezone", "language", "themes"}
TOP_LEVEL_FIELDS = {"programme", "people", "deadlines", "events"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# An Entra ID (AAD) object id: a GUID, as Teams reports it in ``aadObjectId``.
AAD_OBJECT_ID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

LineOf = Callable[[tuple[Any, ...]], int | None]


def parse_directory(data: Any, line_of: LineOf = lambda path: None) -> Directory:
    """Check a loaded programme file and build the directory it describes.

    Args:
        data: The file's content as plain Python data (mappings, lists, scalars).
        line_of: Gives the 1-based line of a path such as ``("people", 2, "role")``.

    Returns:
        The directory.

    Raises:
        DirectoryFileError: With every problem found; nothing is partially accepted.
    """
    problems: list[str] = []

    def report(path: tuple[Any, ...], message: str) -> None:
        line = line_of(path)
        where = f"line {line}: " if line else ""
        field_name = "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "file"
        problems.append(f"{where}{field_name}: {message}")

    if not isinstance(data, Mapping):
        raise DirectoryFileError(["file: expected a mapping with 'programme' and 'people'"])
    for key in data:
        if key not in TOP_LEVEL_FIELDS:
            report((key,), f"unknown section (expected one of {', '.join(sorted(TOP_LEVEL_FIELDS))})")
    programme = _parse_programme(data.get("programme"), report)
    people = _parse_people(data.get("people"), report)
    deadlines = parse_deadlines(data.get("deadlines"), report, themes=programme.themes if programme else None)
    events = parse_events(data.get("events"), report)
    if problems:
        raise DirectoryFileError(problems)
    assert programme is not None
    return Directory(programme=programme, people=tuple(people), deadlines=tuple(deadlines), events=tuple(events))


def _parse_programme(raw: Any, report: Callable[[tuple[Any, ...], str], None]) -> Programme | None:
    if not isinstance(raw, Mapping):
        report(("programme",), "required, a mapping with at least 'name'")
        return None
    for key in raw:
        if key not in PROGRAMME_FIELDS:
            report(("programme", key), "unknown field")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        report(("programme", "name"), "required, a non-empty text")
        name = ""
    timezone = raw.get("timezone", "Europe/Amsterdam")
    if not isinstance(timezone, str):
        report(("programme", "timezone"), "must be a time zone name such as Europe/Amsterdam")
        timezone = "Europe/Amsterdam"
    language = raw.get("language", "nl")
    if language not in ("nl", "en"):
        report(("programme", "language"), "must be 'nl' or 'en'")
        language = "nl"
    themes = raw.get("themes", list(Programme.themes))
    if not _is_text_list(themes) or not themes:
        report(("programme", "themes"), "must be a non-empty list of texts")
        themes = list(Programme.themes)
    return Programme(name=name.strip(), timezone=timezone, language=language,
                     themes=tuple(t.strip() for t in themes))


def _parse_people(raw: Any, report: Callable[[tuple[Any, ...], str], None]) -> list[Person]:
    if not isinstance(raw, list) or not raw:
        report(("people",), "required, a non-empty list of people")
        return []
    people: list[Person] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    seen_object_ids: dict[str, int] = {}
    for index, entry in enumerate(raw):
        person = _parse_person(index, entry, report)
        if person is None:
            continue
        if person.id in seen_ids:
            report(("people", index, "id"), f"duplicate id {person.id!r} (also entry {seen_ids[person.id] + 1})")
        seen_ids.setdefault(person.id, index)
        if person.email:
            if person.email in seen_emails:
                report(("people", index, "email"),
                       f"duplicate email (also entry {seen_emails[person.email] + 1})")
            seen_emails.setdefault(person.email, index)
        if person.aad_object_id:
            if person.aad_object_id in seen_object_ids:
                report(("people", index, "aad_object_id"),
                       f"duplicate aad_object_id (also entry {seen_object_ids[person.aad_object_id] + 1})")
            seen_object_ids.setdefault(person.aad_object_id, index)
        people.append(person)
    if people and not any(p.role is Role.COORDINATOR for p in people):
        report(("people",), "at least one person must have role 'coordinator'")
    return people


def _parse_person(index: int, raw: Any, report: Callable[[tuple[Any, ...], str], None]) -> Person | None:
    path = ("people", index)
    if not isinstance(raw, Mapping):
        report(path, "each person must be a mapping with id, name, organisation and role")
        return None
    ok = True
    for key in raw:
        if key not in PERSON_FIELDS:
            # Reported, but the rest of the entry is still checked (duplicates etc.).
            report((*path, key), f"unknown field (expected one of {', '.join(sorted(PERSON_FIELDS))})")
    person_id = raw.get("id")
    if not isinstance(person_id, str) or not ID_PATTERN.match(person_id):
        report((*path, "id"), "required; lowercase letters, digits, '.', '_' or '-', at most 64")
        ok = False
    texts: dict[str, str] = {}
    for key in ("name", "organisation"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            report((*path, key), "required, a non-empty text")
            ok = False
        else:
            texts[key] = " ".join(value.split())
    role_text = raw.get("role")
    try:
        role = Role(role_text)
    except ValueError:
        report((*path, "role"), f"must be one of {', '.join(r.value for r in Role)}; got {role_text!r}")
        ok = False
    email = raw.get("email")
    if email is not None and (not isinstance(email, str) or not EMAIL_PATTERN.match(email.strip())):
        report((*path, "email"), f"not an e-mail address: {email!r}")
        ok = False
    object_id = raw.get("aad_object_id")
    if object_id is not None and (not isinstance(object_id, str) or not AAD_OBJECT_ID_PATTERN.match(object_id.strip())):
        report((*path, "aad_object_id"), f"not an Entra ID object id (a GUID): {object_id!r}")
        ok = False
    topics = raw.get("topics", [])
    if not _is_text_list(topics):
        report((*path, "topics"), "must be a list of texts")
        ok = False
    expertise = raw.get("expertise", "")
    if not isinstance(expertise, str):
        report((*path, "expertise"), "must be a text")
        ok = False
    capacity = raw.get("capacity", 3)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
        report((*path, "capacity"), f"must be a whole number of 0 or more; got {capacity!r}")
        ok = False
    available = raw.get("available", True)
    if not isinstance(available, bool):
        report((*path, "available"), "must be true or false")
        ok = False
    if not ok:
        return None
    return Person(
        id=person_id,
        name=texts["name"],
        organisation=texts["organisation"],
        role=role,
        email=email.strip().lower() if isinstance(email, str) else None,
        topics=tuple(" ".join(t.split()) for t in topics),
        expertise=" ".join(expertise.split()),
        capacity=capacity,
        active=available,
        aad_object_id=object_id.strip().lower() if isinstance(object_id, str) else None,
    )


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
