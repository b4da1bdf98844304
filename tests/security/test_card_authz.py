"""Every card action decides who may act before anything else, and a refusal tells nothing.

A stale ``intro.accept`` used to answer a stranger with the whole request card (question, asker,
suggestions), and request ids are sequential. These tests click every ``Action.Execute`` verb
(enumerated from ``CARD_VERBS``, so a new verb is covered) and send every ``Action.Submit``
command (enumerated from the running bot's features) as a stranger, the asker, the expert and
the coordinator, with the card's current reference and version, a stale version, a made-up
reference and a bare sequential id. A refusal must be exactly the short "not for you", the
same whether the request exists or not, and change nothing.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from bot.components import COMPONENTS
from bot.domain.requests import WHO_MAY, Party
from bot.features.sparring.handlers import CARD_VERBS
from tests import activities as build
from tests.activities import member
from tests.e2e.test_http_sparring import QUESTION, ask, deliver, introduce_people, post, requests
from tests.security.helpers import snapshot

NOT_FOR_YOU = "Deze knop is niet voor jou bedoeld."
CARD = "application/vnd.microsoft.card.adaptive"
# What a refusal must never contain: the question, anybody's name or organisation, the request's state.
SECRETS = ("gefaseerd", "stichting", "Anna", "Vries", "anna@", "Maarten", "maarten@", "OBA", "Wesseling",
           "Eline", "bij Dia", "wacht op sparringpartner", "in contact gebracht", "afgehandeld", "#1")
INPUTS = {"person": "eline-bzhe", "note": "geen sparringvraag", "reason": "geen tijd", "rating": "4",
          "comment": "dank", "total": "1000", "pupils": "10", "unit": "amounts", "token": "x",
          "deadline_id": "", "event_id": "", "title": "Kaping", "due_date": "2027-05-03"}


def _leaks(value: Any) -> list[str]:
    dumped = json.dumps(value, ensure_ascii=False)
    return [secret for secret in SECRETS if secret in dumped]


def _library_card(activity: dict[str, Any]) -> bool:
    return any(a.get("content", {}).get("body", [{}])[0].get("text") == "Voor welke bibliotheek werk je?"
               for a in activity.get("attachments") or [])


@pytest.fixture
async def assigned(bot_client, connector):  # type: ignore[no-untyped-def]
    """Anna asked, Dia approved, the offer waits for Maarten; Eline and Mallory are strangers to it."""
    await introduce_people(bot_client, connector)
    connector.members["a:personal-eline"] = [member("eline", name="Eline", email="eline@bzhe.nl")]
    connector.members["a:personal-mallory"] = [member("mallory", name="Mallory", email="m@evil.example")]
    for key in ("eline", "mallory"):
        await post(bot_client, build.message(connector.url, "hallo", key=key))
    await ask(bot_client, connector)
    review = connector.cards("a:personal-dia")[-1]
    approve = next(a for a in review["actions"] if a.get("verb") == "review.approve")
    await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"], key="dia"),
               status=200)
    await deliver(bot_client)
    offer = connector.cards("a:personal-maarten")[-1]
    accept = next(a for a in offer["actions"] if a.get("verb") == "intro.accept")
    connector.reset()
    return {"current": accept["data"], "approve": approve["data"]}


def _variants(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's own identity with its current and a stale version, a made-up one, and a bare id."""
    version = int(data.get("version") or 1)
    return {
        "current": dict(data),
        "stale": {**data, "version": version - 1},
        "future": {**data, "version": version + 7},
        "made-up ref": {"ref": secrets.token_urlsafe(16), "version": version},
        "sequential id": {"request_id": 1, "version": version},
        "next id": {"request_id": 2, "version": 1},
        "nothing": {},
    }


