"""Adapts the router to the sparring service: people, feedback and load in, suggestions out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.models import Person
from bot.domain.requests import Preference, Suggestion
from bot.domain.routing import Preference as RoutingPreference
from bot.domain.routing import Router, RoutingFeedback, Thesaurus


class Matcher:
    """Ranks people for a question; rebuilds the router index only when its inputs change."""

    def __init__(self, thesaurus: Thesaurus):
        self._thesaurus = thesaurus
        self._key: tuple[object, ...] | None = None
        self._router: Router | None = None

    def __call__(self, people: Sequence[Person], *, feedback: Sequence[tuple[str, str]], load: Mapping[str, int],
                 text: str, preference: Preference, asker: str | None, top: int) -> list[Suggestion]:
        """Return up to ``top`` suggestions, best first (see ``bot.domain.routing``)."""
        key = (tuple(people), tuple(feedback))
        if key != self._key or self._router is None:
            self._router = Router(people, self._thesaurus,
                                  feedback=[RoutingFeedback(question=q, person=p) for q, p in feedback])
            self._key = key
        matches = self._router.rank(text, preference=RoutingPreference(preference.value), asker=asker, top=top,
                                    load=load)
        return [Suggestion(person_id=m.person, score=m.score, reasons=tuple(m.reasons)) for m in matches]
