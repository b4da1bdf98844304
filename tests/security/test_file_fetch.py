"""SSRF: the bot fetches attachments only from FILE_HOSTS, at public addresses, redirects included.

Every case drives the real endpoint with a Teams file attachment whose ``downloadUrl`` points,
one way or another, at a loopback "secret" server. The secret server counts its requests: it
must see none, the person gets the Dutch refusal instead of a form, and nothing is stored.
Host names are resolved by a resolver the test injects (no DNS), so "an allowed host that
resolves to 127.0.0.1" is exactly that.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests import activities as build
from tests.e2e.test_http_sparring import introduce_people, post
from tests.security.helpers import app_client, count, make_settings

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REFUSED = "Ik heb plan.pdf niet opgehaald: de link wijst niet naar een plek waar Teams bestanden bewaart."
FORM = "Wat is plan.pdf?"
TOKEN = "tempauth=SECRET-BEARER-TOKEN"


@dataclass
class Servers:
    secret_port: int = 0
    file_port: int = 0
    secret_hits: list[str] = field(default_factory=list)
    file_hits: list[str] = field(default_factory=list)


@pytest.fixture
async def servers() -> AsyncIterator[Servers]:
    """A loopback secret server (must never be reached) and a file server that can redirect."""
    found = Servers()

    async def secret(request: web.Request) -> web.Response:
        found.secret_hits.append(request.path)
        return web.Response(body=PDF + b"% the secret\n")

    async def file(request: web.Request) -> web.Response:
        found.file_hits.append(request.path_qs)
        return web.Response(body=PDF)

    async def hop(request: web.Request) -> web.Response:
        """/hop/N redirects N more times (relative), then serves the file."""
        found.file_hits.append(request.path_qs)
        left = int(request.match_info["left"])
        raise web.HTTPFound(f"/hop/{left - 1}" if left > 1 else "/file.pdf")

    async def away(request: web.Request) -> web.Response:
        """/away?to=URL redirects wherever it is told (an open redirect on an allowed host)."""
        found.file_hits.append(request.path_qs)
        raise web.HTTPFound(request.query["to"].replace("PORT", str(found.secret_port)))

    secret_app = web.Application()
    secret_app.router.add_get("/{tail:.*}", secret)
    file_app = web.Application()
    file_app.router.add_get("/file.pdf", file)
    file_app.router.add_get("/hop/{left}", hop)
    file_app.router.add_get("/away", away)
    secret_server = TestServer(secret_app, host="127.0.0.1", port=0)
    file_server = TestServer(file_app, host="127.0.0.1", port=0)
    await secret_server.start_server()
    await file_server.start_server()
    found.secret_port, found.file_port = secret_server.port, file_server.port
    try:
        yield found
    finally:
        await secret_server.close()
        await file_server.close()


# What the injected resolver answers; anything else does not exist.
DNS = {
    "contoso-my.sharepoint.com": ["127.0.0.1"],
    "contoso.sharepoint.com": ["::1"],
    "mapped.sharepoint.com": ["::ffff:127.0.0.1"],
    "metadata.sharepoint.com": ["169.254.169.254"],
    "metadata6.sharepoint.com": ["fd00:ec2::254"],
    "azure.sharepoint.com": ["168.63.129.16"],
    "private.sharepoint.com": ["10.1.2.3"],
    "cgnat.sharepoint.com": ["100.64.0.7"],
    "zero.sharepoint.com": ["0.0.0.0"],
    "multicast.sharepoint.com": ["224.0.0.251"],
    "linklocal.sharepoint.com": ["fe80::1"],
    "nat64.sharepoint.com": ["64:ff9b::7f00:1"],
    "mixed.sharepoint.com": ["20.190.151.68", "127.0.0.1"],  # one bad address refuses the name
    "localhost": ["127.0.0.1"],
}


class Resolver:
    """Answers from ``DNS`` and counts the questions."""

    def __init__(self, answers: dict[str, list[str]] | None = None):
        self.answers = answers or DNS
        self.asked: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"unknown host {host}")
        return list(self.answers[host])


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    # Only where the bot fetches from matters here, not the engine: SQLite alone.
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


async def send_file(client, connector, url: str, name: str = "plan.pdf") -> str:  # type: ignore[no-untyped-def]
    activity = build.message(connector.url, "", key="anna")
    activity["attachments"] = [{"contentType": "application/vnd.microsoft.teams.file.download.info",
                                "name": name, "content": {"downloadUrl": url, "uniqueId": "1", "fileType": "pdf"}}]
    await post(client, activity)
    said = connector.activities()
    last = said[-1]
    if last.get("attachments"):
        return last["attachments"][0]["content"]["body"][0]["text"]
    return last.get("text") or ""


def stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "files").rglob("*") if p.is_file()]


LOOPBACK_BEHIND_TRICKS = [
    # Hosts that are not in FILE_HOSTS (default: *.sharepoint.com)
    "http://127.0.0.1:PORT/secret",
    "https://127.0.0.1:PORT/secret",
    "https://localhost:PORT/secret",
    "https://[::1]:PORT/secret",
    "https://0.0.0.0:PORT/secret",
    "https://[::ffff:127.0.0.1]:PORT/secret",
    "https://[::ffff:7f00:1]:PORT/secret",
    # Decimal, hex, octal and short forms of 127.0.0.1
    "https://2130706433:PORT/secret",
    "https://0x7f000001:PORT/secret",
    "https://0x7f.0.0.1:PORT/secret",
    "https://0177.0.0.1:PORT/secret",
    "https://017700000001:PORT/secret",
    "https://127.1:PORT/secret",
    "https://127.0.1:PORT/secret",
    # User info and backslash tricks: the real host is 127.0.0.1
    "https://contoso.sharepoint.com@127.0.0.1:PORT/secret",
    "https://contoso.sharepoint.com:443@127.0.0.1:PORT/secret",
    "https://contoso.sharepoint.com%40127.0.0.1:PORT/secret",
    "https://127.0.0.1:PORT\\@contoso.sharepoint.com/secret",
    "https://contoso.sharepoint.com.127.0.0.1.nip.io:PORT/secret",
    "https://sharepoint.com:PORT/secret",  # the wildcard needs a subdomain
    "https://evilsharepoint.com:PORT/secret",
    # Allowed-looking hosts that resolve to refused addresses (the injected resolver)
    "https://contoso-my.sharepoint.com:PORT/secret",
    "https://contoso.sharepoint.com:PORT/secret",
    "https://mapped.sharepoint.com:PORT/secret",
    "https://metadata.sharepoint.com:PORT/latest/meta-data/",
    "https://metadata6.sharepoint.com:PORT/secret",
    "https://azure.sharepoint.com:PORT/secret",
    "https://private.sharepoint.com:PORT/secret",
    "https://cgnat.sharepoint.com:PORT/secret",
    "https://zero.sharepoint.com:PORT/secret",
    "https://multicast.sharepoint.com:PORT/secret",
    "https://linklocal.sharepoint.com:PORT/secret",
    "https://nat64.sharepoint.com:PORT/secret",
    "https://mixed.sharepoint.com:PORT/secret",
    # An allowed host over plain http
    "http://contoso-my.sharepoint.com:PORT/secret",
]


@pytest.mark.parametrize("template", LOOPBACK_BEHIND_TRICKS)
async def test_a_url_that_leads_anywhere_but_an_allowed_public_host_is_never_fetched(
        template, servers, connector, sqlite_url, tmp_path, clock, caplog):
    caplog.set_level(logging.DEBUG)
    settings = make_settings(sqlite_url, tmp_path)  # FILE_HOSTS left at its default
    url = template.replace("PORT", str(servers.secret_port)) + f"?{TOKEN}"
    async with app_client(settings, clock, resolver=Resolver()) as client:
        await introduce_people(client, connector)
        said = await send_file(client, connector, url)
        assert said.startswith(REFUSED), said
        assert servers.secret_hits == []
        assert stored_files(tmp_path) == []
        assert await count(client, "documents") == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
                and "refused to fetch" in r.getMessage()]
    assert len(warnings) == 1
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "SECRET-BEARER-TOKEN" not in everything and "/secret" not in everything


@pytest.mark.parametrize("target", [
    "http://localhost:PORT/secret",
    "https://contoso-my.sharepoint.com:PORT/secret",
    "http://2130706433:PORT/secret",
    "http://[::1]:PORT/secret",
    "http://contoso.sharepoint.com@localhost:PORT/secret",
    "file:///etc/passwd",
])
async def test_every_redirect_is_checked_again(target, servers, connector, sqlite_url, tmp_path, clock):
    """An allowed (explicitly listed loopback) file server redirects to somewhere refused."""
    settings = make_settings(sqlite_url, tmp_path, FILE_HOSTS="http://127.0.0.1,*.sharepoint.com")
    url = f"http://127.0.0.1:{servers.file_port}/away?to={target}"
    async with app_client(settings, clock, resolver=Resolver()) as client:
        await introduce_people(client, connector)
        said = await send_file(client, connector, url)
        assert said.startswith(REFUSED), said
        assert servers.secret_hits == [] and len(servers.file_hits) == 1
        assert stored_files(tmp_path) == []


async def test_at_most_three_redirects_are_followed(servers, connector, sqlite_url, tmp_path, clock):
    settings = make_settings(sqlite_url, tmp_path, FILE_HOSTS="127.0.0.1")
    async with app_client(settings, clock, resolver=Resolver()) as client:
        await introduce_people(client, connector)
        assert await send_file(client, connector, f"http://127.0.0.1:{servers.file_port}/hop/3") == FORM
        assert servers.file_hits == ["/hop/3", "/hop/2", "/hop/1", "/file.pdf"]
        servers.file_hits.clear()
        said = await send_file(client, connector, f"http://127.0.0.1:{servers.file_port}/hop/4")
        assert said.startswith(REFUSED)
        assert servers.file_hits == ["/hop/4", "/hop/3", "/hop/2", "/hop/1"]  # the 5th request never went
        assert len(stored_files(tmp_path)) == 1  # only the first, allowed file


async def test_plain_http_needs_an_http_or_loopback_entry(servers, connector, sqlite_url, tmp_path, clock):
    """``localhost`` admits loopback addresses for that name only; http is fine for a loopback entry."""
    settings = make_settings(sqlite_url, tmp_path, FILE_HOSTS="localhost")
    resolver = Resolver()
    async with app_client(settings, clock, resolver=resolver) as client:
        await introduce_people(client, connector)
        assert await send_file(client, connector, f"http://localhost:{servers.file_port}/file.pdf") == FORM
        # 127.0.0.1 is loopback too, but not the listed name.
        said = await send_file(client, connector, f"http://127.0.0.1:{servers.secret_port}/secret")
        assert said.startswith(REFUSED) and servers.secret_hits == []
    assert resolver.asked == ["localhost"]


async def test_the_name_is_resolved_once_and_the_connection_goes_to_the_checked_address(
        servers, connector, sqlite_url, tmp_path, clock):
    """DNS rebinding: a second lookup would answer 10.0.0.1; there is none."""

    class Rebinding(Resolver):
        async def __call__(self, host: str) -> list[str]:
            self.asked.append(host)
            return ["127.0.0.1"] if len(self.asked) == 1 else ["10.0.0.1"]

    resolver = Rebinding()
    settings = make_settings(sqlite_url, tmp_path, FILE_HOSTS="localhost")
    async with app_client(settings, clock, resolver=resolver) as client:
        await introduce_people(client, connector)
        assert await send_file(client, connector, f"http://localhost:{servers.file_port}/file.pdf") == FORM
    assert resolver.asked == ["localhost"] and servers.file_hits == ["/file.pdf"]
