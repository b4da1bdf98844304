"""Roles are checked on the server for every action: forged clicks change nothing.

Card payloads carry ids a user can copy or invent. Each forgery below sends the real verb with
the right request id and the *current* version (the strongest forgery), plus fields claiming to
be someone else; only ``from.id`` of the activity decides who acts.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import ParticipantRow
from tests import activities as build
from tests.activities import member
from tests.e2e.test_http_sparring import ask, deliver, introduce_people, post, requests
from tests.security.helpers import snapshot

NOT_COORDINATOR = "Dat kan alleen de coördinator van het project."
NOT_FOR_YOU = "Deze knop is niet voor jou bedoeld."
CARD = "application/vnd.microsoft.card.adaptive"


async def _participant_ids(client) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with client.server.app[COMPONENTS].sessions() as session:
        found = (await session.scalars(select(ParticipantRow))).all()
    return {row.teams_id.removeprefix("29:"): row.id for row in found}


async def _version(client) -> int:  # type: ignore[no-untyped-def]
    [row] = await requests(client)
    return row.version


async def _ref(client) -> str:  # type: ignore[no-untyped-def]
    [row] = await requests(client)
    return row.public_ref


class Forger:
    """Sends forged actions and checks that none of them changed a decision table."""

    def __init__(self, client: Any, connector: Any):
        self.client, self.connector = client, connector
        self.refused = 0

    async def payload(self, **extra: Any) -> dict[str, Any]:
        ids = await _participant_ids(self.client)
        # Claims a user could add to a card's data to pose as the coordinator or the asker.
        return {"ref": await _ref(self.client), "request_id": 1, "version": await _version(self.client),
                "actor": "29:dia", "user": "29:dia",
                "from": {"id": "29:dia"}, "asker_id": ids.get("anna"), "participant_id": ids.get("dia"),
                "person_id": "dia", "assignee_id": "maarten-oba", **extra}

    async def click(self, verb: str, key: str, **extra: Any) -> None:
        before = await snapshot(self.client)
        activity = build.card_action(self.connector.url, verb, await self.payload(**extra), key=key)
        response = await self.client.post("/api/messages", json=activity)
        assert response.status in (200, 400), await response.text()
        body = await response.json()
        assert body.get("type") != CARD, (verb, key, body)  # the clicked card is not replaced
        await deliver(self.client)
        assert await snapshot(self.client) == before, f"{key} could {verb}"
        self.refused += 1

    async def submit(self, command: str, key: str, expected: str | None = None, **extra: Any) -> None:
        before = await snapshot(self.client)
        await post(self.client, build.card_submit(self.connector.url, await self.payload(command=command, **extra),
                                                  key=key))
        await deliver(self.client)
        assert await snapshot(self.client) == before, f"{key} could {command}"
        if expected:
            assert self.connector.texts(f"a:personal-{key}")[-1] == expected
        self.refused += 1

    async def say(self, text: str, key: str, expected: str) -> None:
        before = await snapshot(self.client)
        await post(self.client, build.message(self.connector.url, text, key=key))
        assert await snapshot(self.client) == before
        assert self.connector.texts(f"a:personal-{key}")[-1] == expected
        assert not any("#1" in str(card) for card in self.connector.cards(f"a:personal-{key}"))
        self.refused += 1


@pytest.fixture
async def programme(bot_client, connector):  # type: ignore[no-untyped-def]
    """Dia (coordinator), Maarten and Eline (colleagues) and Anna (asker) have said hello; Anna asked #1."""
    await introduce_people(bot_client, connector)
    connector.members["a:personal-eline"] = [member("eline", name="Eline", email="eline@bzhe.nl")]
    await post(bot_client, build.message(connector.url, "hallo", key="eline"))
    await ask(bot_client, connector)
    connector.reset()
    return Forger(bot_client, connector)


async def test_only_the_coordinator_reviews_and_sees_the_overview(programme, bot_client, connector):
    forger = programme
    for key in ("anna", "maarten", "eline"):  # the asker, the suggested expert, another colleague
        await forger.click("review.approve", key)
        await forger.click("review.redirect", key, person=f"{'eline-bzhe' if key != 'eline' else 'maarten-oba'}")
        await forger.click("review.myself", key)
        await forger.click("review.decline", key, note="geen sparringvraag")
        await forger.say("open vragen", key, NOT_COORDINATOR)
        await forger.submit("review", key, NOT_FOR_YOU)
    # An unknown verb is refused too, also for the coordinator.
    await forger.click("review.approve_all", "dia")
    await forger.click("admin.export", "dia")
    # The coordinator cannot send the request to someone outside the directory.
    await forger.click("review.redirect", "dia", person="mallory")
    [row] = await requests(bot_client)
    assert row.state == "suggested" and row.assignee_id is None
    # The real coordinator's click still works afterwards.
    response = await post(bot_client, build.card_action(connector.url, "review.approve",
                                                        {"ref": row.public_ref, "version": row.version}, key="dia"),
                          status=200)
    assert (await response.json())["type"] == CARD
    [row] = await requests(bot_client)
    assert (row.state, row.assignee_id) == ("assigned", "maarten-oba")
    assert forger.refused == 21


async def test_only_the_assigned_expert_accepts_or_declines_and_only_the_asker_withdraws_or_closes(
        programme, bot_client, connector):
    forger = programme
    version, ref = (await requests(bot_client))[0].version, await _ref(bot_client)
    await post(bot_client, build.card_action(connector.url, "review.approve", {"ref": ref, "version": version},
                                             key="dia"), status=200)
    await deliver(bot_client)
    ids = await _participant_ids(bot_client)
    assert ids.keys() >= {"anna", "dia", "maarten", "eline"}
    for key in ("eline", "anna", "dia"):  # another colleague, the asker, the coordinator
        await forger.click("intro.accept", key)
        await forger.click("intro.decline", key, reason="geen tijd")
    for key in ("maarten", "eline", "dia"):
        await forger.submit("withdraw", key, NOT_FOR_YOU)
        await forger.click("feedback.close", key, rating=5, comment="top")
    # "mijn vragen" only ever shows one's own requests, whatever the payload says.
    await post(bot_client, build.card_submit(connector.url, {"command": "mine", "asker_id": ids["anna"]}, key="eline"))
    assert "#1" not in str(connector.cards("a:personal-eline")[-1])

    # The assigned expert accepts; then only the asker may close.
    version = (await requests(bot_client))[0].version
    await post(bot_client, build.card_action(connector.url, "intro.accept", {"ref": ref, "version": version},
                                             key="maarten"), status=200)
    await deliver(bot_client)
    for key in ("maarten", "eline", "dia"):
        await forger.click("feedback.close", key, rating=1, comment="slecht")
        await forger.submit("withdraw", key, NOT_FOR_YOU)
    response = await post(bot_client, build.card_action(connector.url, "feedback.close",
                                                        {"ref": ref, "rating": 4, "comment": "dank"},
                                                        key="anna"), status=200)
    assert (await response.json())["type"] == CARD
    [row] = await requests(bot_client)
    assert (row.state, row.rating) == ("closed", 4)
    assert forger.refused == 18