async def _click(client, connector, verb: str, data: dict[str, Any], key: str) -> tuple[Any, list[Any]]:  # type: ignore[no-untyped-def]
    before = len(connector.activities(f"a:personal-{key}"))
    response = await client.post("/api/messages", json=build.card_action(connector.url, verb, {**data, **INPUTS},
                                                                         key=key))
    assert response.status in (200, 400), await response.text()
    body = await response.json()
    await deliver(client)
    return body, connector.activities(f"a:personal-{key}")[before:]


def test_every_verb_has_a_rule_for_who_may_act():
    assert CARD_VERBS, "no verbs registered"
    for verb, action in CARD_VERBS.items():
        assert action in WHO_MAY, f"{verb} makes {action}, which has no rule for who may make it"


async def test_refused_clicks_reveal_nothing_and_are_the_same_for_real_and_made_up_requests(
        assigned, bot_client, connector):
    # Who may make each verb's action; everybody else is refused, whatever the card says.
    allowed = {Party.COORDINATOR: "dia", Party.ASSIGNEE: "maarten", Party.ASKER: "anna"}
    clicks = 0
    for verb, action in CARD_VERBS.items():
        for key in ("mallory", "eline", "anna", "maarten", "dia"):
            if allowed[WHO_MAY[action]] == key:
                continue
            answers = set()
            for name, data in _variants(assigned["current"]).items():
                before = await snapshot(bot_client)
                body, sent = await _click(bot_client, connector, verb, data, key)
                assert body.get("type") != CARD, (verb, key, name, body)
                assert not _leaks(body) and not _leaks(sent), (verb, key, name, _leaks(body), _leaks(sent))
                assert [a.get("text") for a in sent] == [NOT_FOR_YOU], (verb, key, name, sent)
                assert await snapshot(bot_client) == before, f"{key} could {verb} with {name}"
                answers.add(json.dumps(body, sort_keys=True))
                clicks += 1
            assert len(answers) == 1, f"{verb} by {key}: the answer tells real from made-up requests"
    # A verb nobody registered is refused the same way, also for the coordinator.
    for key in ("dia", "mallory"):
        body, sent = await _click(bot_client, connector, "review.approve_all", assigned["current"], key)
        assert [a.get("text") for a in sent] == [NOT_FOR_YOU] and not _leaks(body)
    assert clicks == len(CARD_VERBS) * 4 * 7
    [row] = await requests(bot_client)
    assert (row.state, row.assignee_id) == ("assigned", "maarten-oba")


async def test_only_who_may_act_gets_a_refreshed_card_and_can_still_act(assigned, bot_client, connector):
    stale = {**assigned["current"], "version": int(assigned["current"]["version"]) - 1}
    for key in ("mallory", "anna", "dia", "eline"):
        body, sent = await _click(bot_client, connector, "intro.accept", stale, key)
        assert body.get("type") != CARD and not _leaks(body) and [a.get("text") for a in sent] == [NOT_FOR_YOU]
    # The expert's own stale card is refreshed (he may act on it) and says why nothing happened.
    body, _ = await _click(bot_client, connector, "intro.accept", stale, "maarten")
    assert body["type"] == CARD and QUESTION in json.dumps(body["value"], ensure_ascii=False)
    # The coordinator's own stale review card is refreshed for her, not for anyone else.
    body, _ = await _click(bot_client, connector, "review.approve", assigned["approve"], "dia")
    assert body["type"] == CARD and "al afgehandeld" in json.dumps(body["value"], ensure_ascii=False)
    body, _ = await _click(bot_client, connector, "intro.accept", assigned["current"], "maarten")
    assert body["type"] == CARD
    [row] = await requests(bot_client)
    assert row.state == "accepted"
    body, _ = await _click(bot_client, connector, "feedback.close", assigned["current"], "maarten")
    assert body.get("type") != CARD
    body, _ = await _click(bot_client, connector, "feedback.close", assigned["current"], "anna")
    assert body["type"] == CARD
    [row] = await requests(bot_client)
    assert (row.state, row.rating) == ("closed", 4)


