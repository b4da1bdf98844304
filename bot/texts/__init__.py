"""The message catalogue: every user-facing text, in Dutch and English, from one file."""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from bot.texts.markdown import escape

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


def language_for(locale: str | None) -> str:
    """English for ``en-*`` Teams locales, Dutch for everything else."""
    return "en" if (locale or "").lower().startswith("en") else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Catalogue:
    """Looks up texts by key and language."""

    entries: dict[str, dict[str, str]]

    @classmethod
    def load(cls, text: str | None = None) -> Catalogue:
        """Load the packaged catalogue (or ``text``) and check it is complete.

        Raises:
            ValueError: A key lacks a language or the languages use different placeholders.
        """
        if text is None:
            text = resources.files("bot.texts").joinpath("catalogue.yaml").read_text("utf-8")
        raw: dict[str, Any] = yaml.safe_load(text) or {}
        problems = []
        for key, value in raw.items():
            if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) for lang in LANGUAGES):
                problems.append(f"{key}: needs a text for each of {', '.join(LANGUAGES)}")
            elif len({frozenset(_placeholders(value[lang])) for lang in LANGUAGES}) != 1:
                problems.append(f"{key}: the languages use different placeholders")
        if problems:
            raise ValueError("Invalid message catalogue:\n" + "\n".join(problems))
        return cls(entries={k: dict(v) for k, v in raw.items()})

    def text(self, key: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
        """The text for ``key`` in ``language`` (Dutch when unknown), for a card or a chat message.

        This is where user-supplied values enter what the bot says: every text value is escaped
        (:func:`bot.texts.markdown.escape`) unless it is already :class:`Markdown`, so a display
        name or a title can never become a link, emphasis or a heading. Numbers are filled in as
        they are. The result is a plain ``str`` (activities and cards keep exact JSON types).

        Raises:
            KeyError: The key is not in the catalogue (a programming error).
        """
        safe = {name: escape(value) if isinstance(value, str) else value for name, value in values.items()}
        return self.plain(key, language, **safe)

    def plain(self, key: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
        """The text with values filled in as they are: for button titles and labels, which show no markdown.

        Raises:
            KeyError: The key is not in the catalogue (a programming error).
        """
        entry = self.entries[key]
        template = entry.get(language) or entry[DEFAULT_LANGUAGE]
        return template.format(**values) if values else template


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
