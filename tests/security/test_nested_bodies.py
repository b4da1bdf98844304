"""Deeply nested JSON at ``POST /api/messages``: a 400 before anything reads it recursively, never a 500.

Python's ``json``, msrest's deserializer and everything after them (copies, state pickles) recurse
over the body; a few kilobytes of brackets used to raise ``RecursionError`` and answer 500, with or
without a token. The edge refuses bodies nested deeper than ``bot.teams.adapter.MAX_JSON_DEPTH`` with
a 400 before the token is checked, so an unauthenticated caller gets the same 400 and nothing
reaches the bot.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import bot.teams.adapter
from bot.teams.adapter import MAX_JSON_DEPTH, nested_deeper_than
from tests import activities as build
from tests.security.helpers import ALL_DATA_TABLES, authenticated_app_client, count
from tests.security.jwt_keys import OpenIdServer, SigningKey, bearer, mint

DEPTHS = (100, 1_000, 100_000)
FIELDS = ("body", "top-level key", "value", "channelData", "attachments[0].content", "entities")
PLACEHOLDER = "__nested_here__"


def nest(kind: str, depth: int) -> str:
    """JSON text of ``depth`` arrays (or objects) inside each other, built as text: no recursion."""
    if kind == "arrays":
        return "[" * depth + "]" * depth
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


def nested_body(service_url: str, *, field: str, kind: str, depth: int) -> bytes:
    """A Teams message whose ``field`` holds the nest (``body``: the whole body is the nest)."""
    if field == "body":
        return nest(kind, depth).encode()
    activity: dict[str, Any] = build.message(service_url, "hallo", key="mallory")
    if field == "top-level key":
        activity["nested"] = PLACEHOLDER
    elif field == "attachments[0].content":
        activity["attachments"] = [{"contentType": "application/vnd.microsoft.card.adaptive",
                                    "content": PLACEHOLDER}]
    else:
        activity[field] = PLACEHOLDER
    return json.dumps(activity).replace(json.dumps(PLACEHOLDER), nest(kind, depth)).encode()


CASES = [(field, kind, depth) for depth in DEPTHS for field in FIELDS for kind in ("arrays", "objects")]


async def post_every_case(client: Any, connector: Any, headers: dict[str, str]) -> dict[str, int]:
    """Post every nested body; returns the cases whose answer was not 400."""
    wrong = {}
    for field, kind, depth in CASES:
        response = await client.post("/api/messages", data=nested_body(connector.url, field=field, kind=kind,
                                                                       depth=depth),
                                     headers={"Content-Type": "application/json", **headers})
        await response.read()
        if response.status != 400:
            wrong[f"{depth} {kind} in {field}"] = response.status
    return wrong


async def assert_nothing_happened(client: Any, connector: Any) -> None:
    for table in ALL_DATA_TABLES:
        assert await count(client, table) == 0, table
    assert connector.sent == []


async def test_nested_bodies_are_400_without_authentication(bot_client, connector):
    assert await post_every_case(bot_client, connector, {}) == {}
    await assert_nothing_happened(bot_client, connector)


@pytest.fixture(scope="module")
def teams_key() -> SigningKey:
    return SigningKey()


@pytest.fixture
async def auth_client(teams_key, monkeypatch, tmp_path, clock):  # type: ignore[no-untyped-def]
    with OpenIdServer([teams_key]) as openid:
        async with authenticated_app_client(monkeypatch, metadata_url=openid.metadata_url, tmp_path=tmp_path,
                                            clock=clock) as client:
            yield client


@pytest.mark.parametrize("token", ["none", "valid"])
async def test_nested_bodies_are_400_with_authentication_on_with_or_without_a_token(
        auth_client, connector, teams_key, token):
    headers = bearer(mint(teams_key, service_url=connector.url)) if token == "valid" else {}
    assert await post_every_case(auth_client, connector, headers) == {}
    await assert_nothing_happened(auth_client, connector)


async def test_nesting_up_to_the_limit_is_an_ordinary_turn(bot_client, connector):
    """The body is level 1 and ``value`` level 2: a nest of ``MAX_JSON_DEPTH - 1`` fits exactly."""
    for depth, status in ((MAX_JSON_DEPTH - 1, 201), (MAX_JSON_DEPTH, 400)):
        response = await bot_client.post("/api/messages", data=nested_body(connector.url, field="value",
                                                                           kind="objects", depth=depth),
                                         headers={"Content-Type": "application/json"})
        assert response.status == status, (depth, await response.text())


async def test_a_recursion_error_while_reading_is_still_a_400(bot_client, connector, monkeypatch):
    """Second line of defence: with the depth check out of the way, json's own recursion guard trips."""
    monkeypatch.setattr(bot.teams.adapter, "MAX_JSON_DEPTH", 10**9)
    for kind in ("arrays", "objects"):
        response = await bot_client.post("/api/messages", data=nested_body(connector.url, field="value",
                                                                           kind=kind, depth=100_000),
                                         headers={"Content-Type": "application/json"})
        assert response.status == 400, await response.text()
    await assert_nothing_happened(bot_client, connector)


@pytest.mark.parametrize(("value", "limit", "deeper"), [
    ({}, 1, False), ([], 0, True), ({"a": [1, {"b": []}]}, 4, False), ({"a": [1, {"b": []}]}, 3, True),
    ("text", 0, False), ({"a": "x" * 10, "b": 2}, 1, False),
])
def test_nested_deeper_than(value, limit, deeper):
    assert nested_deeper_than(value, limit) is deeper


def test_nested_deeper_than_walks_a_million_levels_without_recursion():
    deep: list[Any] = []
    for _ in range(1_000_000):
        deep = [deep]
    assert nested_deeper_than(deep, MAX_JSON_DEPTH)
