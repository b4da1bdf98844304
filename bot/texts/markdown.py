"""Teams markdown: the one function that makes user-supplied text inert, and the type of safe text.

Teams renders markdown in TextBlocks, FactSets and chat messages. Only what can start markup is
escaped, and only where it can: emphasis and code (``*``, ``_``, `````, ``~``), links and images
(``[``, ``]``), HTML, ``<at>`` mentions and autolinks (``<``), a backslash that would escape the
next character, and, at the start of a line only, heading, quote and list markers followed by a
space (``# ``, ``>``, ``- ``, ``+ ``, ``1. ``, ``1) ``) and lines that would underline or rule
(``---``, ``===``). Ordinary punctuation (``.``, ``-``, ``(``,
``:``, ``/``, ``%``, ``!``) elsewhere stays as it is, so "dBos po. Vraag 1-2: kosten (school/bieb)
50%!" shows without a single backslash.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"([*_`~\[\]<])")
# A backslash matters only before ASCII punctuation (where CommonMark reads it as an escape).
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
# Line-start markers count only where they really start a block: a heading, quote or list item
# needs the space after it ("# x", "> x", "- x", "1. x"), so "-" or "2026." alone stays as typed.
_LINE_START = re.compile(r"(?m)^([ \t]*)(?:(#{1,6}(?=[ \t])|>|[-+](?=[ \t]))|(\d{1,9})([.)])(?=[ \t]))")
# A line of only "-", "=" (or "***", "___") under text makes a heading or a rule; at the very
# start of a value the run must be long enough to be a rule on its own.
_RULE_LINE = re.compile(r"(?m)(?:(?<=\n)|^(?=[ \t]*([-=*_])(?:[ \t]*\1){2}))([ \t]*)([-=*_])(?=[-=*_ \t]*$)")


class Markdown(str):
    """Text that is already safe as Teams markdown: catalogue templates and escaped values."""

    __slots__ = ()


def escape(text: str | None) -> Markdown:
    """Make user-supplied text inert in Teams markdown (cards and chat messages).

    Escaping twice would show backslashes, so text that is already :class:`Markdown` comes back
    unchanged: values can pass through several builders safely.

    Args:
        text: A display name, question, comment, file name, title... as the user typed it.

    Returns:
        The text with a backslash before exactly the characters that could start markup.
    """
    if isinstance(text, Markdown):
        return text
    escaped = _BACKSLASH.sub(r"\\\\", text or "")
    escaped = _INLINE.sub(r"\\\1", escaped)
    escaped = _LINE_START.sub(_line_start, escaped)
    escaped = _RULE_LINE.sub(lambda m: f"{m.group(2)}\\{m.group(3)}", escaped)
    return Markdown(escaped)


def _line_start(match: re.Match[str]) -> str:
    indent, marker, number, dot = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{number}\\{dot}"
