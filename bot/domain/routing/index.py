"""The people index: per person a weighted bag of features, scored BM25-style.

BM25 rather than plain overlap because it rewards rare features (IDF: "koepel" names one
person, "school" names everyone) and does not let a long expertise text win by sheer length.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.models import Person, Role
from bot.domain.routing.analyser import Analyser, Analysis

TOPIC = 3.0  # topics are the person's own short tags: the strongest signal
EXPERTISE = 1.0
ORGANISATION = 0.5  # "bij de OBA" says something, but little
FEEDBACK = 2.0  # a question the coordinator sent to this person: as strong as a topic, nearly
K1 = 1.2
B = 0.5
ROLE_WORDS = {Role.ADVISER: "adviseur", Role.COORDINATOR: "coördinator projectleiding", Role.COLLEAGUE: ""}


@dataclass(frozen=True)
class Profile:
    """One person's features.

    Attributes:
        person: The person.
        weights: Feature → summed weight over the person's fields.
        topics: Per topic text, its features (to name matched topics in reasons).
    """

    person: Person
    weights: dict[str, float]
    topics: tuple[tuple[str, frozenset[str]], ...]


def build_profile(person: Person, analyser: Analyser, feedback: Sequence[str] = (),
                  read_question: Callable[[str], Analysis] | None = None) -> Profile:
    """Collect a person's weighted features from topics, expertise, organisation and feedback.

    Args:
        person: The person.
        analyser: Analyses the profile's own texts, as written.
        feedback: Questions the coordinator sent to this person.
        read_question: Analyses a question the way the router reads new ones (English read as
            Dutch, typos put right), so a learned question meets the next one like it;
            ``None``: as written.
    """
    weights: dict[str, float] = {}

    def add(text: str, field_weight: float, analyse: Callable[[str], Analysis] = analyser.analyse) -> frozenset[str]:
        analysis = analyse(text)
        for feature, weight in analysis.weights.items():
            weights[feature] = weights.get(feature, 0.0) + weight * field_weight
        return frozenset(analysis.weights)

    topics = tuple((topic, add(topic, TOPIC)) for topic in person.topics)
    add(person.expertise, EXPERTISE)
    add(f"{person.organisation} {ROLE_WORDS[person.role]}", ORGANISATION)
    for question in feedback:
        add(question, FEEDBACK, read_question or analyser.analyse)
    return Profile(person, weights, topics)


class Index:
    """Inverted index over profiles with BM25 scoring."""

    def __init__(self, profiles: Sequence[Profile]):
        """Index profiles (once; ranking then touches only the question's features)."""
        self.profiles = tuple(profiles)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        lengths = [sum(p.weights.values()) for p in self.profiles]
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        for number, profile in enumerate(self.profiles):
            norm = K1 * (1 - B + B * lengths[number] / (average or 1.0))
            for feature, tf in profile.weights.items():
                # BM25's saturated term frequency, precomputed per posting.
                self._postings.setdefault(feature, []).append((number, tf * (K1 + 1) / (tf + norm)))
        count = len(self.profiles)
        self._idf = {feature: math.log(1 + (count - len(posts) + 0.5) / (len(posts) + 0.5))
                     for feature, posts in self._postings.items()}

    def score(self, question: Mapping[str, float]) -> dict[int, float]:
        """BM25 scores of the profiles (by position) that share a feature with the question."""
        scores: dict[int, float] = {}
        for feature, weight in question.items():
            posts = self._postings.get(feature)
            if posts:
                idf = self._idf[feature] * weight
                for number, tf in posts:
                    scores[number] = scores.get(number, 0.0) + idf * tf
        return scores
