"""Plain Dutch (and English) typed text read into an intent, slots and a confidence.

Pure domain code: the routing's normalisation, Snowball stems and compound splitter, a
spelling corrector over the command vocabulary and a table of weighted cues (see
docs/understanding.md for the method and the figures). Build one :class:`Understander` and
call :meth:`Understander.understand` per message.
"""

from bot.domain.understanding.intents import DESTRUCTIVE, DOCUMENT_KINDS, INTENTS, ROLES, Intent
from bot.domain.understanding.reader import Guess, Understander, Understanding

__all__ = ["DESTRUCTIVE", "DOCUMENT_KINDS", "INTENTS", "ROLES", "Guess", "Intent", "Understander", "Understanding"]
