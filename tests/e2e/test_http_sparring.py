"""The sparring loop end to end through the real app: asker, coordinator and expert."""

from __future__ import annotations

from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import RequestEventRow, RequestRow
from tests import activities as build
from tests.activities import member

QUESTION = "Een grote stichting wil met al haar scholen tegelijk starten. Hoe pak ik dat gefaseerd aan?"


async def post(client, activity, status=201):  # type: ignore[no-untyped-def]
    response = await client.post("/api/messages", json=activity)
    assert response.status == status, await response.text()
    return response


def texts_of(card: dict) -> str:
    parts = []
    for block in card.get("body", []):
        parts.append(str(block.get("text", "")))
        parts += [f"{f['title']}={f['value']}" for f in block.get("facts", [])]
    return " ".join(parts)


def form_values(card: dict) -> dict[str, object]:
    """A card's inputs with the values they show (those inside column sets too): what a click submits."""
    inputs = [block for block in card.get("body", []) if block.get("type", "").startswith("Input.")]
    for block in card.get("body", []):
        for column in block.get("columns", []) if block.get("type") == "ColumnSet" else []:
            inputs += [i for i in column.get("items", []) if i.get("type", "").startswith("Input.")]
    return {i["id"]: i.get("value", "") for i in inputs}


async def deliver(client) -> None:  # type: ignore[no-untyped-def]
    """Run the outbox dispatcher once, as the background loop would."""
    await client.server.app[COMPONENTS].dispatcher.run_once()


async def introduce_people(client, connector) -> None:  # type: ignore[no-untyped-def]
    """Dia, Maarten and Anna each say hello once, as people do on day one.

    Dia's Teams e-mail is in the directory: she is linked at once. Maarten's directory entry has
    no e-mail, so his name only proposes a link: Dia confirms it on her card.
    """
    connector.members["a:personal-dia"] = [member("dia", name="Dia Wesseling", email="dwesseling@probiblio.nl")]
    connector.members["a:personal-maarten"] = [member("maarten", name="Maarten Jansen", email="maarten@oba.nl")]
    connector.members["a:personal-anna"] = [member("anna", name="Anna de Vries", email="anna@bieb.nl")]
    for key in ("dia", "maarten", "anna"):
        await post(client, build.message(connector.url, "hallo", key=key))
    await deliver(client)
    await confirm_link(client, connector, "Maarten Jansen")
    connector.reset()


async def confirm_link(client, connector, teams_name: str, *, key: str = "dia"):  # type: ignore[no-untyped-def]
    """The coordinator confirms the link proposal card about ``teams_name``; returns the answer."""
    card = next(c for c in reversed(connector.cards(f"a:personal-{key}"))
                if c["body"][0]["text"] == "Wie is dit?" and teams_name in texts_of(c))
    confirm = next(a for a in card["actions"] if a.get("verb") == "link.confirm")
    response = await post(client, build.card_action(connector.url, "link.confirm", confirm["data"], key=key),
                          status=200)
    return await response.json()


async def ask(client, connector, text: str = QUESTION) -> None:  # type: ignore[no-untyped-def]
    await post(client, build.message(connector.url, "vraag", key="anna"))
    await post(client, build.message(connector.url, text, key="anna"))
    if "Over welk thema" in str(connector.activities("a:personal-anna")[-1]):  # asked only when unclear
        await post(client, build.message(connector.url, "Netwerk & Beleid", key="anna"))
    await post(client, build.message(connector.url, "Geen voorkeur", key="anna"))
    await post(client, build.message(connector.url, "nee", key="anna"))
    confirm = connector.cards("a:personal-anna")[-1]
    assert confirm["body"][0]["text"] == "Klopt je vraag zo?"
    values = {"dialog": "question.send", "text": text, "theme": "Netwerk & Beleid", "preference": "any",
              "context": ""}
    await post(client, build.card_submit(connector.url, values, key="anna"))
    await deliver(client)


