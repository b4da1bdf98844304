"""Split Dutch compounds (``schoolbesturen`` → school + bestuur) against a known vocabulary.

Dutch writes compounds as one word, so a question about ``koepeldirecteuren`` must still meet
a profile that says ``directeur van de koepel``. We only split into parts we know (from the
directory and the thesaurus), which keeps nonsense splits out.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.routing.stemmer import stem

MIN_PART = 3  # letters in a part: "lees", "taal", "kost" are real parts, "be" and "op" are not
MIN_WORD = 6  # shorter words are never compounds worth splitting
UNKNOWN_HEAD = 4  # an unknown first part must look like a word of its own
UNKNOWN_TAIL = 5
# Particles of separable verbs (in-richten, mee-denken); only split off as a last resort.
PARTICLES = ("aan", "af", "bij", "door", "in", "mee", "na", "om", "op", "over", "terug", "toe", "uit", "voor")


class CompoundSplitter:
    """Splits words into known stems; built once per vocabulary."""

    def __init__(self, vocabulary: Iterable[str]):
        """Build a splitter.

        Args:
            vocabulary: Known stems (single words); shorter than 3 letters are ignored.
        """
        self._known = frozenset(word for word in vocabulary if len(word) >= MIN_PART and " " not in word)
        self._cache: dict[str, tuple[str, ...]] = {}

    def split(self, word: str) -> tuple[str, ...]:
        """The stems of a compound's parts, or ``()`` when the word is not a known compound.

        Args:
            word: One normalised token (lowercase, no accents), not stemmed.

        Returns:
            Two or more stems, first part first; linking -s-/-e(n)- are dropped by stemming.
            A separable verb (``inrichten``) gives its verb alone (``richt``).
        """
        if word not in self._cache:
            self._cache[word] = self._split(word, depth=0)
        return self._cache[word]

    def _split(self, word: str, depth: int) -> tuple[str, ...]:
        if len(word) < MIN_WORD or depth > 3:
            return ()
        best: tuple[str, ...] = ()
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head = self._known_stem(word[:cut])
            if head is None:
                continue
            tail = self._known_stem(word[cut:])
            parts = (head, tail) if tail else ((head, *rest) if (rest := self._split(word[cut:], depth + 1)) else ())
            if parts and (not best or _better(parts, best)):
                best = parts
        if not best and depth == 0:
            best = self._unknown_head(word) or self._unknown_tail(word) or self._particle(word)
        return best

    def _particle(self, word: str) -> tuple[str, ...]:
        # Separable verbs: "inrichten" in a question, "richt ... in" in a profile.
        for particle in PARTICLES:
            rest = word[len(particle):]
            if word.startswith(particle) and len(rest) >= 4 and (known := self._known_stem(rest)):
                return (known,)
        return ()

    def _unknown_head(self, word: str) -> tuple[str, ...]:
        # "wisselcollecties": the head is new to us but the tail is a known word of 5+ letters;
        # the longest known tail wins, and the head must be a plausible word (4+ letters).
        for cut in range(UNKNOWN_HEAD, len(word) - UNKNOWN_TAIL + 1):
            tail = self._known_stem(word[cut:])
            if tail and len(tail) >= MIN_PART + 1:
                return (stem(word[:cut]), tail)
        return ()

    def _unknown_tail(self, word: str) -> tuple[str, ...]:
        # "effectiviteitsfactoren": a known head of 5+ letters and a new tail that looks like a
        # word of its own (5+ letters); the longest known head wins.
        for cut in range(len(word) - UNKNOWN_TAIL, UNKNOWN_TAIL - 1, -1):
            head = self._known_stem(word[:cut])
            if head and len(head) >= UNKNOWN_TAIL:
                return (head, stem(word[cut:]))
        return ()

    def _known_stem(self, part: str) -> str | None:
        if len(part) < MIN_PART:
            return None
        stemmed = stem(part)
        if stemmed in self._known:
            return stemmed
        # Linking -s- or -e- that the stemmer kept: "belangs", "pannek".
        if part[-1] in "se" and len(part) > MIN_PART and stem(part[:-1]) in self._known:
            return stem(part[:-1])
        return None


def _better(parts: tuple[str, ...], best: tuple[str, ...]) -> bool:
    # Fewest parts first, then the most even split (longest shortest part).
    if len(parts) != len(best):
        return len(parts) < len(best)
    return min(map(len, parts)) > min(map(len, best))
