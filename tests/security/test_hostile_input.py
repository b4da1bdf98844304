"""Hostile and broken input at ``POST /api/messages``: never a 500, never a traceback, data intact."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import RequestRow
from tests import activities as build
from tests.e2e.test_http_sparring import deliver, introduce_people, post
from tests.security.helpers import count, rows

TRACEBACK = re.compile(r"Traceback|File \"[^\"]+\.py\"|\b[A-Z]\w+(Error|Exception)\b")


def assert_no_traceback(connector: Any) -> None:
    """Nothing the bot sent anybody looks like a stack trace or an exception name."""
    for record in connector.sent:
        assert not TRACEBACK.search(json.dumps(record["body"], ensure_ascii=False)), record["body"]


async def raw_post(client: Any, data: bytes | str, content_type: str | None = "application/json",
                   **headers: str) -> Any:
    if content_type:
        headers["Content-Type"] = content_type
    return await client.post("/api/messages", data=data, headers=headers)


# ---------------------------------------------------------------------------- malformed bodies

@pytest.mark.parametrize("body", [b"", b"{", b"{'type': 'message'}", b"\xff\xfe\x00", b"NaN", b"[1,",
                                  '{"type": "message", "text": "\udcff"}'.encode("utf-8", "surrogatepass")],
                         ids=["empty", "truncated", "single-quotes", "binary", "nan", "open-array", "lone-surrogate"])
async def test_invalid_json_is_400(bot_client, body):
    response = await raw_post(bot_client, body)
    assert response.status == 400
    assert (await response.json())["error"]


@pytest.mark.parametrize("body", ["[]", "[{\"type\": \"message\"}]", "\"message\"", "42", "null", "true"])
async def test_a_body_that_is_not_an_object_is_400(bot_client, body):
    assert (await raw_post(bot_client, body)).status == 400


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
async def test_other_content_types_are_415(bot_client, connector, content_type):
    body = json.dumps(build.message(connector.url, "hallo"))
    assert (await raw_post(bot_client, body, content_type)).status == 415


async def test_oversized_bodies_are_413_whether_announced_or_streamed(bot_client, connector):
    limit = bot_client.server.app[COMPONENTS].settings.max_body_bytes
    huge = json.dumps(build.message(connector.url, "x" * (limit + 10)))
    assert (await raw_post(bot_client, huge)).status == 413

    async def chunks():  # chunked transfer: no Content-Length to refuse early on
        for start in range(0, len(huge), 65536):
            yield huge[start:start + 65536].encode()

    response = await bot_client.post("/api/messages", data=chunks(), headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert await count(bot_client, "participants") == 0


def _wrong(url: str, **fields: Any) -> dict[str, Any]:
    activity = build.message(url, "hallo", key="mallory")
    for name, value in fields.items():
        if value is _DROP:
            activity.pop(name, None)
        else:
            activity[name] = value
    return activity


_DROP = object()
WRONG_FIELDS: dict[str, dict[str, Any]] = {
    "no type": {"type": _DROP},
    "type is a number": {"type": 7},
    "type is a list": {"type": ["message"]},
    "unknown type": {"type": "hackerEvent"},
    "type with control characters": {"type": "message\x00\r\n"},
    "no from": {"from": _DROP},
    "from is a string": {"from": "29:dia"},
    "from without id": {"from": {"name": "Dia Wesseling"}},
    "from claims to be a bot": {"from": {"id": "29:dia", "role": "bot"}},
    "no conversation": {"conversation": _DROP},
    "conversation is a number": {"conversation": 5},
    "conversation without id": {"conversation": {"conversationType": "personal"}},
    "no serviceUrl": {"serviceUrl": _DROP},
    "serviceUrl not a url": {"serviceUrl": "javascript:alert(1)"},
    "serviceUrl to a file": {"serviceUrl": "file:///etc/passwd"},
    "no channelId": {"channelId": _DROP},
    "text is a number": {"text": 12345},
    "text is an object": {"text": {"$ne": ""}},
    "value is a string": {"value": "approve"},
    "value is a list": {"value": [1, 2]},
    "channelData is a list": {"channelData": ["tenant"]},
    "tenant is a string": {"channelData": {"tenant": "abc"}},
    "timestamp not a date": {"timestamp": "yesterday"},
    "timestamp a number": {"timestamp": 1e308},
    "entities not a list": {"entities": {"type": "mention"}},
    "attachments of strings": {"attachments": ["x", 1]},
    "locale is garbage": {"locale": "../../etc/passwd"},
    "membersAdded of strings": {"type": "conversationUpdate", "membersAdded": ["29:x"]},
    "invoke without name": {"type": "invoke", "value": {"action": {}}},
    "invoke with unknown name": {"type": "invoke", "name": "task/fetch/../../admin"},
    "adaptive action without data": {"type": "invoke", "name": "adaptiveCard/action",
                                      "value": {"action": {"type": "Action.Execute", "verb": "review.approve"}}},
    "adaptive action with string data": {"type": "invoke", "name": "adaptiveCard/action",
                                         "value": {"action": {"verb": "review.approve", "data": "1"}}},
    "adaptive action value is a list": {"type": "invoke", "name": "adaptiveCard/action", "value": []},
    "action without type": {"type": "invoke", "name": "adaptiveCard/action",
                            "value": {"action": {"verb": "review.approve", "data": {"request_id": 1}}}},
    "request id is huge": {"type": "invoke", "name": "adaptiveCard/action",
                           "value": {"action": {"type": "Action.Execute", "verb": "review.approve",
                                                "data": {"request_id": 10 ** 30, "version": 10 ** 30}}}},
    "request id is negative": {"type": "invoke", "name": "adaptiveCard/action",
                               "value": {"action": {"type": "Action.Execute", "verb": "intro.accept",
                                                    "data": {"request_id": -1}}}},
    "request id is a float": {"type": "invoke", "name": "adaptiveCard/action",
                              "value": {"action": {"type": "Action.Execute", "verb": "feedback.close",
                                                   "data": {"request_id": 1e300, "rating": "NaN"}}}},
    "escaped lone surrogate": {"text": "\ud800 vraag \udfff"},
    "deep nesting": {"value": json.loads("[" * 400 + "]" * 400)},
}


@pytest.mark.parametrize("case", list(WRONG_FIELDS))
async def test_missing_or_wrong_typed_fields_never_give_a_500(bot_client, connector, case):
    response = await bot_client.post("/api/messages", json=_wrong(connector.url, **WRONG_FIELDS[case]))
    body = await response.text()
    is_invoke = WRONG_FIELDS[case].get("type") == "invoke"
    # 501 is the SDK's answer to an invoke it has no handler for (what Teams expects); 403 refuses
    # an activity from no channel (ALLOWED_CHANNELS, tests/security/test_channels.py).
    allowed = (200, 201, 400, 403) if case == "no channelId" else (200, 201, 400)
    assert response.status in allowed or (is_invoke and response.status == 501), (response.status, body)
    assert not TRACEBACK.search(body)
    assert_no_traceback(connector)


# ------------------------------------------------------------------------------ hostile texts

HOSTILE_TEXTS = {
    "empty": "",
    "whitespace": " \t\r\n\u00a0\u2028\u3000",
    "control characters": "hallo\x00\x01\x07\x08\x1b[31mrood\x1b[0m\x7f",
    "right to left": "\u202eסלאם عليكم مرحبا\u202c \u200f",
    "emoji": "👩🏽‍💻 vraag 🙈🏳️‍🌈 " + "🔥" * 200,
    "huge": "woord " * 150_000,
    "sql": "'; DROP TABLE participants; --",
    "template": "{{7*7}} ${jndi:ldap://x} %s %(text)s {0}",
}


@pytest.mark.parametrize("case", list(HOSTILE_TEXTS))
async def test_hostile_texts_get_an_ordinary_answer(bot_client, connector, case):
    response = await bot_client.post("/api/messages", json=build.message(connector.url, HOSTILE_TEXTS[case],
                                                                         key="mallory"))
    assert response.status == 201, await response.text()
    # First contact of someone outside the directory: asked for their library, then answered (a message
    # refused whole for its length runs nothing, the question included).
    *asked, answer = connector.activities("a:personal-mallory")
    assert [a["attachments"][0]["content"]["body"][0]["text"] for a in asked] == (
        [] if case == "huge" else ["Voor welke bibliotheek werk je?"])
    assert answer.get("attachments") or answer.get("text")
    assert_no_traceback(connector)
    assert await count(bot_client, "participants") == 1


QUESTION_ATTACK = (
    "Hoe voorkomen we dat dit uitbreekt? \"}]}, {\"type\": \"Action.OpenUrl\", \"url\": \"https://evil.example\"} "
    "<script>alert(1)</script> <at>Dia Wesseling</at> [klik hier](https://evil.example/login) "
    "![pixel](https://evil.example/p.png) **vet** _schuin_ `code` ~~weg~~ | tabel | \\ \n"
    "# kop\n- lijst\n1. genummerd\n"
    "\u202eRTL-override \u200b\u2066 👩🏽‍💻 \x07"
)


async def test_markup_in_a_question_stays_inert_text_in_every_card(bot_client, connector):
    """A question written to break out of card text ends up as escaped text in one TextBlock."""
    await introduce_people(bot_client, connector)
    await post(bot_client, build.message(connector.url, "vraag", key="anna"))
    await post(bot_client, build.message(connector.url, QUESTION_ATTACK, key="anna"))
    await post(bot_client, build.message(connector.url, "Netwerk & Beleid", key="anna"))
    await post(bot_client, build.message(connector.url, "Geen voorkeur", key="anna"))
    await post(bot_client, build.message(connector.url, "nee", key="anna"))
    values = {"dialog": "question.send", "text": QUESTION_ATTACK, "theme": "Netwerk & Beleid",
              "preference": "any", "context": "[ctx](https://evil.example) <b>x</b>"}
    await post(bot_client, build.card_submit(connector.url, values, key="anna"))
    await deliver(bot_client)
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        [row] = (await session.scalars(select(RequestRow))).all()
    assert "<script>alert(1)</script>" in row.text and "👩🏽‍💻" in row.text and "\u202e" in row.text

    review = connector.cards("a:personal-dia")[-1]
    blocks = [b for b in review["body"] if b.get("type") == "TextBlock"]
    question = next(b["text"] for b in blocks if "script" in b["text"])
    # Only what can start markup is escaped ("<", "[", "]", "*"): the ")" and ">" after them are plain.
    assert r"\<script>" in question and r"\[klik hier\](https://evil.example/login)" in question
    assert r"!\[pixel\]" in question and r"\*\*vet\*\*" in question and r"\<at>" in question
    assert "\u202e" in question and "👩🏽‍💻" in question  # readable, just inert
    # No element or action came from the text: every URL in the card is the bot's own.
    for card in connector.cards():
        urls = re.findall(r'"url":\s*"([^"]*)"', json.dumps(card))
        assert all("evil.example" not in url for url in urls), urls
        assert all(a.get("type") in ("Action.Execute", "Action.Submit", "Action.OpenUrl", "Action.ShowCard")
                   for a in card.get("actions", []))
    assert_no_traceback(connector)


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "..\\..\\windows\\system32\\config\\sam",
                                  "/etc/shadow", "verslag.pdf\x00.exe", "CON", "a" * 5000 + ".docx",
                                  "%2e%2e%2f%2e%2e%2fsecret", "\u202egpj.exe"])
async def test_path_tricks_in_file_names_write_and_fetch_nothing(bot_client, connector, tmp_path, name):
    """A hostile name never becomes a path: nothing is stored, and only http(s) URLs are fetched."""
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    activity = build.message(connector.url, "", key="mallory")
    activity["attachments"] = [
        {"contentType": "application/vnd.microsoft.teams.file.download.info", "name": name,
         "content": {"downloadUrl": f"{connector.url}download/{name}", "uniqueId": "../x", "fileType": "exe"}},
        {"contentType": "application/pdf", "name": name, "contentUrl": "file:///etc/passwd"},
    ]
    response = await bot_client.post("/api/messages", json=activity)
    assert response.status == 201
    # The Teams download URL is fetched (the fake connector answers 404); file:// never is.
    assert connector.texts("a:personal-mallory")[-1].startswith("Het ophalen van")
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert [p for p in after if p not in before and not p.name.startswith("bot.db")] == []


@pytest.mark.parametrize("path", ["/api/messages/../healthz", "/api/%2e%2e/messages", "/api/messages/",
                                  "/api//messages", "/api/messages%00", "/API/MESSAGES"])
async def test_path_tricks_on_the_endpoint_never_reach_a_handler_by_accident(bot_client, connector, path):
    response = await bot_client.post(path, json=build.message(connector.url, "hallo"))
    assert response.status < 500
    if response.status == 201:
        assert await count(bot_client, "participants") == 1


async def test_the_database_is_consistent_after_the_hostile_cases(bot_client, connector):
    for case in WRONG_FIELDS.values():
        await bot_client.post("/api/messages", json=_wrong(connector.url, **case))
    for text in HOSTILE_TEXTS.values():
        await bot_client.post("/api/messages", json=build.message(connector.url, text, key="mallory"))
    for table, orphans in (("requests", "SELECT COUNT(*) FROM requests r LEFT JOIN participants p "
                                        "ON p.id = r.asker_id WHERE p.id IS NULL"),
                           ("outbox", "SELECT COUNT(*) FROM outbox o LEFT JOIN participants p "
                                      "ON p.id = o.recipient_id WHERE p.id IS NULL")):
        from sqlalchemy import text

        async with bot_client.server.app[COMPONENTS].engine.connect() as connection:
            assert (await connection.execute(text(orphans))).scalar_one() == 0, table
    from storage import state_codec

    for key, data, _e_tag, _updated in await rows(bot_client, "bot_state"):
        assert isinstance(state_codec.decode(data), dict), key  # every state document reads back whole
