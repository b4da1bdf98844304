"""Dutch-aware question routing: who in the directory can best answer a sparring question.

Standard library only. Build a :class:`Router` once from the directory and the thesaurus, then
call :meth:`Router.rank` per question.
"""

from bot.domain.routing.router import FALLBACK_REASON, Match, Preference, Router, RoutingFeedback
from bot.domain.routing.thesaurus import Thesaurus, load_thesaurus, parse_thesaurus

__all__ = ["FALLBACK_REASON", "Match", "Preference", "Router", "RoutingFeedback", "Thesaurus",
           "load_thesaurus", "parse_thesaurus"]
