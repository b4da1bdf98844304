"""Logging policy: a request id on every line, no secrets, no question text at INFO."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from bot.logging_setup import RequestIdFilter
from tests import activities as build
from tests.e2e.test_http_sparring import QUESTION, ask, introduce_people

REPO = Path(__file__).resolve().parents[2]
# Names that must never be formatted into a log line (payloads, user text, credentials).
FORBIDDEN = {"text", "value", "password", "app_password", "secret", "token", "auth_header", "content",
             "body", "raw", "question", "comment", "note", "reason_text", "draft"}


def test_no_log_call_formats_user_text_or_secrets():
    """A grep-style check over bot/, dialogs/ and storage/: log arguments name none of FORBIDDEN."""
    offenders = []
    for path in [*REPO.glob("bot/**/*.py"), *REPO.glob("dialogs/**/*.py"), *REPO.glob("storage/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("debug", "info", "warning", "error", "exception", "critical")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in ("log", "logger")):
                continue
            for argument in node.args[1:]:
                names = {n.attr for n in ast.walk(argument) if isinstance(n, ast.Attribute)}
                names |= {n.id for n in ast.walk(argument) if isinstance(n, ast.Name)}
                if names & FORBIDDEN:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {sorted(names & FORBIDDEN)}")
    assert offenders == []


async def test_a_whole_question_leaves_no_question_text_in_info_logs(bot_client, connector, caplog):
    caplog.set_level(logging.DEBUG)
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    leaks = [r for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith(("bot", "dialogs",
                                                                                           "storage", "aiohttp"))
             and ("gefaseerd" in r.getMessage() or QUESTION[:30] in r.getMessage())]
    assert leaks == []


async def test_every_log_line_of_a_request_carries_its_request_id(bot_client, connector, monkeypatch):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    handler.addFilter(RequestIdFilter())
    logging.getLogger("bot").addHandler(handler)
    try:
        activity = build.message(connector.url, "hallo", key="mallory")
        activity["channelData"] = {"tenant": {"id": "someone-else"}}
        from bot.components import COMPONENTS

        monkeypatch.setattr(bot_client.server.app[COMPONENTS].bot, "_allowed_tenants", frozenset({"ours"}))
        response = await bot_client.post("/api/messages", json=activity, headers={"X-Request-Id": "req-42"})
    finally:
        logging.getLogger("bot").removeHandler(handler)
    assert response.headers["X-Request-Id"] == "req-42"
    assert records and all(r.request_id == "req-42" for r in records)
