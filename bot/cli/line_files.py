"""Reading the JSON-lines input files of ``sparringbot route`` and ``sparringbot understand``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

Parsed = TypeVar("Parsed")


def read_line_file(path: Path, *, parse: Callable[[list[str]], tuple[Sequence[Parsed], Sequence[str]]],
                   refused: str, err: TextIO) -> Sequence[Parsed] | None:
    """Read and parse ``path`` whole, or say in plain English why not.

    Args:
        path: The file, one JSON object a line.
        parse: Turns the lines into (items, problems); each problem names its line.
        refused: What did not happen when the file is refused ("nothing routed").
        err: Where the problems go.

    Returns:
        The parsed items, or ``None`` when the file cannot be read or has a bad line (then
        every problem was printed and nothing else should be).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        print(f"{path}: cannot read the file ({error})", file=err)
        return None
    parsed, problems = parse(lines)
    if problems:
        print(f"{path}: refused, {refused}:", file=err)
        for problem in problems:
            print(f"  - {problem}", file=err)
        return None
    return parsed


def json_object(line: str) -> dict[str, object]:
    """One line as a JSON object with an ``id`` and a ``text``; ``ValueError`` says what is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with 'id' and 'text'")
    return data
