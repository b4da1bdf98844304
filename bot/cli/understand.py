"""``sparringbot understand``: read typed messages into intents and slots, offline.

Reads JSON Lines (``{"id", "text", "role"?}``; role defaults to ``participant``) and writes one
JSON line per message: ``{"id", "intent", "slots", "confidence"}``, in input order. The whole
file is checked first: one bad line refuses the file, so the output is never half of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.cli.line_files import json_object, read_line_file
from bot.domain.understanding import ROLES, Understander
from bot.teams.typed_input import MAX_TYPED_CHARS


@dataclass(frozen=True)
class Utterance:
    """One validated input line."""

    id: str | int
    text: str
    role: str


def run_understand(utterances: Path, out: TextIO, err: TextIO) -> int:
    """Understand every line of ``utterances`` and print the results as JSON Lines.

    Args:
        utterances: One JSON object a line; blank lines and unknown keys (``intent``, ...) ignored.
        out: Where the result lines go.
        err: Where problems go, in plain English, with line numbers.

    Returns:
        0 on success; 2 for a file that cannot be read or has a bad line (nothing printed on ``out``).
    """
    parsed = read_line_file(utterances, parse=_parse_lines, refused="nothing understood", err=err)
    if parsed is None:
        return 2
    understander = Understander()
    for utterance in parsed:
        record = {"id": utterance.id, **understander.understand(utterance.text, role=utterance.role).as_record()}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def _parse_lines(lines: list[str]) -> tuple[list[Utterance], list[str]]:
    parsed: list[Utterance] = []
    problems: list[str] = []
    seen: dict[str | int, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            utterance = _parse_utterance(line)
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        if utterance.id in seen:
            problems.append(f"line {number}: id {utterance.id!r} was already used on line {seen[utterance.id]}")
            continue
        seen[utterance.id] = number
        parsed.append(utterance)
    return parsed, problems


def _parse_utterance(line: str) -> Utterance:
    data = json_object(line)
    identifier = data.get("id")
    if isinstance(identifier, bool) or not isinstance(identifier, str | int) or (
            isinstance(identifier, str) and not identifier.strip()):
        raise ValueError("'id' is missing or not a non-empty text or a whole number")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' is missing or not a non-empty text")
    if len(text) > MAX_TYPED_CHARS:
        raise ValueError(f"'text' is longer than {MAX_TYPED_CHARS} characters (the most the bot accepts)")
    role = data.get("role", "participant")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    return Utterance(identifier, text, role)
