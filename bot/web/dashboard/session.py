"""The overview's session cookie and CSRF check (tokens: ``bot.domain.dashboard_access``).

The cookie is HttpOnly (no script reads it), ``SameSite=Lax`` after a sign-in link (a form on
another site cannot post with it) and ``Secure`` whenever the bot is reached over https. A
session opened by tab single sign-on lives inside Teams' frame, a third-party context where a
Lax cookie is never sent: that one is ``SameSite=None; Secure; Partitioned`` (https only, kept
apart per top-level site), and, like every session, every action it makes needs the session's
CSRF token in the form.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from aiohttp import web

from bot.components import Components
from bot.domain.dashboard_access import SESSION_LIFETIME, DashboardSession, read_session, session_token
from bot.domain.models import Participant

COOKIE = "sparringbot_overzicht"


def is_https(request: web.Request, components: Components) -> bool:
    """The bot is reached over https (its public address says so, or this very request came so)."""
    return components.settings.public_url.startswith("https://") or request.secure


def open_session(response: web.StreamResponse, request: web.Request, components: Components,
                 participant: Participant, *, in_teams_frame: bool = False) -> None:
    """Set a fresh session cookie for ``participant`` on ``response``."""
    token = session_token(participant.id, components.clock.now(), components.settings.link_secret)
    secure = is_https(request, components)
    max_age = int(SESSION_LIFETIME.total_seconds())
    if in_teams_frame and secure:
        # Python 3.11's cookie module knows no Partitioned attribute (aiohttp's set_cookie raises),
        # so this one header is written here: the token holds only letters, digits, "-" and ".".
        cookie = SimpleCookie()
        cookie[COOKIE] = token
        morsel = cookie[COOKIE]
        morsel.update({"path": "/overzicht", "httponly": True, "secure": True, "samesite": "None",
                       "max-age": str(max_age)})
        response.headers.add("Set-Cookie", morsel.OutputString() + "; Partitioned")
        return
    response.set_cookie(COOKIE, token, path="/overzicht", httponly=True, secure=secure, samesite="Lax",
                        max_age=max_age)


def close_session(response: web.StreamResponse) -> None:
    """Remove the session cookie."""
    response.del_cookie(COOKIE, path="/overzicht")


def session_of(request: web.Request, components: Components) -> DashboardSession | None:
    """The request's valid session, if any (who it names is checked by the caller)."""
    token = request.cookies.get(COOKIE, "")
    return read_session(token, components.clock.now(), components.settings.link_secret) if token else None