# Card actions on the clicker's own data, which anybody may click (for themselves).
OWN_DATA_VERBS = {"erase_confirm", "library_save", "library_skip", "library_form"}
REFUSALS = {NOT_FOR_YOU, "Dat kan alleen de coördinator van het project.",
            "Dit bestand ken ik niet (meer). Stuur het nog eens als bijlage."}


async def test_every_registered_card_verb_refuses_a_stranger_first_via_execute_and_submit(
        assigned, bot_client, connector):
    """Enumerated from the one registry: a new verb whose ``who_may`` lets a stranger act fails here."""
    verbs = bot_client.server.app[COMPONENTS].bot.card_verbs
    assert set(CARD_VERBS) | {"withdraw", "review", "cost_save", "deadline_save", "submission_save",
                              "link.confirm"} <= set(verbs)
    for verb in sorted(set(verbs) - OWN_DATA_VERBS):
        for name, data in _variants(assigned["current"]).items():
            for how in ("execute", "submit", "legacy submit"):
                before = await snapshot(bot_client)
                seen = len(connector.activities("a:personal-mallory"))
                if how == "execute":
                    await _click(bot_client, connector, verb, data, "mallory")
                else:
                    key = "verb" if how == "submit" else "command"
                    await post(bot_client, build.card_submit(connector.url, {**data, **INPUTS, key: verb},
                                                             key="mallory"))
                sent = [a.get("text") for a in connector.activities("a:personal-mallory")[seen:]]
                assert len(sent) == 1 and sent[0] in REFUSALS, (verb, how, name, sent)
                assert await snapshot(bot_client) == before, f"a stranger could {verb} with {name} ({how})"


async def test_no_submit_action_shows_a_stranger_anything_of_someone_elses_request(assigned, bot_client, connector):
    bot = bot_client.server.app[COMPONENTS].bot
    commands = (*bot.commands, *bot.card_verbs)
    assert {"withdraw", "review", "cost_save", "deadline_save", "submission_save"} <= set(commands)
    # Erasing one's own data is harmless but would end the stranger's session: it goes last.
    for command in sorted(commands, key=lambda c: c == "erase_confirm"):
        answers = set()
        for name, data in _variants(assigned["current"]).items():
            before = await snapshot(bot_client)
            seen = len(connector.activities("a:personal-mallory"))
            await post(bot_client, build.card_submit(connector.url, {**data, **INPUTS, "command": command},
                                                     key="mallory"))
            await deliver(bot_client)
            # The library card lists the programme's libraries to everyone outside the directory, by
            # design (issue 16, item 7), and comes once or twice whatever was clicked: no answer about the request.
            sent = [a for a in connector.activities("a:personal-mallory")[seen:] if not _library_card(a)]
            assert not _leaks(sent), (command, name, _leaks(sent))
            if command != "erase_confirm":
                assert await snapshot(bot_client) == before, f"a stranger could {command} with {name}"
            answers.add(json.dumps([a.get("text") for a in sent]))
        assert len(answers) == 1, f"{command}: the answer tells real from made-up requests ({answers})"


@pytest.mark.parametrize("key", ["eline", "maarten", "dia", "mallory"])
async def test_only_the_asker_withdraws_and_a_refusal_is_just_not_for_you(assigned, bot_client, connector, key):
    await post(bot_client, build.message(connector.url, "mijn vragen", key="anna"))
    withdraw = connector.cards("a:personal-anna")[-1]["actions"][0]["data"]
    for data in _variants(withdraw).values():
        before = await snapshot(bot_client)
        await post(bot_client, build.card_submit(connector.url, {**data, "command": "withdraw"}, key=key))
        assert connector.texts(f"a:personal-{key}")[-1] == NOT_FOR_YOU
        assert await snapshot(bot_client) == before
    await post(bot_client, build.card_submit(connector.url, withdraw, key="anna"))
    [row] = await requests(bot_client)
    assert row.state == "withdrawn"
