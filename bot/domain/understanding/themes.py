"""Suggest a programme theme for a question, from its words and the thesaurus' synonyms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.domain.routing.analyser import Analyser

# What each of the default themes (bot/domain/models.Programme.themes) is about. A programme
# with themes of its own gets their names as their words, which the thesaurus then widens.
THEME_WORDS: Mapping[str, str] = {
    "netwerk & beleid": ("netwerk beleid gemeente wethouder ambtenaar gemeenteraad koepel stichting schoolbestuur "
                         "bestuurder koepeldirecteur samenwerking partner stakeholders belangen convenant lobby "
                         "kwaliteitsmanager jaarplan visie strategie relatie draagvlak overleg directeur"),
    "exploitatie": ("exploitatie kosten financiering geld begroting subsidie offerte factuur betalen budget prijs "
                    "tarief bijdrage kostenverdeling cofinanciering uren formatie"),
    "factsheet": "factsheet infographic cijfers bereikcijfers feitenblad onepager quotes",
}
MIN_LEAD = 0.5  # the best theme must beat the next by this much, or the bot asks
WHOLE = 0.8  # words and their synonyms; a compound's part ("school" in "schoolbestuur") says too little


class ThemeGuesser:
    """Scores a text against each theme's features; the analyser is shared with the understander."""

    def __init__(self, themes: Iterable[str], analyser: Analyser):
        """Build the theme profiles.

        Args:
            themes: The programme's themes, as written in its file.
            analyser: The routing analyser (stems, compounds, synonyms).
        """
        self._analyser = analyser
        self._profiles: list[tuple[str, frozenset[str]]] = []
        for theme in themes:
            words = THEME_WORDS.get(theme.strip().lower(), theme)
            features = frozenset(f for f, w in analyser.analyse(words).weights.items() if w >= WHOLE)
            if theme.strip().lower() not in {"overig", "other", "anders"} and features:
                self._profiles.append((theme, features))

    def guess(self, text: str) -> str | None:
        """The theme a question is most about, or ``None`` when no theme clearly leads."""
        weights = {f: w for f, w in self._analyser.analyse(text).weights.items() if w >= WHOLE}
        scored = sorted(((sum(w for f, w in weights.items() if f in features), theme)
                         for theme, features in self._profiles), reverse=True)
        if not scored or scored[0][0] <= 0:
            return None
        if len(scored) > 1 and scored[0][0] - scored[1][0] < MIN_LEAD:
            return None
        return scored[0][1]
