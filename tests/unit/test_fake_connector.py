"""The fake Bot Connector itself: recording, rosters, paging, faults, waiting, and the real SDK clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.connector import ADAPTIVE_CARD, FakeConnector

ANNA = {"id": "29:anna", "aadObjectId": "aad-anna", "name": "Anna de Vries", "email": "anna@bieb.nl",
        "userPrincipalName": "anna@bieb.nl", "tenantId": "t1"}
TEAM = "19:team@thread.tacv2"


def card(text: str) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": text}]}


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    with FakeConnector() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def url(connector: FakeConnector, path: str) -> str:
    return connector.url + path.lstrip("/")


async def send(http: aiohttp.ClientSession, connector: FakeConnector, conversation: str, **activity: Any) -> Any:
    async with http.post(url(connector, f"v3/conversations/{conversation}/activities"),
                         json={"type": "message", **activity}) as response:
        return response.status, await response.json()


async def test_sends_replies_updates_and_deletes_are_recorded(connector, http):
    status, answer = await send(http, connector, "a:personal-anna", text="Hallo")
    assert status == 201 and answer["id"]
    reply = {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": card("Welkom")}]}
    async with http.post(url(connector, "v3/conversations/a:personal-anna/activities/m1"), json=reply,
                         headers={"Authorization": "Bearer token-1"}) as response:
        assert response.status == 201
    async with http.put(url(connector, f"v3/conversations/a:personal-anna/activities/{answer['id']}"),
                        json={"type": "message", "attachments": reply["attachments"]}) as response:
        assert (await response.json()) == {"id": answer["id"]}
    async with http.delete(url(connector, "v3/conversations/a:personal-anna/activities/m1")) as response:
        assert response.status == 200
    await send(http, connector, "a:personal-ben", text="Hoi Ben")

    assert [r["method"] for r in connector.sent] == ["POST", "POST", "PUT", "DELETE", "POST"]
    assert connector.sent[0]["activity_id"] == answer["id"]  # a new send records the id it was given
    assert connector.sent[1]["reply_to_id"] == "m1" and connector.sent[1]["activity_id"].startswith("activity-")
    assert connector.sent[2]["activity_id"] == answer["id"]  # the update names the activity it changes
    assert connector.sent[1]["headers"]["Authorization"] == "Bearer token-1"
    assert connector.texts() == ["Hallo", "Hoi Ben"]
    assert connector.texts("a:personal-anna") == ["Hallo"]
    assert connector.cards("a:personal-anna") == [card("Welkom"), card("Welkom")]  # the reply and the update
    assert connector.cards("a:personal-ben") == []
    assert len(connector.activities("a:personal-anna")) == 3


async def test_url_encoded_ids_are_decoded(connector, http):
    # The SDK quotes path parameters: Teams ids contain ':', '@' and ';'.
    await send(http, connector, "19%3Ateam%40thread.tacv2%3Bmessageid%3D1", text="In het kanaal")
    assert connector.sent[0]["conversation_id"] == f"{TEAM};messageid=1"
    assert connector.texts(f"{TEAM};messageid=1") == ["In het kanaal"]


async def test_create_conversation_returns_a_new_id_and_is_recorded(connector, http):
    parameters = {"isGroup": False, "bot": {"id": "28:bot"}, "members": [{"id": "29:anna"}], "tenantId": "t1"}
    async with http.post(url(connector, "v3/conversations"), json=parameters) as response:
        assert response.status == 201
        created = await response.json()
    assert created["id"].startswith("a:new-conv-")
    assert connector.created_conversations == [{**parameters, "id": created["id"]}]
    await send(http, connector, created["id"], text="Herinnering")
    assert connector.texts(created["id"]) == ["Herinnering"]


async def test_members_one_member_and_paging(connector, http):
    roster = [{**ANNA, "id": f"29:p{i}", "name": f"Deelnemer {i}"} for i in range(5)]
    connector.members[TEAM] = roster
    connector.members["a:personal-anna"] = [ANNA]
    async with http.get(url(connector, f"v3/conversations/{TEAM}/members")) as response:
        assert await response.json() == roster
    pages, token = [], None
    while True:
        params = {"pageSize": "2", **({"continuationToken": token} if token else {})}
        async with http.get(url(connector, f"v3/conversations/{TEAM}/pagedmembers"), params=params) as response:
            page = await response.json()
        pages.append([m["id"] for m in page["members"]])
        token = page["continuationToken"]
        if not token:
            break
    assert pages == [["29:p0", "29:p1"], ["29:p2", "29:p3"], ["29:p4"]]

    async with http.get(url(connector, "v3/conversations/a:personal-anna/members/29:anna")) as response:
        assert (await response.json())["email"] == "anna@bieb.nl"
    # Known in another roster: default_member finds the user.
    async with http.get(url(connector, "v3/conversations/a:personal-anna/members/29:p3")) as response:
        assert (await response.json())["name"] == "Deelnemer 3"
    async with http.get(url(connector, "v3/conversations/a:personal-x/members/29:nobody")) as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "MemberNotFoundInConversation"
    async with http.get(url(connector, "v3/conversations/a:unknown/members")) as response:
        assert await response.json() == []  # default_members


async def test_team_details_and_channels(connector, http):
    connector.teams[TEAM] = {"name": "dBos po"}
    async with http.get(url(connector, f"v3/teams/{TEAM}")) as response:
        details = await response.json()
    assert details["id"] == TEAM and details["name"] == "dBos po" and details["aadGroupId"]
    async with http.get(url(connector, f"v3/teams/{TEAM}/conversations")) as response:
        assert (await response.json())["conversations"] == [{"id": TEAM, "name": None}]


async def test_fault_injection_and_reset(connector, http):
    connector.fail_next(2, status=429, path_contains="a:personal-anna")
    connector.fail_next(1, status=403)
    status, body = await send(http, connector, "a:personal-anna", text="1")
    async with http.post(url(connector, "v3/conversations/a:personal-anna/activities"), json={"text": "2"}) as r:
        assert (r.status, r.headers["Retry-After"]) == (429, "1")
    assert (status, body["error"]["code"]) == (429, "Throttled")
    status, body = await send(http, connector, "a:personal-ben", text="3")
    assert (status, body["error"]["code"]) == (403, "ConversationBlockedByUser")
    assert (await send(http, connector, "a:personal-anna", text="4"))[0] == 201

    assert [r["status"] for r in connector.sent] == [429, 429, 403, 201]
    assert connector.texts() == ["4"]  # failed attempts are recorded but never count as sent

    connector.fail_next(5, status=502)
    connector.reset()
    assert connector.sent == [] and (await send(http, connector, "a:personal-anna", text="5"))[0] == 201


async def test_unknown_routes_are_recorded_as_404(connector, http):
    async with http.get(url(connector, "v3/conversations/a:1/activities/m1/members/extra")) as response:
        assert response.status == 404
    assert connector.sent[0]["status"] == 404


async def test_wait_for_wakes_on_a_request_and_times_out(connector, http):
    waiting = asyncio.create_task(connector.wait_for(lambda: connector.texts("a:personal-anna"), timeout=5))
    await asyncio.sleep(0)  # let the waiter register before anything is sent
    assert not waiting.done()
    await send(http, connector, "a:personal-ben", text="nog niet")
    await send(http, connector, "a:personal-anna", text="nu wel")
    assert await waiting == ["nu wel"]

    with pytest.raises(TimeoutError):
        await connector.wait_for(lambda: len(connector.texts()) > 5, timeout=0.05)


async def test_wait_for_sync_from_another_thread(connector, http):
    waiting = asyncio.ensure_future(asyncio.to_thread(connector.wait_for_sync, lambda: connector.texts(), 5))
    await send(http, connector, "a:personal-anna", text="Hallo")
    assert await waiting == ["Hallo"]
    with pytest.raises(TimeoutError):
        connector.wait_for_sync(lambda: False, timeout=0.01)


async def test_delay_slows_answers(connector, http):
    connector.delay = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    await send(http, connector, "a:personal-anna", text="traag")
    assert loop.time() - started >= 0.2


async def test_the_sdk_clients_reach_the_fake():
    """The async ConnectorClient and the blocking Teams client, as the bot uses them."""
    from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
    from botframework.connector.aio import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials
    from botframework.connector.teams import TeamsConnectorClient

    with FakeConnector() as connector:
        connector.members[TEAM] = [ANNA]
        credentials = MicrosoftAppCredentials("", "")  # no app id: the SDK sends no token
        client = ConnectorClient(credentials, base_url=connector.url)
        sent = await client.conversations.send_to_conversation(
            f"{TEAM};messageid=1", Activity(type="message", text="Hallo kanaal"))
        created = await client.conversations.create_conversation(
            ConversationParameters(bot=ChannelAccount(id="28:bot"), members=[ChannelAccount(id="29:anna")]))
        member = await client.conversations.get_conversation_member(TEAM, "29:anna")
        # A synchronous call from inside a running loop: only works because the fake has its own thread.
        details = TeamsConnectorClient(credentials, base_url=connector.url).teams.get_team_details(TEAM)

    assert sent.id.startswith("activity-") and created.id.startswith("a:new-conv-")
    assert member.name == "Anna de Vries"
    assert details.id == TEAM and details.member_count == 1
    assert connector.texts(f"{TEAM};messageid=1") == ["Hallo kanaal"]


def test_stop_is_idempotent_and_url_needs_a_running_server():
    connector = FakeConnector().start()
    assert connector.url.startswith("http://127.0.0.1:") and connector.url.endswith("/")
    connector.stop()
    connector.stop()
    with pytest.raises(RuntimeError):
        _ = connector.url
