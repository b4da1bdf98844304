"""Sign-in tokens of the overview: a link is not a session, a session is not a download, CSRF is bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.dashboard_access import (
    LOGIN_LINK_LIFETIME,
    SESSION_LIFETIME,
    csrf_matches,
    login_token,
    read_login_token,
    read_session,
    session_token,
)
from bot.domain.signed_links import sign, verify

SECRET = b"a-secret-of-at-least-16"
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_a_link_names_its_participant_until_it_expires_and_each_link_is_new():
    token = login_token(7, NOW, SECRET)
    ticket = read_login_token(token, NOW + LOGIN_LINK_LIFETIME - timedelta(seconds=1), SECRET)
    assert ticket is not None and ticket.participant_id == 7
    assert read_login_token(token, NOW + LOGIN_LINK_LIFETIME + timedelta(seconds=1), SECRET) is None
    other = read_login_token(login_token(7, NOW, SECRET), NOW, SECRET)
    assert other is not None and other.once_key != ticket.once_key  # each link is spent on its own


def test_tampered_foreign_and_other_kinds_of_token_are_nothing():
    token = login_token(7, NOW, SECRET)
    subject, expiry, signature = token.split(".")
    tampered = f"{subject.replace('dash-7', 'dash-8')}.{expiry}.{signature}"
    assert read_login_token(tampered, NOW, SECRET) is None
    assert read_login_token(token, NOW, b"another-secret-of-16+") is None
    assert read_login_token("", NOW, SECRET) is None and read_login_token("a.b.c", NOW, SECRET) is None
    # A session is not a link, a link not a session, a download link neither.
    session = session_token(7, NOW, SECRET)
    assert read_login_token(session, NOW, SECRET) is None
    assert read_session(token, NOW, SECRET) is None
    download = sign("doc-7", NOW + timedelta(hours=1), SECRET)
    assert read_session(download, NOW, SECRET) is None and read_login_token(download, NOW, SECRET) is None
    # ... and a link or a session opens no file.
    assert not (verify(token, NOW, SECRET) or "").startswith(("doc-", "export-"))


def test_a_session_lasts_a_working_day_and_its_csrf_token_fits_it_alone():
    cookie = session_token(7, NOW, SECRET)
    session = read_session(cookie, NOW + SESSION_LIFETIME - timedelta(minutes=1), SECRET)
    assert session is not None and session.participant_id == 7
    assert read_session(cookie, NOW + SESSION_LIFETIME + timedelta(minutes=1), SECRET) is None
    other = read_session(session_token(7, NOW, SECRET), NOW, SECRET)
    assert other is not None
    assert csrf_matches(session, session.csrf_token)
    assert not csrf_matches(session, other.csrf_token)  # another session's token, even the same person's
    assert not csrf_matches(session, "") and not csrf_matches(session, session.csrf_token[:-1])
