"""Inside the question dialog, turn by turn: help, stop and old buttons at every step (issue 16, item 4).

Each test walks the real endpoint to one step, then types ``help`` (explained, same step asked
again, the dialog goes on), ``stop``/``annuleer`` (stopped), something that does not fit (asked
again with the way out), or clicks a button of a card from before (expired, never "Dat begreep
ik niet").
"""

from __future__ import annotations

import pytest

from tests import activities as build
from tests.e2e.test_http_plain_dutch import ANNA, answers, click, say
from tests.e2e.test_http_sparring import introduce_people, requests

QUESTION = "Hoe krijgen andere bibliotheken de leesconsulenten op alle scholen tegelijk aan de slag?"
# What each step asks, and one answer that moves on from it.
STEPS = ["text", "theme", "preference", "context", "confirm"]
ASKS = {"text": "Wat is je sparringvraag?", "theme": "Over welk thema", "preference": "Met wie",
        "context": "toelichting", "confirm": "Klopt je vraag zo?"}
HELP = {"text": "Je bent een sparringvraag aan het stellen", "theme": "Kies het thema",
        "preference": "Kies of je het liefst spart", "context": "Hier kun je nog iets over je situatie",
        "confirm": "Kijk je vraag na"}
SEND = {"dialog": "question.send", "text": QUESTION, "theme": "Exploitatie", "preference": "any", "context": ""}


async def walk_to(client, connector, step: str) -> None:  # type: ignore[no-untyped-def]
    """Start the dialog with ``vraag`` and answer until ``step`` is the one waiting."""
    await introduce_people(client, connector)
    answers_in_order = [QUESTION, "Exploitatie", "Geen voorkeur", "nee"]
    await say(client, connector, "vraag")
    for answer in answers_in_order[:STEPS.index(step)]:
        await say(client, connector, answer)
    assert ASKS[step].lower() in answers(connector).lower()


async def finish_from(client, connector, step: str) -> None:  # type: ignore[no-untyped-def]
    """Answer the remaining steps from ``step`` on and send: the dialog was still there."""
    rest = {"text": QUESTION, "theme": "Exploitatie", "preference": "Geen voorkeur", "context": "nee"}
    for name in STEPS[STEPS.index(step):-1]:
        await say(client, connector, rest[name])
    await click(client, connector, SEND)
    assert "Je vraag (nummer 1) is naar Dia gestuurd" in answers(connector)


@pytest.mark.parametrize("step", STEPS)
async def test_help_explains_the_step_and_stays_in_the_dialog(bot_client, connector, step):
    await walk_to(bot_client, connector, step)
    await say(bot_client, connector, "help")
    said = answers(connector)
    assert HELP[step] in said and ASKS[step].lower() in said.lower()
    assert "Wat kan Sparringbot voor je doen?" not in said  # not the help card: the dialog goes on
    await finish_from(bot_client, connector, step)
    [row] = await requests(bot_client)
    assert row.text == QUESTION


@pytest.mark.parametrize("word", ["stop", "annuleer", "Stop!"])
@pytest.mark.parametrize("step", STEPS)
async def test_stop_works_at_every_step(bot_client, connector, step, word):
    await walk_to(bot_client, connector, step)
    await say(bot_client, connector, word)
    assert answers(connector).startswith("Oké, ik ben gestopt.")
    await say(bot_client, connector, "Exploitatie")  # the dialog is gone: an old choice has expired
    assert "Deze kaart is verlopen" in answers(connector)
    assert await requests(bot_client) == []


@pytest.mark.parametrize("step", STEPS)
async def test_the_confirmation_card_after_stop_has_expired(bot_client, connector, step):
    await walk_to(bot_client, connector, step)
    await say(bot_client, connector, "annuleer")
    await click(bot_client, connector, SEND)
    said = answers(connector)
    assert "Deze kaart is verlopen" in said and "Dat begreep ik niet" not in said
    assert await requests(bot_client) == []


async def test_a_card_answered_before_has_expired(bot_client, connector):
    await walk_to(bot_client, connector, "confirm")
    await click(bot_client, connector, SEND)
    await click(bot_client, connector, SEND)  # the same card, clicked again
    assert "Deze kaart is verlopen" in answers(connector)
    await say(bot_client, connector, "vraag")  # a new question: the old card does not answer its steps
    await click(bot_client, connector, SEND)
    said = answers(connector)
    assert "Die kaart is verlopen" in said and "Wat is je sparringvraag?" in said
    assert len(await requests(bot_client)) == 1


@pytest.mark.parametrize(("step", "typed"), [("theme", "Iets heel anders"), ("preference", "misschien"),
                                             ("confirm", "ja prima")])
async def test_an_answer_that_does_not_fit_is_asked_again_with_the_way_out(bot_client, connector, step, typed):
    await walk_to(bot_client, connector, step)
    await say(bot_client, connector, typed)
    said = answers(connector)
    assert "**stop**" in said and "**help**" in said and "Dat begreep ik niet" not in said
    await finish_from(bot_client, connector, step)


async def test_a_too_short_question_is_asked_again_with_the_way_out(bot_client, connector):
    await walk_to(bot_client, connector, "text")
    await say(bot_client, connector, "hoi?")
    said = answers(connector)
    assert "kort" in said and "**stop**" in said
    await finish_from(bot_client, connector, "text")


async def test_help_in_english(bot_client, connector):
    await introduce_people(bot_client, connector)
    connector.reset()
    await bot_client.post("/api/messages", json=build.message(connector.url, "vraag", locale="en-US"))
    await bot_client.post("/api/messages", json=build.message(connector.url, "help", locale="en-US"))
    said = " ".join(connector.texts(ANNA))
    assert "You are asking a sparring question" in said


@pytest.mark.parametrize(("question", "theme"), [
    ("Hoe verdelen jullie de kosten van de leesconsulent tussen school en gemeente?", "Exploitatie"),
    ("Welke bereikcijfers zetten andere bibliotheken in hun factsheet voor de gemeenteraad?", "Factsheet"),
    ("Hoe krijg ik de wethouder en het schoolbestuur mee in ons jaarplan?", "Netwerk & Beleid"),
    ("Wie heeft een goede offerte voor de subsidieaanvraag bij de provincie?", "Exploitatie"),
])
async def test_a_clear_theme_is_not_asked_and_is_preselected(bot_client, connector, question, theme):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, f"vraag: {question}")
    said = answers(connector)
    assert "Over welk thema" not in said and "Met wie" in said  # the theme step was skipped
    await say(bot_client, connector, "Geen voorkeur")
    await say(bot_client, connector, "nee")
    [card] = connector.cards(ANNA)
    assert {i["id"]: i.get("value") for i in card["body"] if i.get("id") == "theme"} == {"theme": theme}


async def test_an_offered_question_gets_its_theme_too(bot_client, connector):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, "Hoe verdelen andere bibliotheken de kosten van de leesconsulent met de school?")
    _asked_library, offer = connector.cards(ANNA)  # she let the library question pass: asked once more, first
    await click(bot_client, connector, offer["actions"][0]["data"])
    assert "Over welk thema" not in answers(connector) and "Met wie" in answers(connector)


async def test_an_unclear_theme_is_asked(bot_client, connector):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, f"vraag: {QUESTION}")
    assert "Over welk thema" in answers(connector)
