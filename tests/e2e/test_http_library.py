"""Who is who for people outside the directory, through the real endpoint: which library they work for.

Asked once at first contact (choose a known library or type one), remembered, changeable in
``mijn gegevens``, asked at most once more when they hand something in; overviews and exports
then name them "Name (Library)", and nobody is ever shown as "participant:<id>" or "(-)".
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import ParticipantRow
from tests import activities as build
from tests.activities import member
from tests.e2e.test_http_documents import PDF, file_host, form_of, hand_in, send_files  # noqa: F401 (fixture)
from tests.e2e.test_http_sparring import ask, ask_and_accept, deliver, introduce_people, post, texts_of

TITLE = "Voor welke bibliotheek werk je?"


def library_cards(connector, key: str = "anna") -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [c for c in connector.cards(f"a:personal-{key}") if c["body"][0].get("text") == TITLE]


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["id"]: b for b in card["body"] if b.get("type", "").startswith("Input.")}


def button(card: dict[str, Any], verb: str) -> dict[str, Any]:
    return next(a["data"] for a in card["actions"] if a["data"].get("verb") == verb)


async def library_of(client, key: str = "anna") -> tuple[str | None, int]:  # type: ignore[no-untyped-def]
    async with client.server.app[COMPONENTS].sessions() as session:
        row = (await session.scalars(select(ParticipantRow).where(ParticipantRow.teams_id == f"29:{key}"))).one()
        return row.library, row.library_asked


async def say(client, connector, text: str, key: str = "anna") -> None:  # type: ignore[no-untyped-def]
    await post(client, build.message(connector.url, text, key=key))


async def save(client, connector, *, choice: str = "", typed: str = "", key: str = "anna") -> None:  # type: ignore[no-untyped-def]
    await post(client, build.card_submit(connector.url, {"verb": "library_save", "library_choice": choice,
                                                           "library_typed": typed}, key=key))


async def test_first_contact_asks_once_the_answer_is_kept_and_changed_in_my_data(bot_client, connector):
    connector.members["a:personal-anna"] = [member("anna", name="Anna de Vries", email="anna@bieb.nl")]
    await say(bot_client, connector, "hallo")
    [card] = library_cards(connector)
    assert "Welkom bij Sparringbot" in texts_of(connector.cards("a:personal-anna")[-1])  # the greeting is answered
    choices = [c["value"] for c in inputs(card)["library_choice"]["choices"]]
    assert choices == ["BZHE", "OBA"]  # the directory's libraries: not Probiblio, the advisers' organisation
    assert {a["data"]["verb"] for a in card["actions"]} == {"library_save", "library_skip"}
    assert card["version"] == "1.5"
    await say(bot_client, connector, "deadlines")
    await say(bot_client, connector, "hallo")
    assert len(library_cards(connector)) == 1  # asked once, not at every message

    await save(bot_client, connector, choice="OBA")
    assert connector.texts("a:personal-anna")[-1].startswith("Dank je! In de overzichten staat nu dat je bij OBA werkt")
    assert (await library_of(bot_client))[0] == "OBA"

    await say(bot_client, connector, "mijn gegevens")
    summary = connector.cards("a:personal-anna")[-1]
    assert "Bibliotheek: OBA" in texts_of(summary)
    await post(bot_client, build.card_submit(connector.url, button(summary, "library_form"), key="anna"))
    change = connector.cards("a:personal-anna")[-1]
    assert change["body"][0]["text"] == TITLE and "Nu staat er: OBA" in texts_of(change)
    assert inputs(change)["library_choice"]["value"] == "OBA"
    await save(bot_client, connector, choice="OBA", typed="  Bibliotheek   Rotterdam ")  # typed wins over the list
    assert (await library_of(bot_client))[0] == "Bibliotheek Rotterdam"
    await say(bot_client, connector, "mijn gegevens")
    assert "Bibliotheek: Bibliotheek Rotterdam" in texts_of(connector.cards("a:personal-anna")[-1])
    # A name typed once is offered to the next person outside the directory.
    connector.members["a:personal-bram"] = [member("bram", name="Bram Smit", email="bram@bieb.nl")]
    await say(bot_client, connector, "hallo", key="bram")
    [bram_card] = library_cards(connector, "bram")
    assert "Bibliotheek Rotterdam" in [c["value"] for c in inputs(bram_card)["library_choice"]["choices"]]


async def test_someone_who_lets_it_pass_is_asked_once_more_when_handing_in_and_never_blocked(bot_client, connector):
    await say(bot_client, connector, "wat kun je?")
    assert len(library_cards(connector)) == 1
    assert connector.cards("a:personal-anna")[-1]["body"][0]["text"] != TITLE  # the message is answered too
    await post(bot_client, build.card_submit(connector.url, {"verb": "library_skip"}, key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Prima, je kunt gewoon verder")
    await say(bot_client, connector, "deadlines")
    assert len(library_cards(connector)) == 1
    await say(bot_client, connector, "vraag")  # handing in a question: asked a second time, before the dialog
    assert len(library_cards(connector)) == 2
    assert connector.texts("a:personal-anna")[-1].startswith("Wat is je sparringvraag?")
    await say(bot_client, connector, "stop")
    await say(bot_client, connector, "vraag")
    await say(bot_client, connector, "stop")
    assert len(library_cards(connector)) == 2 and await library_of(bot_client) == (None, 2)  # never a third time


async def test_someone_in_the_directory_is_never_asked(bot_client, connector):
    await introduce_people(bot_client, connector)  # Dia by e-mail, Maarten confirmed by Dia
    for key in ("dia", "maarten"):
        await say(bot_client, connector, "vraag", key=key)
        await say(bot_client, connector, "stop", key=key)
        assert library_cards(connector, key) == []
    await say(bot_client, connector, "mijn gegevens", key="maarten")
    summary = connector.cards("a:personal-maarten")[-1]
    assert "Bibliotheek: OBA" in texts_of(summary)  # the directory's organisation, kept by the coordinator
    assert all(a["data"].get("verb") != "library_form" for a in summary["actions"])
    await save(bot_client, connector, typed="Iets anders", key="maarten")
    assert "deelnemerslijst" in connector.texts("a:personal-maarten")[-1]
    assert (await library_of(bot_client, "maarten"))[0] is None


@pytest.mark.parametrize(("typed", "answer"), [
    ("", "Je hebt nog geen bibliotheek gekozen. Kies je bibliotheek uit de lijst of typ de naam ervan."),
    ("   ", "Je hebt nog geen bibliotheek gekozen."),
    ("B" * 500, "Die naam is te lang: typ alleen de naam van je bibliotheek, in hoogstens 100 tekens."),
    ("<b>OBA</b>", "Typ alleen de naam van je bibliotheek, zonder opmaak of bijzondere tekens"),
    ("**OBA**", "Typ alleen de naam van je bibliotheek, zonder opmaak of bijzondere tekens"),
    ("[OBA](https://evil.example)", "Typ alleen de naam van je bibliotheek, geen link of webadres."),
    ("www.oba.nl", "Typ alleen de naam van je bibliotheek, geen link of webadres."),
    ("# Bieb", "Typ alleen de naam van je bibliotheek, zonder opmaak of bijzondere tekens"),
    ("12", "Dat lijkt geen naam van een bibliotheek."),
])
async def test_bad_names_get_a_clear_dutch_answer_and_the_card_back_with_what_was_typed(
        bot_client, connector, typed, answer):
    await say(bot_client, connector, "hallo")
    await save(bot_client, connector, typed=typed)
    assert connector.texts("a:personal-anna")[-1].startswith(answer)
    again = connector.cards("a:personal-anna")[-1]
    assert again["body"][0]["text"] == TITLE
    kept = inputs(again)["library_typed"].get("value", "")
    assert kept == typed.strip()[:100]  # nothing typed is lost (up to the field's limit)
    assert await library_of(bot_client) == (None, 1)  # nothing half written, and no extra ask counted


async def test_overviews_and_exports_name_the_library(bot_client, connector, file_host):  # noqa: F811 (fixture)
    base, files = file_host
    await introduce_people(bot_client, connector)
    await save(bot_client, connector, typed="Bibliotheek Aa")
    files["kosten.pdf"] = PDF
    await send_files(bot_client, connector, base, "kosten.pdf")
    await hand_in(bot_client, connector, form_of(connector), category="kostenberekening")
    cost = form_of(connector)["actions"][0]["data"]
    await post(bot_client, build.card_submit(connector.url, {**cost, "total": "1000", "school": "500",
                                                              "bibliotheek": "500", "unit": "amounts"}, key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("✔ De kostenverdeling is opgeslagen")
    await say(bot_client, connector, "inzendingen", key="dia")
    overview = texts_of(connector.cards("a:personal-dia")[-1])
    assert "Anna de Vries (Bibliotheek Aa)" in overview and "participant:" not in overview

    await say(bot_client, connector, "herinneringen uit")
    await say(bot_client, connector, "deadlines", key="dia")
    assert "Anna de Vries (Bibliotheek Aa)" in texts_of(connector.cards("a:personal-dia")[-1])  # opted out

    await say(bot_client, connector, "export", key="dia")
    links = {a["title"]: a["url"] for a in connector.cards("a:personal-dia")[-1]["actions"]}

    async def rows(title: str) -> list[dict[str, str]]:
        response = await bot_client.get("/" + links[title].split("/", 3)[3])
        text = (await response.read()).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))

    [submission] = await rows("Inzendingen (CSV)")
    assert (submission["Deelnemer"], submission["Bibliotheek"]) == ("Anna de Vries", "Bibliotheek Aa")
    [split] = await rows("Kostenverdelingen (CSV)")
    assert split["Bibliotheek"] == "Bibliotheek Aa"
    # Changed in "mijn gegevens" later: the export follows, the stored split still erasable by its key.
    await save(bot_client, connector, typed="Bibliotheek Aa en Hunze")
    [split] = await rows("Kostenverdelingen (CSV)")
    assert split["Bibliotheek"] == "Bibliotheek Aa en Hunze"


async def test_an_unknown_library_is_left_out_never_shown_as_a_dash_or_a_number(bot_client, connector):
    await introduce_people(bot_client, connector)  # Anna never says her library
    await ask_and_accept(bot_client, connector)
    introduction = texts_of(connector.cards("a:personal-maarten")[-1])
    assert "Je bent in contact gebracht met Anna de Vries over vraag #1" in introduction
    assert "(-)" not in introduction and "()" not in introduction


async def test_the_introduction_names_the_askers_library_once_known(bot_client, connector):
    await introduce_people(bot_client, connector)
    await save(bot_client, connector, choice="BZHE")
    await ask(bot_client, connector)
    review = connector.cards("a:personal-dia")[-1]
    assert "Anna de Vries (BZHE)" in texts_of(review)
    approve = next(a for a in review["actions"] if a.get("verb") == "review.approve")
    await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"], key="dia"), status=200)
    await deliver(bot_client)
    offer = connector.cards("a:personal-maarten")[-1]
    assert offer["body"][0]["text"] == "Wil je sparren met Anna de Vries (BZHE)?"
    accept = next(a for a in offer["actions"] if a.get("verb") == "intro.accept")
    await post(bot_client, build.card_action(connector.url, "intro.accept", accept["data"], key="maarten"),
               status=200)
    await deliver(bot_client)
    assert "in contact gebracht met Anna de Vries (BZHE) over vraag #1" in texts_of(
        connector.cards("a:personal-maarten")[-1])


async def test_erasing_ones_data_forgets_the_library(bot_client, connector):
    await say(bot_client, connector, "hallo")
    await save(bot_client, connector, typed="Bibliotheek Zeldzaam")
    await say(bot_client, connector, "hallo", key="bram")
    assert "Bibliotheek Zeldzaam" in [c["value"] for c in inputs(library_cards(connector, "bram")[0])
                                      ["library_choice"]["choices"]]
    await say(bot_client, connector, "mijn gegevens")
    summary = connector.cards("a:personal-anna")[-1]
    await post(bot_client, build.card_submit(connector.url, summary["actions"][0]["data"], key="anna"))
    confirm = connector.cards("a:personal-anna")[-1]
    await post(bot_client, build.card_submit(connector.url, confirm["actions"][0]["data"], key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Je gegevens zijn verwijderd")
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        kept = (await session.scalars(select(ParticipantRow.library).where(ParticipantRow.library.is_not(None)))).all()
    assert kept == []
    await say(bot_client, connector, "hallo", key="carla")
    offered = [c["value"] for c in inputs(library_cards(connector, "carla")[0])["library_choice"]["choices"]]
    assert "Bibliotheek Zeldzaam" not in offered and offered == ["BZHE", "OBA"]


async def test_handing_in_in_plain_words_is_the_second_occasion_and_a_turn_asks_at_most_once(bot_client, connector):
    # First contact that already hands something in: one question, not two.
    await say(bot_client, connector, "ik wil mijn accountplan insturen")
    assert len(library_cards(connector)) == 1 and await library_of(bot_client) == (None, 1)
    await say(bot_client, connector, "wanneer moet ik mijn kostenberekening inleveren?")
    assert len(library_cards(connector)) == 1
    # A question in her own words: the offer to send it comes with the second (last) library question.
    await say(bot_client, connector, "De boekenkratten komen te laat aan, hoe doen anderen dat?")
    assert len(library_cards(connector)) == 2
    assert "sparringvraag" in texts_of(connector.cards("a:personal-anna")[-1])
    await say(bot_client, connector, "ik wil mijn accountplan insturen")
    assert len(library_cards(connector)) == 2 and await library_of(bot_client) == (None, 2)


async def test_the_cost_overview_counts_people_of_one_library_as_one_library(bot_client, connector, file_host):  # noqa: F811 (fixture)
    base, files = file_host
    await introduce_people(bot_client, connector)
    for key, name in (("anna", "Anna de Vries"), ("bram", "Bram Smit")):
        connector.members[f"a:personal-{key}"] = [member(key, name=name, email=f"{key}@bieb.nl")]
        await say(bot_client, connector, "hallo", key=key)
        await save(bot_client, connector, typed="Bibliotheek Aa" if key == "anna" else "bibliotheek  aa", key=key)
    for number, key in enumerate(("anna", "bram", "maarten")):
        files[f"kosten-{key}.pdf"] = PDF + f"% {number}\n".encode()
        await send_files(bot_client, connector, base, f"kosten-{key}.pdf", key=key)
        await hand_in(bot_client, connector, form_of(connector, key), key=key, category="kostenberekening")
        cost = form_of(connector, key)["actions"][0]["data"]
        await post(bot_client, build.card_submit(connector.url, {**cost, "total": "1000", "school": "500",
                                                                  "bibliotheek": "500", "unit": "amounts"}, key=key))
        assert connector.texts(f"a:personal-{key}")[-1].startswith("✔ De kostenverdeling is opgeslagen")
    await say(bot_client, connector, "kostenoverzicht", key="dia")
    # Anna and Bram work at one library (however typed): with OBA that makes two libraries, not three.
    assert connector.texts("a:personal-dia")[-1].startswith("Er zijn pas 2 bibliotheken")
