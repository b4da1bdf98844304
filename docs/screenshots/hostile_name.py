"""Screenshot of a hostile display name in the expert's introduction, as the Agents Playground renders it.

Run from the repository root: ``.venv/bin/python docs/screenshots/hostile_name.py`` (needs
``npm ci`` and Debian's ``chromium``). The asker's Teams name is markdown and HTML; Maarten's
Playground shows the offer and the introduction, where the name must read as plain text (no
link, no bold, no heading) and ordinary punctuation must show without backslashes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import tempfile
from pathlib import Path

from aiohttp import web

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.bootstrap import create_app  # noqa: E402
from bot.components import COMPONENTS  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.maintenance import prepare_database  # noqa: E402
from docs.screenshots.make_screenshots import shoot  # noqa: E402
from tests.e2e import test_playground_sparringbot as scenario  # noqa: E402

HOSTILE_NAME = "[Anna](https://evil.example) **de** _Vries_ <b>x</b> dBos po. (bieb) 1-2"
QUESTION = scenario.QUESTION


async def main() -> None:
    folder = Path(tempfile.mkdtemp())
    settings = load_settings({"DATABASE_URL": f"sqlite:///{folder / 'bot.db'}", "DISPATCH_INTERVAL": "0",
                              "LANGUAGE": "nl"}, env_file=None)
    await prepare_database(settings, load_sample=True)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint = f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"
    dispatcher = runner.app[COMPONENTS].dispatcher
    scenario.CAST["anna"] = dataclasses.replace(scenario.CAST["anna"], name=HOSTILE_NAME)
    card_text = scenario.card_text
    try:
        async with scenario.playground_for("dia", endpoint) as dia, \
                scenario.playground_for("maarten", endpoint) as maarten, \
                scenario.playground_for("anna", endpoint) as anna:
            for person in (dia, maarten, anna):
                await person.send_text("hallo")
                await person.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
            for text in ("vraag", QUESTION, "Netwerk & Beleid", "Geen voorkeur", "nee"):
                await anna.send_text(text)
                await anna.wait_for_message()
            confirm = next(m for m in reversed(anna.messages) if "Klopt je vraag zo?" in card_text(m))
            await anna.submit({"dialog": "question.send", "text": QUESTION, "theme": "Netwerk & Beleid",
                               "preference": "any", "context": ""}, reply_to_id=confirm.id)
            await anna.wait_for_message(lambda m: m.text.startswith("Dank je!"))
            await dispatcher.run_once()
            review = await dia.wait_for_message(lambda m: "Nieuwe sparringvraag #1" in card_text(m))
            redirect = next(a for a in review.cards[0]["actions"] if a.get("type") == "Action.ShowCard")
            data = redirect["card"]["actions"][0]["data"]
            await dia.invoke_execute("review.redirect", {**data, "person": "maarten-oba"}, reply_to_id=review.id)

            async def introduce() -> None:
                await dispatcher.run_once()
                offer = await maarten.wait_for_message(lambda m: "Wil je sparren met" in card_text(m))
                accept = next(a for a in offer.cards[0]["actions"] if a.get("verb") == "intro.accept")
                await maarten.invoke_execute("intro.accept", accept["data"], reply_to_id=offer.id)
                await dispatcher.run_once()

            await shoot(maarten, "hostile-name.png", ["Wil je sparren met", "in contact gebracht met"], introduce)
    finally:
        await runner.cleanup()
    print("wrote hostile-name.png")


if __name__ == "__main__":
    asyncio.run(main())
