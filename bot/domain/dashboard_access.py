"""Sign-in to the coordinator's overview: a one-time link from the chat, then a session.

Both are signed tokens (:mod:`bot.domain.signed_links`, the same secret as the download links),
so no session table is needed. They differ in subject prefix, so a download link can never be
used as a session and the other way round:

- ``dash-<participant>-<nonce>``: the link the ``overzicht`` command gives, valid 15 minutes;
  the nonce is claimed once (``once_keys``) when the link is used, so a link opens one session.
- ``sess-<participant>-<nonce>``: the session cookie, valid a working day. Its CSRF token is
  derived from it (an HMAC of the whole cookie), so the token in a form is bound to the session
  that rendered it and a page from another site cannot know it.

Who the participant is still has to be checked on every request (still an active coordinator?):
a token only says who signed in, not what they may do now.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.signed_links import sign, verify

LOGIN_LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=10)
_LOGIN = "dash"
_SESSION = "sess"


@dataclass(frozen=True)
class LoginTicket:
    """What a valid sign-in link names: who, and the nonce that makes it single-use."""

    participant_id: int
    nonce: str

    @property
    def once_key(self) -> str:
        """The ``once_keys`` key claimed when the link is used."""
        return f"dashboard-login:{self.nonce}"


@dataclass(frozen=True)
class DashboardSession:
    """A signed-in session: who, and the CSRF token every form of this session carries."""

    participant_id: int
    csrf_token: str


def login_token(participant_id: int, now: datetime, secret: bytes) -> str:
    """A sign-in token for ``participant_id``, valid :data:`LOGIN_LINK_LIFETIME` from ``now``."""
    return sign(f"{_LOGIN}-{participant_id}-{secrets.token_hex(12)}", now + LOGIN_LINK_LIFETIME, secret)


def read_login_token(token: str, now: datetime, secret: bytes) -> LoginTicket | None:
    """The ticket of a valid, unexpired sign-in token, else ``None`` (forged, expired, another kind)."""
    parts = _subject_parts(token, now, secret, _LOGIN)
    return LoginTicket(participant_id=parts[0], nonce=parts[1]) if parts else None


def session_token(participant_id: int, now: datetime, secret: bytes) -> str:
    """A session cookie value for ``participant_id``, valid :data:`SESSION_LIFETIME` from ``now``."""
    return sign(f"{_SESSION}-{participant_id}-{secrets.token_hex(12)}", now + SESSION_LIFETIME, secret)


def read_session(token: str, now: datetime, secret: bytes) -> DashboardSession | None:
    """The session a valid, unexpired cookie value names, else ``None``."""
    parts = _subject_parts(token, now, secret, _SESSION)
    if parts is None:
        return None
    return DashboardSession(participant_id=parts[0], csrf_token=csrf_token(token, secret))


def csrf_token(session: str, secret: bytes) -> str:
    """The CSRF token of a session cookie value (a keyed hash of it: bound to that session)."""
    return hmac.new(secret, b"csrf\x00" + session.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_matches(session: DashboardSession, submitted: str) -> bool:
    """True when ``submitted`` is this session's CSRF token (compared in constant time)."""
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted)


def _subject_parts(token: str, now: datetime, secret: bytes, prefix: str) -> tuple[int, str] | None:
    subject = verify(token, now, secret)
    if subject is None:
        return None
    kind, _, rest = subject.partition("-")
    number, _, nonce = rest.partition("-")
    if kind != prefix or not number.isdigit() or not nonce:
        return None
    return int(number), nonce
