"""The domain thesaurus: groups of Dutch words that mean the same for routing.

The coordinator extends ``bot/domain/data/thesaurus.txt``: one group a line, words separated
by commas, ``#`` starts a comment. An entry may be a phrase (``common eye``); words are
normalised and stemmed when loaded, so write them as you would say them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.routing.stemmer import stem
from bot.domain.routing.text import is_content_word, tokenise

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "thesaurus.txt"


def entry_key(entry: str) -> str:
    """The lookup key of a word or phrase: its content-word stems joined by spaces.

    A phrase that keeps fewer than two content words ("alle scholen") gives ``""``: as a
    single word it would make a generic word ("scholen") a synonym of the whole group.
    """
    tokens = tokenise(entry)
    stems = [stem(token) for token in tokens if is_content_word(token)]
    if len(tokens) > 1 and len(stems) < 2:
        return ""
    return " ".join(stems)


@dataclass(frozen=True)
class Thesaurus:
    """Synonym groups, looked up by stem (or by stems joined with spaces, for phrases).

    Attributes:
        groups: The groups as written in the file, one tuple of entries a group.
    """

    groups: tuple[tuple[str, ...], ...] = ()
    _concepts: Mapping[str, frozenset[int]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_groups(cls, groups: Iterable[Iterable[str]]) -> Thesaurus:
        """Build a thesaurus from groups of words (each group: synonyms of one concept)."""
        kept = tuple(tuple(entry.strip() for entry in group if entry.strip()) for group in groups)
        kept = tuple(group for group in kept if group)
        concepts: dict[str, set[int]] = {}
        for number, group in enumerate(kept):
            for entry in group:
                key = entry_key(entry)
                if key:
                    concepts.setdefault(key, set()).add(number)
        return cls(kept, {key: frozenset(ids) for key, ids in concepts.items()})

    def concepts(self, key: str) -> frozenset[int]:
        """The numbers of the groups a stem (or phrase key) belongs to; empty when unknown."""
        return self._concepts.get(key, frozenset())

    @property
    def keys(self) -> frozenset[str]:
        """Every stem and phrase key in the thesaurus."""
        return frozenset(self._concepts)

    @property
    def longest_phrase(self) -> int:
        """The most words in one entry, so the analyser knows how far to look ahead."""
        return max((key.count(" ") + 1 for key in self._concepts), default=1)


def parse_thesaurus(text: str) -> Thesaurus:
    """Read thesaurus text: one comma-separated group a line, ``#`` comments, blank lines.

    Args:
        text: The file's content.

    Returns:
        The thesaurus.
    """
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append(line.split(","))
    return Thesaurus.from_groups(groups)


def load_thesaurus(path: Path | None = None) -> Thesaurus:
    """Load a thesaurus file.

    Args:
        path: The file; ``None`` loads the packaged ``bot/domain/data/thesaurus.txt``.

    Returns:
        The thesaurus.
    """
    return parse_thesaurus((path or DEFAULT_PATH).read_text(encoding="utf-8"))
