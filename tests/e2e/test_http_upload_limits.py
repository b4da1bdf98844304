"""Upload bounds through the real app: files per message, and per person per 24 hours (from the database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests import activities as build
from tests.e2e.test_http_sparring import introduce_people, post
from tests.security.helpers import app_client, count, make_settings

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
async def file_host() -> AsyncIterator[tuple[str, list[str]]]:
    """Serves a different small PDF for every name and records what was fetched."""
    fetched: list[str] = []

    async def serve(request: web.Request) -> web.Response:
        fetched.append(request.match_info["name"])
        return web.Response(body=PDF + b"% " + request.match_info["name"].encode() + b"\n")

    app = web.Application()
    app.router.add_get("/f/{name}", serve)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("/f/")), fetched
    finally:
        await server.close()


async def send(client, connector, base: str, *names: str, key: str = "anna") -> str:  # type: ignore[no-untyped-def]
    activity = build.message(connector.url, "", key=key)
    activity["attachments"] = [
        {"contentType": "application/vnd.microsoft.teams.file.download.info", "name": name,
         "content": {"downloadUrl": base + name, "uniqueId": name, "fileType": "pdf"}} for name in names]
    await post(client, activity)
    last = connector.activities()[-1]
    return last["attachments"][0]["content"]["body"][0]["text"] if last.get("attachments") else last.get("text", "")


def stored(tmp_path) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for p in (tmp_path / "files").rglob("*") if p.is_file())


async def test_more_files_in_one_message_than_allowed_fetches_none(connector, database_url, clock, tmp_path,
                                                                   file_host):
    base, fetched = file_host
    settings = make_settings(database_url, tmp_path, FILE_HOSTS="127.0.0.1")
    async with app_client(settings, clock) as client:
        await introduce_people(client, connector)
        said = await send(client, connector, base, *(f"plan{n}.pdf" for n in range(6)))
        assert said == ("Je stuurde 6 bestanden in één bericht; ik neem er maximaal 5 per bericht aan. "
                        "Ik heb er geen opgehaald: stuur ze in kleinere groepjes.")
        assert fetched == [] and stored(tmp_path) == 0
        assert await count(client, "uploads") == 0  # a refused message uses up nothing
        assert await send(client, connector, base, *(f"plan{n}.pdf" for n in range(5))) == "Wat is plan4.pdf?"
        assert len(fetched) == 5 and await count(client, "uploads") == 5


async def test_the_daily_limit_holds_across_restarts_and_says_when_to_try_again(connector, database_url, clock,
                                                                                tmp_path, file_host):
    base, fetched = file_host
    settings = make_settings(database_url, tmp_path, FILE_HOSTS="127.0.0.1", MAX_UPLOADS_PER_DAY="4")
    async with app_client(settings, clock) as client:
        await introduce_people(client, connector)
        assert await send(client, connector, base, "a.pdf") == "Wat is a.pdf?"
        clock.advance(timedelta(hours=2))
        assert await send(client, connector, base, "b.pdf", "c.pdf") == "Wat is c.pdf?"
        clock.advance(timedelta(hours=1))
        said = await send(client, connector, base, "d.pdf", "e.pdf")  # 3 + 2 > 4
        # Two files fit once a.pdf (10:00 on Tuesday, Amsterdam) is a day old.
        assert said == ("Je kunt 4 bestanden per 24 uur sturen en je hebt er nu nog 1 over, dus deze 2 heb ik "
                        "niet opgehaald. Probeer het weer vanaf woensdag 4 maart, 10:00.")
        assert fetched == ["a.pdf", "b.pdf", "c.pdf"]
        # Someone else has their own count.
        assert (await send(client, connector, base, "m1.pdf", "m2.pdf", key="maarten")) == "Wat is m2.pdf?"

    # A restart (or another instance on the same database) counts the same uploads.
    async with app_client(settings, clock) as client:
        said = await send(client, connector, base, "d.pdf", "e.pdf")
        assert said.endswith("Probeer het weer vanaf woensdag 4 maart, 10:00.")
        assert await send(client, connector, base, "d.pdf") == "Wat is d.pdf?"  # the one place left
        said = await send(client, connector, base, "e.pdf")
        assert said.endswith("nog 0 over, dus deze 1 heb ik niet opgehaald. Probeer het weer vanaf woensdag 4 maart, "
                             "10:00.")
        clock.advance(timedelta(hours=21))  # a.pdf is a day old now; b and c (12:00) are not
        assert await send(client, connector, base, "e.pdf") == "Wat is e.pdf?"
        said = await send(client, connector, base, "f.pdf")
        assert said.endswith("Probeer het weer vanaf woensdag 4 maart, 12:00.")
        assert fetched == ["a.pdf", "b.pdf", "c.pdf", "m1.pdf", "m2.pdf", "d.pdf", "e.pdf"]
        assert await count(client, "uploads") == 4 + 2  # anna's last 24 hours (old rows pruned) and maarten's


async def test_the_limit_message_is_english_for_english_speakers(connector, database_url, clock, tmp_path,
                                                                 file_host):
    base, _ = file_host
    settings = make_settings(database_url, tmp_path, FILE_HOSTS="127.0.0.1", MAX_FILES_PER_MESSAGE="2")
    async with app_client(settings, clock) as client:
        await introduce_people(client, connector)
        activity = build.message(connector.url, "", key="anna", locale="en-US")
        activity["attachments"] = [
            {"contentType": "application/vnd.microsoft.teams.file.download.info", "name": name,
             "content": {"downloadUrl": base + name, "uniqueId": name, "fileType": "pdf"}}
            for name in ("a.pdf", "b.pdf", "c.pdf")]
        await post(client, activity)
        assert connector.texts("a:personal-anna")[-1].startswith("You sent 3 files in one message; I take at most 2")
