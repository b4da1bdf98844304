"""Free text through the real endpoint: people type, the bot understands (issue 16, items 2 and 3).

Each test posts real activity JSON and reads what the fake Bot Connector received. Phrasings
come from the issue and from elsewhere (none of them is in the understander's development set).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import ParticipantRow
from tests import activities as build
from tests.e2e.test_http_sparring import deliver, introduce_people, post, requests, texts_of

ANNA = "a:personal-anna"


def card_text(card: dict) -> str:
    return texts_of(card) + " " + " ".join(str(a.get("title", "")) for a in card.get("actions", []))


async def say(client, connector, text: str, *, key: str = "anna") -> None:  # type: ignore[no-untyped-def]
    connector.reset()
    await post(client, build.message(connector.url, text, key=key))


async def click(client, connector, data: dict, *, key: str = "anna") -> None:  # type: ignore[no-untyped-def]
    connector.reset()
    await post(client, build.card_submit(connector.url, data, key=key))


def answers(connector, conversation: str = ANNA) -> str:  # type: ignore[no-untyped-def]
    """Everything the bot said to Anna (or in ``conversation``) on the last turn, texts and cards together."""
    said = []
    for activity in connector.activities(conversation):
        said.append(str(activity.get("text") or ""))
        for attachment in activity.get("attachments") or []:
            content = attachment.get("content") or {}
            said.append(card_text(content) + " " + str(content.get("text", "")) + " "
                        + " ".join(str(b.get("title", "")) for b in content.get("buttons", [])))
    return " ".join(said)


@pytest.mark.parametrize("typed", ["Deadlines?", "deadlines!", "DEADLINES.", "Hallo, deadlines?",
                                   "wanneer moet ik mijn kostenberekening inleveren?",
                                   "Wat zijn mijn deadliens", "when is my evaluation due?"])
async def test_deadlines_as_people_type_it(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, "deadlines")
    exact = answers(connector)
    await say(bot_client, connector, typed)
    assert answers(connector) == exact  # the same command, the same answer


@pytest.mark.parametrize("typed", ["Mijn vragen?", "mijn vragen!", "Hoe staat het met mijn vraag?",
                                   "hoe ver is mijn sparringvraag eigenlijk", "@Sparringbot mijn vragen"])
async def test_my_questions_as_people_type_it(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, "mijn vragen")
    exact = answers(connector)
    await say(bot_client, connector, typed)
    assert answers(connector) == exact


@pytest.mark.parametrize("typed", ["wat kun je?", "Wat kan ik hier?", "hoe werkt deze bot eigenlijk",
                                   "Help, ik snap niet hoe dit werkt", "ik kom er niet uit"])
async def test_help_as_people_type_it_is_the_help_card_without_not_understood(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, typed)
    said = answers(connector)
    assert "Wat kan Sparringbot voor je doen?" in said and "Dat begreep ik niet" not in said


@pytest.mark.parametrize("typed", ["Overzicht?", "open het overzicht", "kan ik het dashboard zien?",
                                   "mag ik de inloglink voor het overzicht", "Open the overview please"])
async def test_the_coordinator_opens_her_overview_as_she_types_it(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, typed, key="dia")
    said = answers(connector, "a:personal-dia")
    assert "Je overzicht" in said and "Dat begreep ik niet" not in said


@pytest.mark.parametrize("typed", ["open het overzicht", "Kan ik het dashboard zien?"])
async def test_an_overview_phrase_is_no_command_for_a_participant_nor_the_cost_overview(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, typed)  # Anna: the overview is not hers, and she is not told it is refused
    said = answers(connector)
    assert "Je overzicht" not in said and "alleen de coördinator" not in said
    await say(bot_client, connector, "het overzicht van de kosten", key="dia")
    said = answers(connector, "a:personal-dia")
    assert "Je overzicht" not in said and "kostenverdeling" in said  # the cost overview (empty yet)


@pytest.mark.parametrize(("typed", "expected"), [
    ("Hallo, Sparringbot!", "Hallo Anna!"), ("goedemorgen sparringbot", "Hallo Anna!"),
    ("Hoi Sparringbot, goedemorgen!", "Hallo Anna!"),
    ("bedankt!", "Graag gedaan!"), ("Dank je wel, top", "Graag gedaan!"), ("thanks a lot", "Graag gedaan!"),
])
async def test_greetings_and_thanks_get_a_short_friendly_answer(bot_client, connector, typed, expected):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, typed)
    assert connector.texts(ANNA) and connector.texts(ANNA)[0].startswith(expected)
    assert connector.cards(ANNA) == []  # no help card, no welcome card


@pytest.mark.parametrize("typed", [
    "De boekenkratten komen te laat aan, hoe doen anderen dat?",
    "Onze gemeente wil bezuinigen op de bibliotheek op school; hoe overtuig ik de wethouder?",
    "Hoe krijgen andere bibliotheken de leesconsulenten op alle scholen binnen één jaar?",
    "Wat kan ik doen om de wethouder te overtuigen van de leesconsulent?",  # starts like help, is a question
])
async def test_a_sparring_question_is_offered_with_the_text_filled_in(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, typed)
    # Anna let the library question pass on day one: a question in her own words asks it once more, first.
    asked, offer = connector.cards(ANNA)
    assert asked["body"][0]["text"] == "Voor welke bibliotheek werk je?"
    assert offer["body"][0]["text"] == "Wil je dit als sparringvraag aan Dia sturen?"
    yes, no = offer["actions"]
    assert yes["data"] == {"command": "ask", "text": typed}  # the typed text is never lost

    await click(bot_client, connector, yes["data"])  # yes: the question dialog, with the text already in
    said = answers(connector)
    assert "Wat is je sparringvraag?" not in said
    assert "Over welk thema" in said or "Met wie wil je" in said or "Klopt je vraag zo?" in said

    await say(bot_client, connector, "stop")
    await click(bot_client, connector, no["data"])  # no: a short answer, nothing sent
    assert connector.texts(ANNA) == ["Oké, ik stuur niets. Typ **help** als je iets anders wilt doen."]
    assert await requests(bot_client) == []


async def test_submitting_a_named_kind_preselects_it_on_the_next_files_form(bot_client, connector):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, "ik wil mijn accountplan insturen")
    [said] = connector.texts(ANNA)
    assert "Accountplan" in said and "bijlage" in said
    await say(bot_client, connector, "Kan ik de ambitiebrief nu inleveren?")
    assert "Ambitiebrief" in connector.texts(ANNA)[0]


async def test_examples_of_a_kind(bot_client, connector):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, "zijn er voorbeelden van ambitiebrieven?")
    [card] = connector.cards(ANNA)
    assert card["body"][0]["text"] == "Voorbeelden om van te leren"


@pytest.mark.parametrize("typed", ["vragen", "mijn vragen en deadlines", "inleveren vragen"])
async def test_unsure_asks_did_you_mean_with_buttons_then_help(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, typed)
    [card] = connector.cards(ANNA)
    assert card["body"][0]["text"].startswith("Bedoel je")
    commands = [a["data"]["command"] for a in card["actions"]]
    assert 1 <= len(commands) - 1 <= 3 and commands[-1] == "help"
    assert "open" not in commands  # the coordinator's overview is no guess for a participant
    await click(bot_client, connector, card["actions"][0]["data"])  # a guess runs like the typed command
    assert "Bedoel je" not in answers(connector) and "Dat begreep ik niet" not in answers(connector)


@pytest.mark.parametrize("typed", ["verwijder al mijn gegevens", "Wis alles wat je over mij weet!",
                                   "please delete my data", "haal al mijn gegevens weg"])
async def test_erasing_always_asks_for_confirmation_first(bot_client, connector, typed):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, typed)
    [card] = connector.cards(ANNA)
    assert [a["data"].get("verb") for a in card["actions"]] == ["erase_confirm"]
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        anna = (await session.scalars(select(ParticipantRow).where(ParticipantRow.teams_id == "29:anna"))).one()
    assert anna.active and anna.name == "Anna de Vries"  # nothing erased on words alone


async def test_weather_is_still_not_understood(bot_client, connector):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, "wat is het weer morgen")
    assert "Dat begreep ik niet helemaal" in answers(connector)
    await deliver(bot_client)


async def test_the_help_card_lists_the_coordinators_commands_to_her_only(bot_client, connector):
    await introduce_people(bot_client, connector)
    await say(bot_client, connector, "help")
    assert "Wat kan Sparringbot voor je doen?" in answers(connector) and "kostenoverzicht" not in answers(connector)
    await say(bot_client, connector, "help", key="dia")
    dia = answers(connector, "a:personal-dia")
    assert "kostenoverzicht" in dia and "overzicht" in dia and "open vragen" in dia
