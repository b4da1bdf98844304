"""Display names, questions, notes and reasons stay inert text in every card and message the bot sends.

A display name ``[x](https://evil.example)`` used to become a live link in the expert's
introduction and in the withdrawal notice. This drives the whole sparring loop through the real
app with a hostile asker name and hostile texts (question, context, the coordinator's note, the
expert's reason), delivers every proactive message (offers, introductions, nudge, escalation,
feedback question, withdrawal and decline notices), and checks every place Teams renders markdown:
TextBlocks, FactSets and chat message texts.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from bot.cards import escape
from bot.components import COMPONENTS
from tests import activities as build
from tests.activities import member
from tests.e2e.test_http_sparring import confirm_link, deliver, post

NAME = "[x](https://evil.example) **Anna** _de_ <at>Dia</at>"
ORDINARY = "dBos po. Vraag 1-2: kosten (school/bieb) 50%!"
QUESTION = ("![pixel](https://evil.example/p.png) `code` ~~weg~~ <b>vet</b> <script>alert(1)</script> "
            f"C:\\map\\*ster* hoe pak ik dit gefaseerd aan? {ORDINARY}")
CONTEXT = f"# Kop\n- lijst\n1. een\n> quote\n{ORDINARY}"
NOTE = "[klik](https://evil.example/login) *geen* sparringvraag"
REASON = "## Geen tijd\n+ echt niet <at>Maarten</at>"
# Fragments that would be live markup if they reached Teams unescaped.
LIVE = ("](https://evil", "[x]", "**Anna**", "_de_", "<at>Dia</at>", "<at>Maarten</at>", "# Kop", "\n- lijst",
        "\n1. een", "\n> quote", "![pixel]", "`code`", "~~weg~~", "<b>", "<script>", "[klik]", "*geen*",
        "## Geen", "\n+ echt", "*ster*", "[pixel]")
# A backslash and the punctuation it escapes: what Teams shows as that one character, never as markup.
ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")


def sinks(activity: dict[str, Any]) -> list[str]:
    """Every string of ``activity`` that Teams renders as markdown."""
    found = [activity["text"]] if activity.get("text") else []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node.get("text", ""))
            if node.get("type") == "FactSet":
                found.extend(str(v) for f in node.get("facts", []) for v in (f.get("title"), f.get("value")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for attachment in activity.get("attachments") or []:
        walk(attachment.get("content"))
    return found


async def _ask(client, connector, text: str) -> None:  # type: ignore[no-untyped-def]
    values = {"dialog": "question.send", "text": text, "theme": "Netwerk & Beleid", "preference": "any",
              "context": CONTEXT}
    for typed in ("vraag", text, "Netwerk & Beleid", "Geen voorkeur", "nee"):
        await post(client, build.message(connector.url, typed, key="anna"))
    await post(client, build.card_submit(connector.url, values, key="anna"))
    await deliver(client)


def _action(card: dict[str, Any], verb: str) -> dict[str, Any]:
    for action in card.get("actions", []):
        if action.get("verb") == verb:
            return action["data"]
        for inner in (action.get("card") or {}).get("actions", []):
            if inner.get("verb") == verb:
                return inner["data"]
    raise AssertionError(f"no {verb} on the card")


async def test_hostile_names_and_texts_are_inert_in_every_message_of_the_loop(bot_client, connector):
    components = bot_client.server.app[COMPONENTS]
    connector.members["a:personal-dia"] = [member("dia", name="Dia Wesseling", email="dwesseling@probiblio.nl")]
    connector.members["a:personal-maarten"] = [member("maarten", name="Maarten Jansen", email="maarten@oba.nl")]
    connector.members["a:personal-anna"] = [member("anna", name=NAME, email="anna@bieb.nl")]
    for key in ("dia", "maarten", "anna"):
        await post(bot_client, build.message(connector.url, "hallo", key=key))
    await deliver(bot_client)
    await confirm_link(bot_client, connector, "Maarten Jansen")  # his name only proposes the link

    # 1: approved, nudged, escalated, accepted (introductions), feedback question.
    await _ask(bot_client, connector, QUESTION)
    review = connector.cards("a:personal-dia")[-1]
    await post(bot_client, build.card_action(connector.url, "review.redirect", _action(review, "review.redirect"),
                                             key="dia", person="maarten-oba"), status=200)
    await deliver(bot_client)
    components.clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))  # past the nudge and the escalation
    await deliver(bot_client)
    offer = connector.cards("a:personal-maarten")[-1]
    await post(bot_client, build.card_action(connector.url, "intro.accept", _action(offer, "intro.accept"),
                                             key="maarten"), status=200)
    await deliver(bot_client)
    introduction = " ".join(sinks(connector.activities("a:personal-maarten")[-1]))
    assert escape(NAME) in introduction  # the name is shown, readable and inert
    components.clock.set(datetime(2026, 3, 26, 9, 0, tzinfo=UTC))
    await deliver(bot_client)

    # 2: approved, declined by the expert with a reason, then withdrawn by the asker (notice to the expert).
    await _ask(bot_client, connector, QUESTION + " (2)")
    review = connector.cards("a:personal-dia")[-1]
    await post(bot_client, build.card_action(connector.url, "review.redirect", _action(review, "review.redirect"),
                                             key="dia", person="maarten-oba"), status=200)
    await deliver(bot_client)
    offer = connector.cards("a:personal-maarten")[-1]
    await post(bot_client, build.card_action(connector.url, "intro.decline", _action(offer, "intro.decline"),
                                             key="maarten", reason=REASON), status=200)
    await deliver(bot_client)
    review = connector.cards("a:personal-dia")[-1]
    await post(bot_client, build.card_action(connector.url, "review.redirect", _action(review, "review.redirect"),
                                             key="dia", person="maarten-oba"), status=200)
    await deliver(bot_client)
    await post(bot_client, build.message(connector.url, "mijn vragen", key="anna"))
    withdraw = connector.cards("a:personal-anna")[-1]["actions"][0]["data"]
    await post(bot_client, build.card_submit(connector.url, withdraw, key="anna"))
    await deliver(bot_client)
    notice = connector.texts("a:personal-maarten")[-1]
    assert "ingetrokken" in notice and escape(NAME) in notice

    # 3: declined by the coordinator with a note (to the asker); the overviews.
    await _ask(bot_client, connector, QUESTION + " (3)")
    review = connector.cards("a:personal-dia")[-1]
    await post(bot_client, build.card_action(connector.url, "review.decline", _action(review, "review.decline"),
                                             key="dia", note=NOTE), status=200)
    await deliver(bot_client)
    for key, text in (("anna", "mijn vragen"), ("dia", "open vragen"), ("maarten", "mijn verzoeken"),
                      ("anna", "mijn gegevens")):
        await post(bot_client, build.message(connector.url, text, key=key))

    activities = connector.activities()
    kinds = {block.get("text", "")[:12] for a in activities for block in
             ((a.get("attachments") or [{}])[0].get("content") or {}).get("body", [])[:1]}
    assert len(activities) > 30 and len(kinds) > 8, kinds
    for activity in activities:
        for text in sinks(activity):
            unescaped = ESCAPED.sub("", text)
            live = [fragment for fragment in LIVE if fragment in unescaped]
            assert not live, (live, text)
            assert not re.search(r"(?<!\\)\]\(", text), text
            # Ordinary punctuation is never escaped: no stray backslashes.
            assert "\\." not in text and "\\(" not in text and "\\-" not in text.replace("\\- lijst", ""), text
    shown = json.dumps([sinks(a) for a in activities], ensure_ascii=False)
    assert ORDINARY in shown  # ordinary text comes out exactly as typed
