"""The message catalogue: every user-facing text, in Dutch and English, from one file."""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

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
        """The text for ``key`` in ``language`` (Dutch when unknown), with values filled in.

        Raises:
            KeyError: The key is not in the catalogue (a programming error).
        """
        entry = self.entries[key]
        template = entry.get(language) or entry[DEFAULT_LANGUAGE]
        return template.format(**values) if values else template


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
