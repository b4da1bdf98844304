"""Turn Dutch text into weighted features: word stems, compound parts and thesaurus concepts.

A feature is a string: ``w:<stem>`` for a word, ``c:<n>`` for thesaurus group *n*. Questions
and profiles go through the same analyser, so they meet on the same features.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.routing.compounds import CompoundSplitter
from bot.domain.routing.reading import ReadWord
from bot.domain.routing.stemmer import stem
from bot.domain.routing.text import content_words, is_content_word, tokenise
from bot.domain.routing.thesaurus import Thesaurus

WORD = 1.0  # the word itself
CONCEPT = 0.8  # a synonym: slightly less sure than the same word
PART = 0.6  # part of a compound: "koepel" in "koepeldirecteur" says less than "koepel" alone
VERB_T = 5  # shortest word whose final -t may be the present tense ("kost" is a noun too)


@dataclass(frozen=True)
class Analysis:
    """Features of one text.

    Attributes:
        weights: Feature → weight (the strongest evidence per feature, not a sum).
        sources: Feature → the text's words (lowercase) that gave it, for reasons.
    """

    weights: dict[str, float]
    sources: dict[str, tuple[str, ...]]


class Analyser:
    """Normalises, stems, splits compounds and adds thesaurus concepts."""

    def __init__(self, thesaurus: Thesaurus, vocabulary_texts: Iterable[str] = ()):
        """Build an analyser.

        Args:
            thesaurus: Synonym groups.
            vocabulary_texts: Texts whose words are known compound parts (the directory's).
        """
        self._thesaurus = thesaurus
        vocabulary = {key for key in thesaurus.keys if " " not in key}
        for text in vocabulary_texts:
            vocabulary.update(stem(token) for token in content_words(text))
        self._vocabulary = frozenset(vocabulary)
        self._splitter = CompoundSplitter(vocabulary)
        self._phrase = thesaurus.longest_phrase

    def _stem(self, word: str) -> str:
        # Snowball leaves the present tense's -t on ("betaalt", "oplevert"); when the verb
        # without it is a known stem ("betaal" of "betalen"), the word is that verb.
        key = stem(word)
        if key not in self._vocabulary and len(word) >= VERB_T and word.endswith("t") and not word.endswith("dt"):
            for bare in (stem(word[:-1] + "en"), stem(word[:-1])):  # "oplever-en" keeps Snowball's long vowel
                if bare in self._vocabulary:
                    return bare
        return key

    def known(self, word: str) -> bool:
        """True when a normalised word gives a feature of the vocabulary (its stem, or its compound parts)."""
        if self._stem(word) in self._vocabulary:
            return True
        parts = self._splitter.split(word)  # a guessed part ("wissel" in "wisselcollecties") is not known
        return bool(parts) and all(part in self._vocabulary for part in parts)

    @property
    def vocabulary(self) -> frozenset[str]:
        """The known stems: the directory texts' and the thesaurus' single words."""
        return self._vocabulary

    def analyse(self, text: str) -> Analysis:
        """The features of ``text``, its words taken as written.

        Args:
            text: A question or a profile field, in Dutch.

        Returns:
            Its features with weights and the words behind each feature.
        """
        words = [ReadWord(token, 1.0, token) for token in tokenise(text) if is_content_word(token)]
        return self.analyse_read([words])

    def analyse_read(self, clauses: Iterable[Sequence[ReadWord]]) -> Analysis:
        """The features of a text already read (see ``reading.QuestionReader``).

        Args:
            clauses: Per clause its words, each with the weight of its reading; thesaurus
                phrases are looked for within a clause.

        Returns:
            Its features with weights and the words behind each feature.
        """
        weights: dict[str, float] = {}
        sources: dict[str, list[str]] = {}

        def add(feature: str, weight: float, word: str) -> None:
            if weight > weights.get(feature, 0.0):
                weights[feature] = weight
            words = sources.setdefault(feature, [])
            if word not in words:
                words.append(word)

        def add_stem(key: str, weight: float, word: str) -> None:
            if " " not in key:
                add("w:" + key, weight, word)
            for concept in self._thesaurus.concepts(key):
                add(f"c:{concept}", weight * CONCEPT, word)

        for words in clauses:
            stems = [self._stem(read.word) for read in words]
            for index, (read, key) in enumerate(zip(words, stems, strict=True)):
                add_stem(key, read.weight, read.source)
                for part in self._splitter.split(read.word):
                    add_stem(part, PART * read.weight, read.source)
                for length in range(2, self._phrase + 1):
                    if index + length <= len(stems):
                        phrase = " ".join(stems[index : index + length])
                        if self._thesaurus.concepts(phrase):
                            weight = min(item.weight for item in words[index : index + length])
                            add_stem(phrase, weight, " ".join(item.source for item in words[index : index + length]))
        return Analysis(weights, {feature: tuple(found) for feature, found in sources.items()})
