"""What people type, bounded and cleaned once, at the edge, before any parser, prompt or recognizer.

Typed messages and the text fields of submitted cards are kept as typed (case, accents): only
@mentions and control characters are removed and whitespace is normalised. Anything longer than
:data:`MAX_TYPED_CHARS` is refused whole: the bot says the limit and uses none of it, so no
later step (the SDK's number recognizer grows quadratically with its input) ever sees a
megabyte of text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.domain.requests import MAX_CONTEXT_CHARS, MAX_QUESTION_CHARS

# Room for the longest field people fill in (a question, an explanation) plus a command word
# before it ("vraag: ..."), so that a field's own, more precise message can speak first.
MAX_TYPED_CHARS = 2 * max(MAX_QUESTION_CHARS, MAX_CONTEXT_CHARS)
# Cleaning looks at every character; text this long is refused before it is even looked at.
_MAX_RAW_CHARS = 4 * MAX_TYPED_CHARS
# A mention is ``<at>Name</at>``; a name has no "<", which also keeps the search linear in the text.
_MENTION = re.compile(r"<at>[^<]*</at>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


class TooLong(ValueError):
    """The input is longer than :data:`MAX_TYPED_CHARS` characters."""


def _visible(text: str) -> str:
    # Control characters (C0, C1, DEL) and lone surrogates go; white space stays for the caller to
    # normalise. Format characters (joiners in emoji, right-to-left marks) are part of what people
    # write in some languages: they stay, and cards show them as inert text.
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs"))


def without_format(text: str) -> str:
    """``text`` without invisible format characters (zero-width spaces, direction marks), for matching."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean_message(text: str | None) -> str:
    """A typed message as one line: @mentions and control characters removed, spaces normalised.

    Raises:
        TooLong: More than :data:`MAX_TYPED_CHARS` characters are left.
    """
    if not text:
        return ""
    if len(text) > _MAX_RAW_CHARS:
        raise TooLong
    cleaned = " ".join(_visible(_MENTION.sub(" ", text)).split())
    if len(cleaned) > MAX_TYPED_CHARS:
        raise TooLong
    return cleaned


def clean_field(text: str) -> str:
    """A card's text field: control characters removed, spaces normalised, line breaks kept.

    Raises:
        TooLong: More than :data:`MAX_TYPED_CHARS` characters are left.
    """
    if len(text) > _MAX_RAW_CHARS:
        raise TooLong
    lines = _visible(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = _BLANK_LINES.sub("\n\n", "\n".join(" ".join(line.split()) for line in lines)).strip()
    if len(cleaned) > MAX_TYPED_CHARS:
        raise TooLong
    return cleaned


def clean_values(value: Any) -> Any:
    """A submitted card's value with every text in it cleaned by :func:`clean_field`.

    Walks without recursion, so any nesting the HTTP edge lets through is fine here.

    Raises:
        TooLong: A text in it is longer than :data:`MAX_TYPED_CHARS` characters.
    """
    if isinstance(value, str):
        return clean_field(value)
    if not isinstance(value, dict | list):
        return value
    root: Any = {} if isinstance(value, dict) else []
    pending: list[tuple[Any, Any]] = [(value, root)]
    while pending:
        source, target = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, str):
                item = clean_field(item)
            elif isinstance(item, dict | list):
                copy: Any = {} if isinstance(item, dict) else []
                pending.append((item, copy))
                item = copy
            if isinstance(target, dict):
                target[key] = item  # keys are the card's own input ids, not typed text
            else:
                target.append(item)
    return root
