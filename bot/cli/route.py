"""``sparringbot route``: rank directory people for a file of questions, offline.

Reads JSON Lines (``{"id", "text", "preference"?, "asker"?}``), writes one JSON line per
question with its best matches. Imports nothing heavy, so 100 questions take well under a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.cli.line_files import json_object, read_line_file
from bot.directory_file import load_directory_file, refusal_message
from bot.domain.errors import DirectoryFileError
from bot.domain.routing import Preference, Router, load_thesaurus

PREFERENCES = ", ".join(p.value for p in Preference)


@dataclass(frozen=True)
class Question:
    """One validated input line."""

    id: str
    text: str
    preference: Preference
    asker: str | None


def run_route(directory: Path, questions: Path, top: int, out: TextIO, err: TextIO) -> int:
    """Rank people for every question and print the matches as JSON Lines.

    Args:
        directory: The programme YAML file.
        questions: The questions, one JSON object a line; blank lines and unknown keys ignored.
        top: At most this many matches a question.
        out: Where the result lines go, in input order.
        err: Where problems go, in plain English.

    Returns:
        0 on success; 2 for a bad directory or question file (nothing printed on ``out``).
    """
    try:
        people = load_directory_file(directory).people
    except DirectoryFileError as error:
        print(refusal_message(directory, error), file=err)
        return 2
    parsed = read_line_file(questions, parse=_parse_lines, refused="nothing routed", err=err)
    if parsed is None:
        return 2
    router = Router(people, load_thesaurus())
    for question in parsed:
        matches = router.rank(question.text, preference=question.preference, asker=question.asker, top=top)
        record = {"id": question.id,
                  "matches": [{"person": m.person, "score": m.score, "reasons": list(m.reasons)} for m in matches]}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def _parse_lines(lines: list[str]) -> tuple[list[Question], list[str]]:
    parsed: list[Question] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.append(_parse_question(line))
        except ValueError as error:
            problems.append(f"line {number}: {error}")
    return parsed, problems


def _parse_question(line: str) -> Question:
    data = json_object(line)
    for key in ("id", "text"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ValueError(f"'{key}' is missing or not a non-empty text")
    try:
        preference = Preference(data.get("preference", "any"))
    except ValueError:
        raise ValueError(f"unknown preference {data.get('preference')!r} (expected one of {PREFERENCES})") from None
    asker = data.get("asker")
    if asker is not None and not isinstance(asker, str):
        raise ValueError("'asker' must be a person id or an e-mail address")
    return Question(data["id"], data["text"], preference, asker or None)
