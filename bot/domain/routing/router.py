"""Rank directory people for a sparring question, in Dutch."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.models import Person, Role
from bot.domain.routing.analyser import Analyser, Analysis
from bot.domain.routing.glossary import Glossary, default_glossary
from bot.domain.routing.index import Index, Profile, build_profile
from bot.domain.routing.reading import QuestionReader
from bot.domain.routing.text import tokenise
from bot.domain.routing.thesaurus import Thesaurus

# Below this BM25 score the best match shares only a generic word or a loose synonym with the
# question; the coordinator then decides rather than the bot sending it somewhere random.
MIN_SCORE = 1.0
FALLBACK_REASON = "geen goede match: naar de coördinator"
MAX_WORDS = 6


class Preference(enum.StrEnum):
    """Whom the asker wants to spar with."""

    ANY = "any"
    COLLEAGUE = "colleague"
    ADVISER = "adviser"


_ROLES = {Preference.ANY: frozenset(Role), Preference.COLLEAGUE: frozenset({Role.COLLEAGUE}),
          Preference.ADVISER: frozenset({Role.ADVISER})}


@dataclass(frozen=True)
class Match:
    """A ranked candidate: directory id, score (4 decimals) and Dutch reasons."""

    person: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RoutingFeedback:
    """The coordinator sent ``question`` to ``person`` (a directory id): learn from it."""

    question: str
    person: str


class Router:
    """Ranks people for questions; build once per directory, then call :meth:`rank`."""

    def __init__(self, people: Sequence[Person], thesaurus: Thesaurus,
                 feedback: Sequence[RoutingFeedback] = (), glossary: Glossary | None = None):
        """Index the directory.

        Args:
            people: Everyone in the directory (inactive people are indexed but never ranked).
            thesaurus: Synonym groups (see ``load_thesaurus``).
            feedback: Earlier redirections by the coordinator; their questions join the
                profile of the person they were sent to, so similar questions go there too.
            glossary: English words read as Dutch (see ``glossary``); ``None``: the packaged one.
        """
        texts = [text for p in people for text in (*p.topics, p.expertise)]
        self._analyser = Analyser(thesaurus, texts)
        words = {token for text in (*texts, *(entry for group in thesaurus.groups for entry in group))
                 for token in tokenise(text)}
        self._reader = QuestionReader(known=self._analyser.known, vocabulary=self._analyser.vocabulary,
                                      vocabulary_words=words,
                                      glossary=glossary if glossary is not None else default_glossary())
        learned: dict[str, list[str]] = {}
        for record in feedback:
            learned.setdefault(record.person, []).append(record.question)
        self._index = Index([build_profile(p, self._analyser, learned.get(p.id, ()), self._read)
                             for p in people])

    def rank(self, question: str, *, preference: Preference = Preference.ANY, asker: str | None = None,
             top: int = 3, load: Mapping[str, int] | None = None) -> list[Match]:
        """The best people for a question, best first.

        Args:
            question: The question, in Dutch.
            preference: Colleagues only, advisers only, or anyone (coordinator included).
            asker: The asker's person id or e-mail address; never returned.
            top: At most this many matches.
            load: Person id → open requests now; people at capacity are skipped, and among
                equal scores the least busy comes first.

        Returns:
            Matches, best first; ties by lower load, then id. When nothing scores at least
            ``MIN_SCORE``, the coordinator alone with reason ``FALLBACK_REASON``.
        """
        load = load or {}
        analysis = self._read(question)
        roles = _ROLES[Preference(preference)]
        wanted = max(top, 1)
        found: list[tuple[float, int, str, Profile]] = []
        # Best raw score first; the rules are checked only until ``wanted`` people are found and
        # the next score is lower (equal rounded scores must all be seen to order them by load).
        scored = sorted(((-round(raw, 4), number) for number, raw in self._index.score(analysis.weights).items()))
        for neg, number in scored:
            if len(found) >= wanted and neg > found[wanted - 1][0]:
                break
            profile = self._index.profiles[number]
            person = profile.person
            if person.role in roles and self._eligible(person, asker, load):
                found.append((neg, load.get(person.id, 0), person.id, profile))
                found.sort(key=lambda item: item[:3])
        if not found or -found[0][0] < MIN_SCORE:
            return self._fallback(asker, load)
        return [Match(pid, -neg, _reasons(profile, analysis.weights, analysis.sources))
                for neg, _, pid, profile in found[: max(top, 0)]]

    def _read(self, question: str) -> Analysis:
        return self._analyser.analyse_read(self._reader.read(question))

    def _eligible(self, person: Person, asker: str | None, load: Mapping[str, int]) -> bool:
        if not person.active or load.get(person.id, 0) >= person.capacity:
            return False
        return not _is_asker(person, asker)

    def _fallback(self, asker: str | None, load: Mapping[str, int]) -> list[Match]:
        coordinators = [p.person for p in self._index.profiles if p.person.role is Role.COORDINATOR
                        and p.person.active and not _is_asker(p.person, asker)]
        coordinators.sort(key=lambda p: (load.get(p.id, 0) >= p.capacity, load.get(p.id, 0), p.id))
        return [Match(coordinators[0].id, 0.0, (FALLBACK_REASON,))] if coordinators else []


def _is_asker(person: Person, asker: str | None) -> bool:
    if not asker:
        return False
    wanted = asker.strip().lower()
    return person.id == wanted or (person.email or "").lower() == wanted


def _reasons(profile: Profile, question: Mapping[str, float],
             sources: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    # Name the person's topics the question touches, then the question's words that matched.
    shared = {feature for feature in question if feature in profile.weights}
    reasons = [f"onderwerp: {topic}" for topic, features in profile.topics if features & shared]
    words: list[str] = []
    for feature, found in sources.items():
        if feature in shared:
            words.extend(word for word in found if word not in words)
    if words:
        reasons.append("woorden: " + ", ".join(words[:MAX_WORDS]))
    return tuple(reasons)