async def ask_and_accept(client, connector) -> None:  # type: ignore[no-untyped-def]
    """Anna asks; Dia approves the suggested Maarten; Maarten accepts; the introductions are delivered."""
    await ask(client, connector)
    review = connector.cards("a:personal-dia")[-1]
    approve = next(a for a in review["actions"] if a.get("verb") == "review.approve")
    await post(client, build.card_action(connector.url, "review.approve", approve["data"], key="dia"), status=200)
    await deliver(client)
    offer = connector.cards("a:personal-maarten")[-1]
    accept = next(a for a in offer["actions"] if a.get("verb") == "intro.accept")
    await post(client, build.card_action(connector.url, "intro.accept", accept["data"], key="maarten"), status=200)
    await deliver(client)


async def requests(client) -> list[RequestRow]:  # type: ignore[no-untyped-def]
    async with client.server.app[COMPONENTS].sessions() as session:
        return list((await session.scalars(select(RequestRow))).all())


async def test_ask_review_introduce(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    assert connector.texts("a:personal-anna")[-1].startswith("Dank je! Je vraag (nummer 1) is naar Dia gestuurd")

    review = connector.cards("a:personal-dia")[-1]
    assert review["body"][0]["text"] == "Nieuwe sparringvraag #1"
    assert "Voorstel=Maarten (OBA)" in texts_of(review)
    approve = next(a for a in review["actions"] if a.get("verb") == "review.approve")

    response = await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"],
                                                         key="dia"), status=200)
    await deliver(bot_client)
    updated = await response.json()
    assert updated["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Doorgestuurd naar Maarten door Dia Wesseling" in texts_of(updated["value"])
    assert "actions" not in updated["value"]  # updated in place: no buttons left

    offer = connector.cards("a:personal-maarten")[-1]
    assert offer["body"][0]["text"] == "Wil je sparren met Anna de Vries (anna@bieb.nl)?"
    accept = next(a for a in offer["actions"] if a.get("verb") == "intro.accept")
    await post(bot_client, build.card_action(connector.url, "intro.accept", accept["data"], key="maarten"),
               status=200)
    await deliver(bot_client)

    to_anna = connector.cards("a:personal-anna")[-1]
    assert "Goed nieuws! Maarten (OBA)" in texts_of(to_anna)
    assert to_anna["actions"][0]["url"] == "https://teams.microsoft.com/l/chat/0/0?users=maarten%40oba.nl"
    assert "Anna de Vries" in texts_of(connector.cards("a:personal-maarten")[-1])

    [row] = await requests(bot_client)
    assert (row.state, row.assignee_id) == ("accepted", "maarten-oba")
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        actions = (await session.scalars(select(RequestEventRow.action).order_by(RequestEventRow.id))).all()
    assert list(actions) == ["create", "route", "approve", "accept"]


async def test_second_click_and_forged_clicks_change_nothing(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    approve = next(a for a in connector.cards("a:personal-dia")[-1]["actions"] if a.get("verb") == "review.approve")
    # The asker forges the coordinator's click with the same payload.
    forged = await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"], key="anna"),
                        status=200)
    assert connector.texts("a:personal-anna")[-1] == "Deze knop is niet voor jou bedoeld."
    assert (await forged.json())["type"] != "application/vnd.microsoft.card.adaptive"
    first = await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"], key="dia"),
                       status=200)
    second = await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"], key="dia"),
                        status=200)
    assert "Doorgestuurd" in texts_of((await first.json())["value"])
    assert "al afgehandeld" in texts_of((await second.json())["value"])
    await deliver(bot_client)
    assert len(connector.cards("a:personal-maarten")) == 1  # one introduction offer, not two


