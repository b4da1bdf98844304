"""Small typos in command words (``dedlines``, ``mjin vragen``, ``acountplan``) put right.

A deletion index (the idea behind SymSpell): every target word is stored under each form with
one letter (two, for long words) left out; a typed word meets its target when both share such
a form, and the optimal-string-alignment distance (Damerau-Levenshtein without repeated edits)
then decides. Standard library only: the targets are a few hundred command words, so a look-up
costs a handful of set probes, and known words are never "corrected" into command words.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

SHORTEST = 4  # "stp" or "hlp" are too short to tell from other words
FAMILY = 6  # targets that share this many first letters are forms of one word
LONG = 8  # from this length two edits are still one word ("herineringen", "dedlines")


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps.

    Args:
        a: One word.
        b: Another word.

    Returns:
        The number of edits.
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str, edits: int) -> set[str]:
    # Every form with up to ``edits`` letters left out; string slices rather than joins, since
    # the index of a directory's few thousand words is built from these.
    forms = {word}
    layer = {word}
    for _ in range(edits):
        layer = {form[:index] + form[index + 1:] for form in layer for index in range(len(form))}
        forms |= layer
    return forms


def _allowed_edits(word: str, most: int = 2) -> int:
    return 0 if len(word) < SHORTEST else min(most, 2 if len(word) >= LONG else 1)


class SpellingCorrector:
    """Maps an unknown word to the one target word within its edit budget."""

    def __init__(self, *, targets: Iterable[str], known: Iterable[str], max_edits: int = 2):
        """Index the targets.

        Args:
            targets: The words worth correcting to (normalised: lowercase, no accents).
            known: Real words that are left alone even when they look like a target.
            max_edits: At most this many edits, whatever the length (1 keeps the index small).
        """
        self._most = max_edits
        self._targets = frozenset(targets)
        self._known = frozenset(known) | self._targets
        self._index: dict[str, set[str]] = {}
        for word in self._targets:
            for form in _deletes(word, _allowed_edits(word, self._most)):
                self._index.setdefault(form, set()).add(word)
        self.correct = lru_cache(maxsize=8192)(self._correct)

    def _correct(self, word: str) -> str:
        """The target ``word`` was meant to be, or ``word`` itself when it is known or unclear."""
        edits = _allowed_edits(word, self._most)
        if word in self._known or edits == 0 or word.isdigit():
            return word
        candidates: set[str] = set()
        for form in _deletes(word, edits):
            candidates.update(self._index.get(form, ()))
        best: list[tuple[int, str]] = []
        for candidate in candidates:
            budget = min(edits, _allowed_edits(candidate, self._most))
            found = distance(word, candidate)
            if 0 < found <= budget:
                best.append((found, candidate))
        if not best:
            return word
        best.sort()
        # Two targets equally close: guessing could turn a word into the wrong command, unless
        # both are forms of one word ("herinneringen", "herinnering") and so mean the same.
        tied = [candidate for found, candidate in best if found == best[0][0]]
        if len({candidate[:FAMILY] for candidate in tied}) > 1:
            return word
        return best[0][1]
