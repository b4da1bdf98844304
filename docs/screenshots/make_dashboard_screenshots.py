"""Regenerate the README's screenshots of the coordinator's overview tab (``dashboard-*.png``).

Run from the repository root: ``.venv/bin/python docs/screenshots/make_dashboard_screenshots.py``
(needs ``npm ci`` and Debian's ``chromium``). The real app on a loopback port with the sample
programme: Anna asks questions in the chat over a week, Dia decides some of them on her cards,
Maarten accepts one; a few libraries' cost splits are added; then the browser script of
the tests (``tests/browser/dashboard.mjs``) signs in with Dia's ``overzicht`` link and
photographs every page.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.dashboard import add_documents  # noqa: E402
from bot.domain.clock import FixedClock  # noqa: E402
from tests import activities as build  # noqa: E402
from tests.e2e.test_browser_dashboard import drive  # noqa: E402
from tests.e2e.test_http_dashboard import link_for, participant_id  # noqa: E402
from tests.e2e.test_http_sparring import ask, deliver, introduce_people, post, requests  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402
from tests.security.helpers import app_client, make_settings  # noqa: E402

OUT = REPO / "docs" / "screenshots"
QUESTIONS = (
    "Een grote stichting wil met al haar scholen tegelijk starten. Hoe pak ik dat gefaseerd aan?",
    "Hoe krijg ik de schoolbesturen mee in de financiering van de leesconsulent?",
    "Hoe meten jullie het effect van de schoolbibliotheek op het leesplezier?",
    "Wie heeft ervaring met een accountplan voor een kleine gemeente?",
)
SHOTS = ("vragen", "vraag", "inzendingen", "deadlines", "kosten", "programma", "vragen-phone", "vraag-phone")


async def main() -> None:
    folder = Path(tempfile.mkdtemp())
    clock = FixedClock(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    settings = make_settings(f"sqlite+aiosqlite:///{folder / 'bot.db'}", folder)
    with FakeConnector() as connector:
        async with app_client(settings, clock) as client:
            await introduce_people(client, connector)
            for text in QUESTIONS:  # a question every other day
                await ask(client, connector, text)
                clock.advance(timedelta(days=2, hours=3))
            # Dia sends question 2 on and question 3 to Maarten from their cards, and declines 4; Maarten
            # accepts after five hours. Question 1 waits for her (the browser script acts on it).
            for number, verb, extra in ((2, "review.approve", {}), (3, "review.redirect", {"person": "maarten-oba"}),
                                        (4, "review.decline", {"note": "Dit past beter bij de helpdesk."})):
                request = next(r for r in await requests(client) if r.id == number)
                data = {"ref": request.public_ref, "version": request.version, **extra}
                await post(client, build.card_action(connector.url, verb, data, key="dia"), status=200)
            await deliver(client)
            clock.advance(timedelta(hours=5))
            offer = next(c for c in connector.cards("a:personal-maarten") if "actions" in c)
            offer_owner = await participant_id(client, "maarten")
            accept = next(a for a in offer["actions"] if a.get("verb") == "intro.accept")
            await post(client, build.card_action(connector.url, "intro.accept", accept["data"], key="maarten"),
                       status=200)
            await deliver(client)
            owners = sorted({r.asker_id for r in await requests(client)} | {offer_owner})
            await add_documents(settings.database_url, owners, 16, libraries=4, now=clock.now())
            base = f"http://127.0.0.1:{client.server.port}"
            link = urlsplit(await link_for(client, connector))
            report = await drive(base, f"{base}{link.path}?{link.query}", folder)
    if "failure" in report:
        raise SystemExit(f"the browser run failed: {report['failure']}")
    for name in SHOTS:
        shutil.copyfile(folder / f"dashboard-{name}.png", OUT / f"dashboard-{name}.png")
    shutil.rmtree(folder, ignore_errors=True)
    print("wrote", ", ".join(f"dashboard-{name}.png" for name in SHOTS))


if __name__ == "__main__":
    asyncio.run(main())
