"""Dutch text normalisation: lowercase, accents off, tokens, stop words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.domain.routing.stopwords import STOP_WORDS

# Letters and digits; an apostrophe or hyphen inside a word splits it (PID's, Geert-Jan).
_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Lowercase and strip accents, so ``Coördinator`` and ``coordinator`` are one word.

    Args:
        text: Any text.

    Returns:
        The text in lowercase ASCII letters where Dutch accents were (é → e, ë → e).
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def tokenise(text: str) -> list[str]:
    """Split text into normalised word tokens, stop words included.

    Args:
        text: Any text.

    Returns:
        The tokens in order of appearance.
    """
    return _TOKEN.findall(normalise(text))


def is_content_word(token: str) -> bool:
    """True for tokens that can carry a topic: not a stop word, not a lone letter or number."""
    return len(token) > 1 and token not in STOP_WORDS and not token.isdigit()


def content_words(text: str) -> list[str]:
    """The tokens of ``text`` that can carry a topic, in order of appearance."""
    return [token for token in tokenise(text) if is_content_word(token)]
