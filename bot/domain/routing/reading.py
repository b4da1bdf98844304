"""Read a question the way the directory is written before it is analysed.

Profiles are written with care, in Dutch; questions are typed quickly, sometimes in English,
with typos and with Dutch separable verbs split over the sentence ("hoe schaal je dat op?").
The reader turns a question into the Dutch words it means, each with how sure the reading is:

- English words and phrases are read as their Dutch translation (``glossary``);
- a separable verb's particle is joined to its verb again (``schaal ... op`` → ``opschaal``)
  when that makes a word the directory or thesaurus knows;
- an unknown word one typing slip from a known word is read as that word, with
  the understanding layer's spelling corrector (``spelling``): ``factuuur`` → ``factuur``.

Words it does not recognise pass through unchanged: they may still match a profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.routing.compounds import PARTICLES
from bot.domain.routing.glossary import ENGLISH_STOP_WORDS, Glossary, english_stem
from bot.domain.routing.spelling import SpellingCorrector, distance
from bot.domain.routing.stemmer import stem
from bot.domain.routing.stopwords import STOP_WORDS
from bot.domain.routing.text import content_words, is_content_word, tokenise

TRANSLATED = 0.9  # a glossary translation: sure of the concept, less of the exact Dutch word
CORRECTED = 0.8  # a typo put right: a guess, though a close one
# Endings that make another form of a word rather than a typo of it.
INFLECTIONS = frozenset({"t", "d", "e", "s", "n", "en", "te", "de"})
PARTICLE_REACH = 6  # a particle closes its verb's clause; look back this many words
# Particles of separable verbs, and "samen" (werken ... samen). Stop words in themselves.
VERB_PARTICLES = frozenset(PARTICLES) | {"samen", "weg", "vast", "terug"}
_CLAUSE = re.compile(r"[.,;:!?()\[\]\n]+")
# Letters next to each other on a QWERTY keyboard: a slip of the finger swaps one for a
# neighbour, while a vowel swapped for another vowel is usually a different word
# ("factoren" is no typo of "facturen", "verhalen" none of "verdelen").
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    char: {row[i - 1] if i else "", row[i + 1] if i + 1 < len(row) else ""}
    | {other[j] for other in _ROWS if other != row for j in (i - 1, i, i + 1) if 0 <= j < len(other)}
    for row in _ROWS for i, char in enumerate(row)
}


@dataclass(frozen=True)
class ReadWord:
    """One word of a question as read.

    Attributes:
        word: The normalised Dutch word to analyse.
        weight: How sure the reading is (1.0 as typed).
        source: What the asker typed, for the reasons shown to people.
    """

    word: str
    weight: float
    source: str


class QuestionReader:
    """Reads questions against one directory's vocabulary; built once per router."""

    def __init__(self, *, known: Callable[[str], bool], vocabulary: frozenset[str], vocabulary_words: Iterable[str],
                 glossary: Glossary):
        """Build a reader.

        Args:
            known: True for a normalised word the analyser has features for (a directory or
                thesaurus stem, or a compound of those).
            vocabulary: The known stems themselves; a rejoined separable verb must be one of
                them (``voor`` + ``geld`` is no verb, though both parts are known).
            vocabulary_words: The directory's and thesaurus' words as written (normalised),
                the words a typo is put right to.
            glossary: English → Dutch.
        """
        self._known = known
        self._vocabulary = vocabulary
        self._glossary = glossary
        targets = frozenset(word for word in vocabulary_words if is_content_word(word))
        # Built here, not at the first typo, so no question pays for the deletion index.
        self._corrector = _corrector(targets, STOP_WORDS | ENGLISH_STOP_WORDS | glossary.words)

    def read(self, text: str) -> list[list[ReadWord]]:
        """The question's words, clause by clause (phrases never span a comma or full stop).

        Args:
            text: The question as typed.

        Returns:
            Per clause its read words, in order; stop words left out.
        """
        clauses = []
        for clause in _CLAUSE.split(text):
            tokens = tokenise(clause)
            if tokens:
                clauses.append(self._read_clause(tokens))
        return clauses

    def _read_clause(self, tokens: list[str]) -> list[ReadWord]:
        read: list[ReadWord] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token in VERB_PARTICLES:
                read.extend(self._separable(tokens, index))
            length, dutch = self._glossary.match(tokens, index)
            # An English phrase always; a single English word only when it is no Dutch word we know.
            if length > 1 or (length == 1 and is_content_word(token) and not self._known(token)):
                source = " ".join(tokens[index : index + length])
                read.extend(ReadWord(word, TRANSLATED, source) for word in content_words(" ".join(dutch)))
                index += length
                continue
            if is_content_word(token) and (token not in ENGLISH_STOP_WORDS or self._known(token)):
                read.append(self._word(token))
            index += 1
        return read

    def _word(self, token: str) -> ReadWord:
        if self._known(token) or english_stem(token) in self._glossary.words:
            return ReadWord(token, 1.0, token)
        corrected = self._corrector.correct(token)
        if corrected != token and plausible_typo(token, corrected):
            return ReadWord(corrected, CORRECTED, token)
        return ReadWord(token, 1.0, token)

    def _separable(self, tokens: list[str], index: int) -> list[ReadWord]:
        # "hoe schaal je dat op" → opschaal; "werken we samen" → samenwerken. A verb form with
        # -t ("schaalt ... op") is tried without it too.
        particle = tokens[index]
        found = []
        for verb in tokens[max(0, index - PARTICLE_REACH) : index]:
            # Stop words too: "werken" is filler alone, "samenwerken" is not; the joined word
            # must be a known stem, which keeps "is ... in" and the like out.
            if len(verb) < 3 or verb.isdigit():
                continue
            for form in (verb, verb[:-1] if verb.endswith("t") else None):
                if form and stem(particle + form) in self._vocabulary:
                    found.append(ReadWord(particle + form, 1.0, f"{verb} {particle}"))
                    break
        return found


