"""English words and phrases read as the Dutch words of the directory (``school board`` → schoolbestuur).

Participants write in English now and then; the directory's profiles are Dutch. Rather than a
second index, a question's English is read as Dutch before the usual analysis, so one English
word meets the Dutch stems, compound parts and thesaurus concepts of its translation. Entries are
stemmed with Snowball's English stemmer (``snowballstemmer``), so inflections need no entry of
their own. Data: ``bot/domain/data/english.txt`` (format in its header).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import snowballstemmer
from snowballstemmer.basestemmer import BaseStemmer

from bot.domain.routing.text import tokenise

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "english.txt"
PREFIX = 3  # letters a word shares with its English stem (Snowball changes endings only)
# English function words: never content, never "corrected" into a Dutch word.
ENGLISH_STOP_WORDS = frozenset("""
a about after again all also am an and any anyone are as at be been before being but by can could did do
does doing done for from get gets getting got had has have having he her here hers him his how i if in
into is it its just know let like make makes me more most my need needs no not now of on once only or other
others our ours out over please really same should so some someone somebody such than that the their them
then there these they thing things this those through to too under up us very want was we were what when
where whether which while who whom why will with without would you your yours tips tip advice help
experience experiences idea ideas way ways best good anybody everyone who's what's how's i'm we're
actually still again already bit lot lots much many each every own new go going went take took
""".split())

_local = threading.local()


def _english() -> BaseStemmer:
    # A Snowball stemmer keeps its working state on the object: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=16384)
def english_stem(word: str) -> str:
    """The Snowball English stem of one normalised token (``boards`` → ``board``)."""
    return _english().stemWord(word)


@dataclass(frozen=True)
class Glossary:
    """English entries (as tuples of English stems) → the Dutch words they are read as.

    Attributes:
        entries: Stem tuple → Dutch words (normalised tokens), longest entries first on look-up.
    """

    entries: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def longest(self) -> int:
        """The most words in one English entry, so readers know how far to look ahead."""
        return max((len(key) for key in self.entries), default=1)

    @cached_property
    def _longest_from(self) -> dict[str, int]:
        # First stem → the most words of an entry starting with it: most tokens start none.
        longest: dict[str, int] = {}
        for key in self.entries:
            longest[key[0]] = max(longest.get(key[0], 0), len(key))
        return longest

    @cached_property
    def _prefixes(self) -> frozenset[str]:
        return frozenset(key[0][:PREFIX] for key in self.entries)

    @cached_property
    def words(self) -> frozenset[str]:
        """Every English stem in the glossary (kept away from the Dutch spelling corrector)."""
        return frozenset(part for key in self.entries for part in key)

    def match(self, tokens: Sequence[str], start: int) -> tuple[int, tuple[str, ...]]:
        """The longest entry that starts at ``tokens[start]``.

        Args:
            tokens: Normalised tokens of one clause, stop words included.
            start: Where to look.

        Returns:
            (how many tokens it covers, its Dutch words), or ``(0, ())`` when none starts there.
        """
        if tokens[start][:PREFIX] not in self._prefixes:
            return 0, ()  # cheap: Snowball only changes a word's end, so the first letters stay
        longest = self._longest_from.get(english_stem(tokens[start]), 0)
        for length in range(min(longest, len(tokens) - start), 0, -1):
            key = tuple(english_stem(token) for token in tokens[start : start + length])
            found = self.entries.get(key)
            if found:
                return length, found
        return 0, ()


def parse_glossary(text: str) -> Glossary:
    """Read glossary text: ``english, variants = dutch words`` a line, ``#`` comments.

    Args:
        text: The file's content.

    Returns:
        The glossary; a line without ``=`` or without words on either side is skipped.
    """
    entries: dict[tuple[str, ...], tuple[str, ...]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        english, _, dutch = line.partition("=")
        meaning = tuple(tokenise(dutch))
        if not meaning:
            continue
        for entry in english.split(","):
            key = tuple(english_stem(token) for token in tokenise(entry))
            if key:
                entries[key] = tuple(dict.fromkeys(entries.get(key, ()) + meaning))
    return Glossary(entries)


def load_glossary(path: Path | None = None) -> Glossary:
    """Load a glossary file.

    Args:
        path: The file; ``None`` loads the packaged ``bot/domain/data/english.txt``.

    Returns:
        The glossary.
    """
    return parse_glossary((path or DEFAULT_PATH).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The packaged glossary, read once per process (routers are built per directory)."""
    return load_glossary()
