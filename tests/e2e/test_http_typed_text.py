"""What people type is kept as typed (case, accents), and what is too long is refused whole.

Every place where text is typed goes through the real endpoint: the ``vraag: ...`` argument,
the dialog's answers, the confirmation card, the coordinator's decline note, the expert's decline
reason, the asker's feedback comment and a deadline title typed by the coordinator. What lands
in the database and on the coordinator's card is what was typed; only @mentions, control
characters and extra white space go.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.components import COMPONENTS
from bot.domain.requests import MAX_CONTEXT_CHARS
from bot.teams.typed_input import MAX_TYPED_CHARS
from storage.tables import RequestRow
from tests import activities as build
from tests.e2e.test_http_sparring import deliver, introduce_people, post, requests, texts_of

QUESTION = "Hoe pakt Stichting Één de dBos po aan met ÉÉN coördinator voor Zuid-Holland en Noord-Brabant?"
UNCLEAR_THEME = "Hoe krijgen andere bibliotheken de leesconsulenten op alle scholen tegelijk aan de slag?"
CONTEXT = "Bibliotheek Oost-Achterhoek (OBA), São Paulo-Straat; we Zijn met Drie Vestigingen"


def plain(text: str) -> str:
    """Card text without the backslashes that make markdown inert."""
    return text.replace("\\", "")


async def _ask(client, connector, first: str, *typed: str) -> dict:  # type: ignore[no-untyped-def]
    """Start the question dialog with ``first``, type the answers, and confirm the card as shown."""
    for text in (first, *typed):
        await post(client, build.message(connector.url, text, key="anna"))
    card = connector.cards("a:personal-anna")[-1]
    shown = {i["id"]: i.get("value", "") for i in card["body"] if i.get("type", "").startswith("Input.")}
    send = next(a for a in card["actions"] if a.get("data", {}).get("dialog") == "question.send")
    await post(client, build.card_submit(connector.url, {**send["data"], **shown}, key="anna"))
    await deliver(client)
    return shown


async def test_typed_text_keeps_its_case_and_accents_everywhere(bot_client, connector):
    await introduce_people(bot_client, connector)
    # The argument of "vraag:" (typed with a mention and a control character around it).
    shown = await _ask(bot_client, connector, f"<at>Sparringbot</at> VRAAG:  {QUESTION}\x07",
                       "Netwerk & Beleid", "Geen voorkeur", f"  {CONTEXT} ")
    assert (shown["text"], shown["context"]) == (QUESTION, CONTEXT)  # on the confirmation card
    [row] = await requests(bot_client)
    assert (row.text, row.context) == (QUESTION, CONTEXT)  # in the database
    review = connector.cards("a:personal-dia")[-1]  # on the coordinator's card
    assert QUESTION in plain(texts_of(review)) and CONTEXT in plain(texts_of(review))

    # The coordinator's decline note.
    note = "Dit is eerder een Vraag voor de Helpdesk van Probiblio; bel Één keer met Sanne."
    decline = _action(review, "review.decline")
    response = await post(bot_client, build.card_action(connector.url, "review.decline", decline["data"],
                                                        key="dia", note=note), status=200)
    assert note in plain(texts_of((await response.json())["value"]))
    [row] = await requests(bot_client)
    assert (row.state, row.note) == ("declined", note)

    # A question typed in the dialog; the expert declines with a reason; the coordinator sees it.
    second = "Hoe regelt Bibliotheek Rivierenland de Financiering bij Opschaling naar alle Schoolkoepels in Één keer?"
    await _ask(bot_client, connector, "vraag", second, "Netwerk & Beleid", "Geen voorkeur", "nee")
    approve = _action(connector.cards("a:personal-dia")[-1], "review.approve")
    await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"], key="dia"),
               status=200)
    await deliver(bot_client)
    reason = "Ik ben met Verlof tot Één April; vraag Eline van BZHE."
    offer = connector.cards("a:personal-maarten")[-1]
    assert second in plain(texts_of(offer))
    await post(bot_client, build.card_action(connector.url, "intro.decline", _action(offer, "intro.decline")["data"],
                                             key="maarten", reason=reason), status=200)
    await deliver(bot_client)
    row = (await requests(bot_client))[-1]
    assert (row.text, row.note) == (second, reason)
    assert reason in plain(texts_of(connector.cards("a:personal-dia")[-1]))

    # The coordinator answers it herself; the asker closes it with a comment.
    myself = _action(connector.cards("a:personal-dia")[-1], "review.myself")
    await post(bot_client, build.card_action(connector.url, "review.myself", myself["data"], key="dia"), status=200)
    comment = "Heel Fijn gesprek met Dia — dank je wel, ÇA VA!"
    data = {k: v for k, v in myself["data"].items() if k != "version"}
    await post(bot_client, build.card_action(connector.url, "feedback.close", data, key="anna", rating=5,
                                             comment=comment), status=200)
    row = (await requests(bot_client))[-1]
    assert (row.state, row.comment) == ("closed", comment)


async def test_a_deadline_title_typed_by_the_coordinator_keeps_its_case(bot_client, connector):
    from datetime import UTC, datetime

    await introduce_people(bot_client, connector)
    bot_client.server.app[COMPONENTS].clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    title = "Ambitiebrief Délen met de Stuurgroep dBos po"
    save = {"command": "deadline_save", "deadline_id": "", "title": f" {title}\x00 ", "due_date": "2027-05-03",
            "theme": "", "documents": "ambitiebrief", "reminders": "7"}
    await post(bot_client, build.card_submit(connector.url, save, key="dia"))
    assert connector.texts("a:personal-dia")[-1].startswith(f"✔ Deadline opgeslagen: {title}, uiterlijk")
    await post(bot_client, build.message(connector.url, "deadlines", key="anna"))
    assert title in plain(texts_of(connector.cards("a:personal-anna")[-1]))


async def test_a_message_over_the_limit_is_refused_whole_and_says_the_limit(bot_client, connector):
    await introduce_people(bot_client, connector)
    await post(bot_client, build.message(connector.url, "vraag", key="anna"))
    await post(bot_client, build.message(connector.url, "Hoe " * (MAX_TYPED_CHARS // 4 + 1), key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith(
        "Dat bericht is te lang: ik lees hoogstens 4.000 tekens per bericht of veld.")
    # The dialog waits where it was: the next answer is the question.
    # (a question whose theme is not clear, so the theme is asked)
    await post(bot_client, build.message(connector.url, UNCLEAR_THEME, key="anna"))
    assert "Over welk thema" in str(connector.activities("a:personal-anna")[-1])
    # A long reply at a choice is no choice: asked again (and never handed to the number recognizer).
    await post(bot_client, build.message(connector.url, "1 2 3 " * 300, key="anna"))
    assert "Kies een van de thema's" in str(connector.activities("a:personal-anna")[-1])
    # In English, with the English way of writing the number.
    english = build.message(connector.url, "x" * (MAX_TYPED_CHARS + 1), key="anna", locale="en-US")
    await post(bot_client, english)
    assert "at most 4,000 characters" in connector.texts("a:personal-anna")[-1]
    assert await requests(bot_client) == []


async def test_a_card_field_over_the_limit_is_refused_and_changes_nothing(bot_client, connector):
    await introduce_people(bot_client, connector)
    await _ask(bot_client, connector, f"vraag: {QUESTION}", "Netwerk & Beleid", "Geen voorkeur", "nee")
    decline = _action(connector.cards("a:personal-dia")[-1], "review.decline")
    response = await post(bot_client, build.card_action(connector.url, "review.decline", decline["data"], key="dia",
                                                        note="Nee. " * MAX_TYPED_CHARS), status=200)
    body = await response.json()
    assert body["statusCode"] == 400 and "4.000 tekens" in body["value"]["message"]
    assert "4.000 tekens" in connector.texts("a:personal-dia")[-1]
    [row] = await requests(bot_client)
    assert (row.state, row.note) == ("suggested", "")


async def test_a_too_long_explanation_on_the_confirmation_card_is_said_not_cut_off(bot_client, connector):
    await introduce_people(bot_client, connector)
    for text in (f"vraag: {QUESTION}", "Netwerk & Beleid", "Geen voorkeur", "nee"):
        await post(bot_client, build.message(connector.url, text, key="anna"))
    context = "Toelichting " * (MAX_CONTEXT_CHARS // 12 + 1)
    values = {"dialog": "question.send", "text": QUESTION, "theme": "Netwerk & Beleid", "preference": "any",
              "context": context}
    await post(bot_client, build.card_submit(connector.url, values, key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Je toelichting is langer dan 2.000 tekens")
    card = connector.cards("a:personal-anna")[-1]  # shown again, with everything kept to shorten
    assert {i["id"]: i.get("value") for i in card["body"] if i.get("id") == "context"} == {"context": context.strip()}
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        assert (await session.scalars(select(RequestRow))).all() == []


def _action(card: dict, verb: str) -> dict:
    """The ``Action.Execute`` with ``verb``, also inside a ShowCard."""
    for action in card.get("actions", []):
        if action.get("verb") == verb:
            return action
        inner = _action(action.get("card", {}), verb)
        if inner:
            return inner
    return {}
