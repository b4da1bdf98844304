"""Regenerate the README's screenshots: the real bot, the real Agents Playground, headless Chromium.

Run from the repository root: ``.venv/bin/python docs/screenshots/make_screenshots.py``
(needs ``npm ci`` and Debian's ``chromium``). Each shot opens the Playground's page first,
then talks to the bot, because the page shows only what happens while it is open.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.bootstrap import create_app  # noqa: E402
from bot.components import COMPONENTS  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.maintenance import prepare_database  # noqa: E402
from tests.e2e import test_playground_sparringbot as scenario  # noqa: E402
from tests.playground import Playground  # noqa: E402

OUT = REPO / "docs" / "screenshots"
QUESTION = scenario.QUESTION


async def shoot(playground: Playground, name: str, wait_for: list[str],
                conversation: Callable[[], Awaitable[None]]) -> None:
    """Open the page, run ``conversation`` while it is open, save the shot when ``wait_for`` shows."""
    process = await asyncio.create_subprocess_exec(
        "node", str(REPO / "docs/screenshots/shoot.mjs"), playground.url, str(OUT / name), *wait_for,
        cwd=REPO, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    if (await process.stdout.readline()).strip() != b"opened":
        raise RuntimeError(f"could not open {playground.url} in chromium")
    await playground.wait_for_message()  # the page's own install brings a welcome
    await conversation()
    if await process.wait() != 0:
        raise RuntimeError(f"{name}: never saw {wait_for} on the page")


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
    # Typed text goes through the Playground's own API so the page shows it too.
    for key in ("anna", "dia"):
        scenario.CAST[key] = dataclasses.replace(scenario.CAST[key], locale=None)
    try:
        async with scenario.playground_for("dia", endpoint) as dia, \
                scenario.playground_for("anna", endpoint) as anna:

            await dia.send_text("hallo")  # the coordinator is known before the first question
            await dia.wait_for_message()

            async def ask_help() -> None:
                await anna.send_text("help")

            await shoot(anna, "welcome.png", ["Welkom bij Sparringbot", "Wat kan Sparringbot"], ask_help)

            async def ask_question() -> None:
                steps = (("vraag", lambda m: m.text.startswith("Wat is je sparringvraag?")),
                         (QUESTION, lambda m: "Met wie wil je" in str(m.raw)),  # the theme is read from it
                         ("Geen voorkeur", lambda m: m.text.startswith("Wil je nog iets toelichten")),
                         ("nee", lambda m: "Klopt je vraag zo?" in scenario.card_text(m)))
                for text, answered in steps:
                    await anna.send_text(text)
                    await anna.wait_for_message(answered)

            await shoot(anna, "question.png", ["Klopt je vraag zo?"], ask_question)
            confirm = next(m for m in reversed(anna.messages) if "Klopt je vraag zo?" in scenario.card_text(m))
            await anna.submit({"dialog": "question.send", "text": QUESTION, "theme": "Netwerk & Beleid",
                               "preference": "any", "context": ""}, reply_to_id=confirm.id)
            await anna.wait_for_message(lambda m: m.text.startswith("Dank je!"))

            async def review() -> None:
                await dispatcher.run_once()

            await shoot(dia, "review.png", ["Nieuwe sparringvraag #1"], review)

            async def ask_calendar() -> None:
                await anna.send_text("zet mijn deadlines in mijn agenda")

            await shoot(anna, "calendar.png", ["Jouw persoonlijke agenda"], ask_calendar)
    finally:
        await runner.cleanup()
    print("wrote", ", ".join(p.name for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    asyncio.run(main())
