"""Read a programme YAML file with line numbers, for precise error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.domain.directory import parse_directory
from bot.domain.errors import DirectoryFileError
from bot.domain.models import Directory


def load_directory_file(path: Path) -> Directory:
    """Read and validate a programme file.

    Args:
        path: The YAML file.

    Returns:
        The directory it describes.

    Raises:
        DirectoryFileError: The file is unreadable, not YAML, or has invalid fields.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DirectoryFileError([f"{path}: cannot read the file ({error})"]) from error
    return parse_directory_text(text)


def refusal_message(path: Path, error: DirectoryFileError) -> str:
    """The CLI's plain-English explanation of a refused file, one problem a line."""
    lines = [f"{path}: refused, nothing imported:"]
    lines += [f"  - {problem}" for problem in error.problems]
    return "\n".join(lines)


def parse_directory_text(text: str) -> Directory:
    """Validate programme YAML given as text (see :func:`load_directory_file`)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise DirectoryFileError([f"{where}not valid YAML ({getattr(error, 'problem', error)})"]) from error
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return parse_directory(data, lambda path: _nearest_line(path, lines))


def _collect_lines(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _collect_lines(value_node, (*path, key), lines)
            # The key's own line is more useful than the value's first line.
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*path, index), lines)


def _nearest_line(path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    # A missing field has no line of its own: point at the entry that lacks it.
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