async def test_redelivered_confirmation_creates_one_request(bot_client, connector):
    await introduce_people(bot_client, connector)
    await post(bot_client, build.message(connector.url, f"vraag: {QUESTION}", key="anna"))
    await post(bot_client, build.message(connector.url, "Exploitatie", key="anna"))
    await post(bot_client, build.message(connector.url, "Een Probiblio-adviseur", key="anna"))
    await post(bot_client, build.message(connector.url, "nee", key="anna"))
    submit = build.card_submit(connector.url, {"dialog": "question.send", "text": QUESTION, "theme": "Exploitatie",
                                               "preference": "adviser", "context": ""}, key="anna")
    await post(bot_client, submit)
    await post(bot_client, submit)  # Teams redelivers the same activity id
    rows = await requests(bot_client)
    assert len(rows) == 1 and rows[0].preference == "adviser" and rows[0].theme == "Exploitatie"


async def test_short_question_is_refused_in_dutch_and_stop_cancels(bot_client, connector):
    await introduce_people(bot_client, connector)
    await post(bot_client, build.message(connector.url, "vraag", key="anna"))
    await post(bot_client, build.message(connector.url, "koepels?", key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Je vraag is nog wat kort")
    await post(bot_client, build.message(connector.url, "stop", key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Oké, ik ben gestopt")
    assert await requests(bot_client) == []


async def test_my_questions_withdraw_and_open_questions(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    await post(bot_client, build.message(connector.url, "open vragen", key="dia"))
    listing = connector.cards("a:personal-dia")[-1]
    assert listing["body"][0]["text"] == "Vragen die op jouw besluit wachten" and "#1" in texts_of(listing)
    await post(bot_client, build.message(connector.url, "open vragen", key="anna"))
    assert connector.texts("a:personal-anna")[-1] == "Dat kan alleen de coördinator van het project."

    await post(bot_client, build.message(connector.url, "mijn vragen", key="anna"))
    mine = connector.cards("a:personal-anna")[-1]
    assert "bij Dia" in texts_of(mine)
    withdraw = mine["actions"][0]["data"]
    await post(bot_client, build.card_submit(connector.url, withdraw, key="maarten"))  # forged by someone else
    assert connector.texts("a:personal-maarten")[-1] == "Deze knop is niet voor jou bedoeld."
    await post(bot_client, build.card_submit(connector.url, withdraw, key="anna"))
    assert connector.texts("a:personal-anna")[-1] == "Je vraag #1 is ingetrokken."
    [row] = await requests(bot_client)
    assert row.state == "withdrawn"


async def test_channel_question_continues_privately(bot_client, connector):
    await introduce_people(bot_client, connector)
    await post(bot_client, build.channel_message(connector.url, "vraag", key="anna"))
    channel_texts = [a.get("text") for a in connector.activities() if "19:team" in str(a.get("conversation", {}))
                     or a.get("replyToId")]
    assert any("persoonlijk bericht" in (t or "") for t in channel_texts)
    private = connector.texts("a:personal-anna")
    assert private[-2].startswith("Je begon in het kanaal aan een sparringvraag")
    assert private[-1].startswith("Wat is je sparringvraag?")
    await post(bot_client, build.message(connector.url, QUESTION, key="anna"))
    # The dialog goes on privately; the theme is clear from this question, so the preference is next.
    assert "Met wie wil je" in str(connector.activities("a:personal-anna")[-1])


async def test_a_reminder_button_starts_the_question_dialog(bot_client, connector):
    from datetime import UTC, datetime

    await introduce_people(bot_client, connector)
    components = bot_client.server.app[COMPONENTS]
    components.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    assert await components.planner.plan_all() > 0
    components.clock.set(datetime(2027, 3, 15, 7, 5, tzinfo=UTC))  # Monday 15 March 2027, 08:05 in Amsterdam
    await deliver(bot_client)
    reminder = connector.cards("a:personal-anna")[-1]
    assert reminder["body"][0]["text"] == "Herinnering: Meest brandende vraag over exploitatie"
    await post(bot_client, build.card_submit(connector.url, reminder["actions"][0]["data"], key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Wat is je sparringvraag?")
    await post(bot_client, build.card_submit(connector.url, reminder["actions"][1]["data"], key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Je krijgt geen herinneringen meer")


async def test_the_libraries_deadline_reminds_library_people_and_no_adviser(bot_client, connector):
    """The exploitation deadline is for the libraries: Maarten (OBA, in the directory) and Anna
    (outside it) are reminded, Daniel (Probiblio's adviser) is not, unless Dia widens it to all."""
    from datetime import UTC, datetime

    await introduce_people(bot_client, connector)
    connector.members["a:personal-daniel"] = [member("daniel", name="Daniel", email="daniel@probiblio.nl")]
    await post(bot_client, build.message(connector.url, "hallo", key="daniel"))
    await deliver(bot_client)
    await confirm_link(bot_client, connector, "Daniel")
    components = bot_client.server.app[COMPONENTS]
    components.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    assert await components.planner.plan_all() > 0
    components.clock.set(datetime(2027, 3, 15, 7, 5, tzinfo=UTC))  # 14 days before, 08:05 in Amsterdam
    await deliver(bot_client)
    title = "Herinnering: Meest brandende vraag over exploitatie"

    def reminded(key: str) -> bool:
        return any(c["body"][0].get("text") == title for c in connector.cards(f"a:personal-{key}"))

    assert reminded("maarten") and reminded("anna")
    assert not reminded("daniel") and not reminded("dia")
    await post(bot_client, build.message(connector.url, "deadlines", key="daniel"))
    assert "exploitatie" not in texts_of(connector.cards("a:personal-daniel")[-1])

    # The coordinator's form shows the audience; choosing "everyone" reaches the adviser too.
    await post(bot_client, build.message(connector.url, "deadlines", key="dia"))
    buttons = {a["title"]: a["data"] for a in connector.cards("a:personal-dia")[-1]["actions"]}
    await post(bot_client, build.card_submit(connector.url, buttons["Wijzig: Meest brandende vraag over exploitatie"],
                                             key="dia"))
    form = connector.cards("a:personal-dia")[-1]
    audience = next(i for i in form["body"] if i.get("id") == "audience")
    assert audience["value"] == "libraries" and "all" in [c["value"] for c in audience["choices"]]
    values = {i["id"]: i.get("value", "") for i in form["body"] if i["type"].startswith("Input.")}
    await post(bot_client, build.card_submit(connector.url, {**form["actions"][0]["data"], **values,
                                                             "due_date": "2027-03-28", "due_time": "12:00",
                                                             "audience": "all"}, key="dia"))
    assert connector.texts("a:personal-dia")[-1].startswith("✔ Deadline opgeslagen")
    await post(bot_client, build.message(connector.url, "deadlines", key="daniel"))
    assert "exploitatie" in texts_of(connector.cards("a:personal-daniel")[-1])


async def test_coordinator_adds_and_changes_deadlines_in_teams(bot_client, connector):
    from datetime import UTC, datetime

    from storage.tables import OutboxRow

    await introduce_people(bot_client, connector)
    components = bot_client.server.app[COMPONENTS]
    components.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    await post(bot_client, build.message(connector.url, "deadlines", key="dia"))
    overview = connector.cards("a:personal-dia")[-1]
    assert "0 van 2 gedaan" in texts_of(overview)  # Anna and Maarten; Dia gets the summary instead
    buttons = {a["title"]: a["data"] for a in overview["actions"]}
    add, change = buttons["Deadline toevoegen"], buttons["Wijzig: Meest brandende vraag over exploitatie"]
    await post(bot_client, build.card_submit(connector.url, add, key="dia"))
    assert connector.cards("a:personal-dia")[-1]["body"][0]["text"] == "Nieuwe deadline"

    bad = {"command": "deadline_save", "deadline_id": "", "title": "Ambitiebrief delen", "due_date": "",
           "theme": "", "documents": "ambitiebrief", "reminders": "7"}
    await post(bot_client, build.card_submit(connector.url, bad, key="dia"))
    assert connector.texts("a:personal-dia")[-1].startswith("Dit klopt nog niet: datum en tijd")
    await post(bot_client, build.card_submit(connector.url, {**bad, "due_date": "2027-05-03"}, key="anna"))
    assert connector.texts("a:personal-anna")[-1] == "Deze knop is niet voor jou bedoeld."
    await post(bot_client, build.card_submit(connector.url, {**bad, "due_date": "2027-05-03"}, key="dia"))
    assert connector.texts("a:personal-dia")[-1].startswith(
        "✔ Deadline opgeslagen: Ambitiebrief delen, uiterlijk maandag 3 mei, 12:00")

    await post(bot_client, build.card_submit(connector.url, change, key="dia"))
    form = connector.cards("a:personal-dia")[-1]
    assert form["body"][0]["text"] == "Deadline wijzigen"
    values = {i["id"]: i.get("value", "") for i in form["body"] if i["type"].startswith("Input.")}
    await post(bot_client, build.card_submit(connector.url, {**form["actions"][0]["data"], **values,
                                                             "due_date": "2027-03-26"}, key="dia"))
    async with components.sessions() as session:
        keys = dict((await session.execute(select(OutboxRow.key, OutboxRow.due_at))).all())
    anna_3d = next(due for key, due in keys.items() if key.startswith("deadline:exploitatievraag:") and
                   key.endswith(":3d"))
    assert anna_3d.replace(tzinfo=UTC) == datetime(2027, 3, 23, 8, 0, tzinfo=UTC)  # moved with the deadline
    assert any(key.startswith("deadline:ambitiebrief-delen:") for key in keys)


async def test_coordinator_adds_and_moves_a_session_in_teams(bot_client, connector):
    from datetime import UTC, datetime

    await introduce_people(bot_client, connector)
    components = bot_client.server.app[COMPONENTS]
    components.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    await post(bot_client, build.message(connector.url, "deadlines", key="dia"))
    buttons = {a["title"]: a["data"] for a in connector.cards("a:personal-dia")[-1]["actions"]}
    await post(bot_client, build.card_submit(connector.url, buttons["Bijeenkomst toevoegen"], key="dia"))
    assert connector.cards("a:personal-dia")[-1]["body"][0]["text"] == "Nieuwe bijeenkomst"
    new = {"command": "event_save", "event_id": "", "title": "Sessie 2 Exploitatie", "description": "Vervolg",
           "date": "2027-05-19", "starts": "13:00", "ends": "12:00", "place": "Leiden"}
    await post(bot_client, build.card_submit(connector.url, new, key="dia"))
    assert connector.texts("a:personal-dia")[-1].startswith("Dit klopt nog niet: eindtijd")
    await post(bot_client, build.card_submit(connector.url, {**new, "ends": "16:00"}, key="dia"))
    assert connector.texts("a:personal-dia")[-1].startswith(
        "✔ Bijeenkomst opgeslagen: Sessie 2 Exploitatie, woensdag 19 mei, 13:00 in Leiden")
    await post(bot_client, build.message(connector.url, "deadlines", key="anna"))
    assert "Sessie 2 Exploitatie" in texts_of(connector.cards("a:personal-anna")[-1])
    change = next(d for title, d in {a["title"]: a["data"] for a in (await _coordinator_overview(
        bot_client, connector))["actions"]}.items() if title == "Wijzig: Sessie 1 Exploitatie")
    await post(bot_client, build.card_submit(connector.url, change, key="dia"))
    assert connector.cards("a:personal-dia")[-1]["body"][0]["text"] == "Bijeenkomst wijzigen"


async def _coordinator_overview(client, connector) -> dict:  # type: ignore[no-untyped-def]
    await post(client, build.message(connector.url, "deadlines", key="dia"))
    return connector.cards("a:personal-dia")[-1]
