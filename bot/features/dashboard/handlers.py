"""``overzicht``: the coordinator gets a sign-in link to the overview, valid 15 minutes, used once.

The tab itself is served by ``bot.web.dashboard``; this is how one opens it from a browser or
the Agents Playground (in Teams the tab signs in by itself, with single sign-on).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.cards import adaptive_card, heading, paragraph
from bot.domain.clock import Clock
from bot.domain.dashboard_access import LOGIN_LINK_LIFETIME, login_token
from bot.domain.models import Participant
from bot.domain.services.roles import Roles
from bot.teams.replies import send_card
from bot.texts import Catalogue, language_for

DASHBOARD_COMMANDS = ("dashboard",)
SIGN_IN_PATH = "/overzicht/inloggen"


class DashboardHandlers:
    """The ``overzicht`` command (coordinators only: everyone else gets the usual refusal)."""

    COMMANDS = DASHBOARD_COMMANDS

    def __init__(self, *, roles: Roles, texts: Catalogue, clock: Clock, link_secret: bytes, public_url: str):
        self._roles = roles
        self._texts = texts
        self._clock = clock
        self._secret = link_secret
        self._public_url = public_url.rstrip("/")

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None:
        """Send the coordinator a card with a one-time sign-in link (``CoordinatorOnly`` for the others)."""
        await self._roles.require_coordinator(participant)
        language = language_for(turn_context.activity.locale)
        token = login_token(participant.id, self._clock.now(), self._secret)
        minutes = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)
        card = adaptive_card(
            [heading(self._texts.text("dashboard.link_title", language)),
             paragraph(self._texts.text("dashboard.link_body", language, minutes=minutes))],
            [{"type": "Action.OpenUrl", "title": self._texts.plain("dashboard.link_button", language),
              "url": f"{self._public_url}{SIGN_IN_PATH}?t={token}"}])
        await send_card(turn_context, card)
