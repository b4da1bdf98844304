"""Hostile ids cannot forge log lines: one record is one physical line, tracebacks stay readable.

The app runs with the real log handler (``bot.logging_setup.log_handler``) writing to a buffer;
ids with newlines, carriage returns, escape sequences and Unicode line separators go in through
``POST /api/messages``; every record must come out as exactly one line, and the lines of a
traceback must all start with the continuation marker.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.components import COMPONENTS
from bot.logging_setup import CONTINUATION, escape_controls, log_handler
from tests import activities as build
from tests.security.helpers import app_client, make_settings

FORGED = "2026-03-03 09:00:00,000 INFO bot.teams.activity_handler request_id=- FORGED"
HOSTILE = [f"x\n{FORGED}", f"x\r{FORGED}", f"x\r\n{FORGED}", f"x\u2028{FORGED}", f"x\x1b[2K\x0b\x0c\x85{FORGED}"]


class Captured:
    """The real handler writing into a buffer, and the records it was given."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.handler = log_handler(self.buffer)
        self.records: list[logging.LogRecord] = []

    def forget(self) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.records.clear()

    def lines(self) -> list[str]:
        return self.buffer.getvalue().split("\n")[:-1]

    def assert_one_line_per_record(self) -> None:
        lines = self.lines()
        starts = [line for line in lines if not line.startswith(CONTINUATION)]
        assert len(starts) == len(self.records), lines
        assert all(" request_id=" in line for line in starts), starts
        # No line, of a record or a traceback, holds a raw control or line-breaking character.
        assert all(escape_controls(line) == line for line in lines), lines
        assert not any(line.startswith(FORGED[:10]) and "FORGED" in line for line in lines), lines


@pytest.fixture
def captured() -> Iterator[Captured]:
    capture = Captured()

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            capture.records.append(record)

    root = logging.getLogger()
    keep = Keep(logging.DEBUG)
    level = root.level
    root.addHandler(capture.handler)
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture.handler)
        root.removeHandler(keep)
        root.setLevel(level)


async def test_hostile_ids_sent_to_the_app_give_one_line_per_record(tmp_path, clock, connector, captured):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path,
                             ALLOWED_TENANTS="ours", ALLOWED_CHANNELS="msteams")
    async with app_client(settings, clock) as client:
        captured.forget()  # start-up lines are not the point here
        for number, hostile in enumerate(HOSTILE):
            key = f"m{number}"
            tenant = build.message(connector.url, "hallo", key=key)
            tenant["channelData"] = {"tenant": {"id": hostile}}
            tenant["conversation"]["tenantId"] = hostile
            tenant["from"]["id"] = hostile
            tenant["conversation"]["id"] = hostile
            channel = build.message(connector.url, "hallo", key=key, channelId=hostile)
            for activity in (tenant, channel):
                # (aiohttp refuses control characters in headers: X-Request-Id cannot carry them)
                response = await client.post("/api/messages", json=activity)
                assert response.status in (201, 403), await response.text()
        # A turn that fails: the connector answers 500, the bot logs the traceback (twice).
        client.server.app[COMPONENTS].bot._allowed_tenants = frozenset()
        connector.fail_next(2, status=500, body={"error": {"code": "ServiceError", "message": HOSTILE[0]}})
        response = await client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"))
        assert response.status in (201, 500)
    refusals = [r for r in captured.records if "refused activity" in r.getMessage()]
    assert len(refusals) == 2 * len(HOSTILE)
    assert any(r.exc_info for r in captured.records)  # a traceback was logged
    captured.assert_one_line_per_record()
    assert "Traceback (most recent call last):" in captured.buffer.getvalue()
    forged = "\\n2026-03-03 09:00:00,000 INFO bot.teams.activity_handler request_id=- FORGED"
    assert forged in captured.buffer.getvalue()


def test_every_field_of_a_record_is_escaped_and_tracebacks_keep_their_lines(captured):
    log = logging.getLogger("bot.hostile\nlogger")
    for hostile in HOSTILE:
        log.warning("refused file %s for user %s in conversation %s", hostile, hostile, hostile)
        log.warning(hostile)
        try:
            raise ValueError(f"bad id {hostile}")
        except ValueError:
            log.exception("turn failed for %s", hostile)
        log.info("where we are", stack_info=True)
    captured.assert_one_line_per_record()
    text = captured.buffer.getvalue()
    assert "bot.hostile\\nlogger" in text
    assert f"{CONTINUATION}Traceback (most recent call last):" in text
    # A newline inside an exception's message splits the traceback's last line, but what
    # follows it is a continuation like any other line of the traceback, not a record.
    assert f"{CONTINUATION}ValueError: bad id x\n{CONTINUATION}{FORGED}\n" in text
    assert f"{CONTINUATION}Stack (most recent call last):" in text


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a\nb", "a\\nb"), ("a\r\nb", "a\\r\\nb"), ("\t", "\\t"), ("\x00\x1b\x7f\x85", "\\x00\\x1b\\x7f\\x85"),
    ("\u2028\u2029\u202e\u200b\ufeff", "\\u2028\\u2029\\u202e\\u200b\\ufeff"), ("Zoë 👩🏽‍💻", "Zoë 👩🏽\\u200d💻"),
    ("C:\\files", "C:\\files"),
])
def test_escape_controls(raw, escaped):
    assert escape_controls(raw) == escaped
