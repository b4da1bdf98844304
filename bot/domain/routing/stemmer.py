"""A light Dutch stemmer: the Snowball Dutch algorithm plus diminutive stripping.

Written out here (standard library only) so the domain has no dependencies. Stemming only has
to be *consistent*: ``besturen`` and ``bestuur`` must end up equal, the stem need not be a word.
"""

from __future__ import annotations

from functools import lru_cache

VOWELS = frozenset("aeiouyè")
_DIMINUTIVES = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "jes", "je")


def _is_vowel(char: str) -> bool:
    return char in VOWELS


def _regions(word: str) -> tuple[int, int]:
    """Snowball R1 and R2 start positions (R1 at least 3 letters in)."""

    def after_vowel_consonant(start: int) -> int:
        for i in range(start + 1, len(word)):
            if not _is_vowel(word[i]) and _is_vowel(word[i - 1]):
                return i + 1
        return len(word)

    r1 = max(after_vowel_consonant(0), 3)
    return r1, after_vowel_consonant(r1)


def _undouble(word: str) -> str:
    # Snowball undoubles only kk/dd/tt; we undouble every consonant so plannen meets plan.
    if len(word) >= 2 and word[-1] == word[-2] and not _is_vowel(word[-1]):
        return word[:-1]
    return word


def _mark_consonant_iy(word: str) -> str:
    # Snowball treats y at the start or after a vowel, and i between vowels, as consonants.
    chars = list(word)
    for i, char in enumerate(chars):
        prev_vowel = i > 0 and chars[i - 1] in VOWELS
        if char == "y" and (i == 0 or prev_vowel):
            chars[i] = "Y"
        elif char == "i" and prev_vowel and i + 1 < len(chars) and chars[i + 1] in VOWELS:
            chars[i] = "I"
    return "".join(chars)


def _strip_diminutive(word: str) -> str:
    # Diminutives (boekje, huisjes, balletje) are not in Snowball; strip them for a stem of 4+.
    for suffix in _DIMINUTIVES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            return base[:-1] if suffix.startswith("e") and base[-1:] == base[-2:-1] else base
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Stem one lowercase, accent-free Dutch word.

    Args:
        word: A single token, already normalised (see ``text.normalise``).

    Returns:
        The stem; equal for inflections (plural -en/-s, -heden/-heid, diminutives, -e).
    """
    if len(word) <= 3:
        return word
    word = _mark_consonant_iy(_strip_diminutive(word))
    r1, r2 = _regions(word)
    word = _step1(word, r1)
    word, e_found = _e_ending(word, r1)
    word = _step3(word, r1, r2, e_found)
    # Voiced endings of plurals: brieven -> brief, lezen -> les.
    if word[-1:] in ("v", "z") and len(word) >= 3:
        word = word[:-1] + ("f" if word[-1] == "v" else "s")
    word = _undouble_vowel(word)
    return word.replace("I", "i").replace("Y", "y")


def _en_ending(word: str, r1: int) -> str:
    base = word[:-2]
    if len(word) - 2 >= r1 and base and not _is_vowel(base[-1]) and not base.endswith("gem"):
        return _undouble(base)
    return word


def _e_ending(word: str, r1: int) -> tuple[str, bool]:
    if word.endswith("e") and len(word) - 1 >= r1 and len(word) > 1 and not _is_vowel(word[-2]):
        return _undouble(word[:-1]), True
    return word, False


def _step1(word: str, r1: int) -> str:
    if word.endswith("heden"):
        return word[:-5] + "heid" if len(word) - 5 >= r1 else word
    if word.endswith("ene"):
        return _en_ending(word[:-1], r1) if len(word) - 3 >= r1 else word
    if word.endswith("en"):
        return _en_ending(word, r1)
    for suffix in ("se", "s"):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            # Unlike Snowball, also drop the s of offertes/subsidies (plural -s after an e).
            # A stem of 4+ letters keeps kans/kansen and mens/mensen together.
            if len(base) >= max(r1, 4) and (not _is_vowel(base[-1]) or base[-1] == "e") and base[-1] != "j":
                return base
            return word
    return word


def _step3(word: str, r1: int, r2: int, e_found: bool) -> str:
    if word.endswith("heid") and len(word) - 4 >= r2 and word[-5:-4] != "c":
        word = word[:-4]
        if word.endswith("en"):
            word = _en_ending(word, r1)
    for suffix in ("end", "ing"):
        if word.endswith(suffix) and len(word) - 3 >= r2:
            word = word[:-3]
            if word.endswith("ig") and len(word) - 2 >= r2 and word[-3:-2] != "e":
                return word[:-2]
            return _undouble(word)
    if word.endswith("ig") and len(word) - 2 >= r2 and word[-3:-2] != "e":
        return word[:-2]
    if word.endswith("lijk") and len(word) - 4 >= r2:
        return _e_ending(word[:-4], r1)[0]
    if word.endswith("baar") and len(word) - 4 >= r2:
        return word[:-4]
    if word.endswith("bar") and len(word) - 3 >= r2 and e_found:
        return word[:-3]
    return word


def _undouble_vowel(word: str) -> str:
    # kaas -> kas, bestuur -> bestur: so that besturen and bestuur meet.
    if len(word) >= 4 and word[-3:-1] in ("aa", "ee", "oo", "uu"):
        before, last = word[-4], word[-1]
        if not _is_vowel(before) and not _is_vowel(last) and last != "I":
            return word[:-2] + last
    return word