@lru_cache(maxsize=4)
def _corrector(targets: frozenset[str], known: frozenset[str]) -> SpellingCorrector:
    # The router is rebuilt whenever the coordinator redirects a question (its feedback grows),
    # but the directory's words stay the same: their deletion index is built once.
    # One edit: typing slips are one edit (a letter left out, doubled, swapped or a neighbour),
    # and a two-edit index of a large directory costs several times the memory.
    return SpellingCorrector(targets=targets, known=known, max_edits=1)


def plausible_typo(typed: str, meant: str) -> bool:
    """True when ``typed`` reads as a slip in typing ``meant`` rather than as another word.

    Args:
        typed: The word as typed (normalised).
        meant: The known word the spelling corrector proposes.

    Returns:
        One edit: a letter left out, doubled or added, two letters swapped, or one letter
        replaced by a keyboard neighbour. Not when one word is the other with an inflection
        added ("geldt", "werkt"), nor when a vowel is made long or short ("meteen" is no slip
        in "meten"): Dutch spells vowel length, so that is another word.
    """
    longer, shorter = (typed, meant) if len(typed) >= len(meant) else (meant, typed)
    if longer.startswith(shorter) and longer[len(shorter):] in INFLECTIONS:
        return False  # "geldt" is a form of "gelden", not a slip in "geld" (nor "houd" in "houdt")
    if distance(typed, meant) != 1:
        return False
    if len(typed) != len(meant):
        return not _vowel_length(longer, shorter)
    changed = [(a, b) for a, b in zip(typed, meant, strict=True) if a != b]
    return len(changed) == 2 or changed[0][1] in _NEIGHBOURS.get(changed[0][0], ())


def _vowel_length(longer: str, shorter: str) -> bool:
    # The longer word has one letter more; True when that letter doubles a single vowel
    # ("meteen"/"meten", "koopen"/"kopen"), a spelling of another word rather than a slip.
    for index, char in enumerate(shorter):
        if longer[index] != char:
            break
    else:
        index = len(shorter)
    extra = longer[index]
    if extra not in "aeiou":
        return False
    start = end = index
    while start > 0 and longer[start - 1] == extra:
        start -= 1
    while end + 1 < len(longer) and longer[end + 1] == extra:
        end += 1
    return end - start + 1 == 2  # a run of two is a long vowel; "factuuur" (three) is a slip
