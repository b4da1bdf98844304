"""The overview in a real browser: Debian's headless Chromium driven by playwright-core, axe-core injected.

Dia signs in through the link the chat gave her, every page is read at laptop and phone width
with no serious or critical accessibility violation and no sideways scrolling, she filters the
questions, opens one and sends it on; the request moves, the colleague's offer goes out, and her
review card in the chat shows the decision when Teams refreshes it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.domain.clock import FixedClock
from tests import activities as build
from tests.e2e.test_http_dashboard import link_for
from tests.e2e.test_http_sparring import ask, deliver, introduce_people, post, requests, texts_of
from tests.security.helpers import app_client, make_settings

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests/browser/dashboard.mjs"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NEEDED = {"chromium": CHROMIUM is not None, "node": shutil.which("node") is not None,
          "playwright-core": (REPO / "node_modules/playwright-core").is_dir(),
          "axe-core": (REPO / "node_modules/axe-core/axe.min.js").is_file()}


def need_the_browser() -> None:
    missing = [name for name, present in NEEDED.items() if not present]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing for the browser tests: {', '.join(missing)} (.ci/setup.sh test installs them)")
        pytest.skip(f"missing for the browser tests: {', '.join(missing)}")


async def drive(base: str, sign_in: str, out: Path) -> dict:
    """Run the browser script against the running app (without blocking the app's event loop)."""
    process = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), base, sign_in, str(out), cwd=REPO, env={**os.environ, "CHROMIUM": CHROMIUM or ""},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=240)
    lines = stdout.decode().strip().splitlines()
    assert lines, stderr.decode()[-2000:]
    return json.loads(lines[-1])


async def test_dia_runs_the_board_in_a_browser(tmp_path: Path, connector):
    need_the_browser()
    clock = FixedClock(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path)
    async with app_client(settings, clock) as client:
        await introduce_people(client, connector)
        await ask(client, connector)
        await ask(client, connector, "Hoe krijg ik de schoolbesturen mee in de financiering van de leesconsulent?")
        base = f"http://127.0.0.1:{client.server.port}"
        link = urlsplit(await link_for(client, connector))
        review = next(c for c in connector.cards("a:personal-dia")
                      if c["body"][0]["text"] == "Nieuwe sparringvraag #1")

        report = await drive(base, f"{base}{link.path}?{link.query}", tmp_path)

        assert "failure" not in report, report
        assert report["steps"] == ["signed in", "filtered", "approved"]
        assert report["errors"] == []  # no script error on any page
        assert len(report["pages"]) == 13  # the refusal, then six pages at laptop and phone width
        for name, page in report["pages"].items():
            assert page["status"] == (403 if name == "geen-toegang" else 200), name
            assert page["rulesPassed"] > 10, name  # axe-core really ran on the page
            assert page["violations"] == [], f"{name}: {page['violations']}"
            assert not page["scrollsSideways"], name
        assert (tmp_path / "dashboard-vragen.png").stat().st_size > 10_000

        first = next(r for r in await requests(client) if r.id == 1)
        assert (first.state, first.assignee_id) == ("assigned", "maarten-oba")
        await deliver(client)
        assert connector.cards("a:personal-maarten")[-1]["body"][0]["text"].startswith("Wil je sparren met Anna")
        refreshed = await post(client, build.card_action(connector.url, "review.refresh",
                                                         review["refresh"]["action"]["data"], key="dia"), status=200)
        assert "Inmiddels afgehandeld" in texts_of((await refreshed.json())["value"])
