"""Fetch an attachment's bytes only from an allowed host at a checked address (no SSRF).

``bot.domain.file_hosts`` decides what is allowed; this module makes the connection keep to
it. The host name is resolved once, by the connector's own resolver below, and every address
is checked before aiohttp sees it; aiohttp then connects to exactly those addresses, so a name
that resolves to a public address for a check and to 127.0.0.1 for the connection (DNS
rebinding) has no second lookup to exploit. IP-literal hosts never reach a resolver: the policy
checks them when it reads the URL. Redirects are followed by hand, each one checked like the
first, at most ``MAX_REDIRECTS`` of them. No proxy from the environment, no cookies.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.domain.file_hosts import MAX_REDIRECTS, FileHostPolicy, SourceRefused, Target, parse_addresses

log = logging.getLogger(__name__)

HostResolver = Callable[[str], Awaitable[list[str]]]
"""Resolves a host name to IP address strings (tests inject their own)."""

REDIRECTS = frozenset({301, 302, 303, 307, 308})


async def system_resolver(host: str) -> list[str]:
    """The addresses the operating system's resolver gives for ``host``."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class _CheckingResolver(AbstractResolver):
    """aiohttp's resolver hook: resolve once, refuse the name if any address is not allowed."""

    def __init__(self, policy: FileHostPolicy, resolve: HostResolver):
        self._policy = policy
        self._resolve = resolve

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_UNSPEC) -> list[dict[str, Any]]:
        rule = next((r for r in self._policy.rules if r.matches(host)), None)
        if rule is None:  # the URL was checked before; this only guards against a parser surprise
            raise SourceRefused("host not in FILE_HOSTS", host=host)
        target = Target("https", host, port, rule)
        try:
            addresses = parse_addresses(await self._resolve(host))
        except ValueError:
            raise SourceRefused("resolver gave something that is not an address", host=host) from None
        if not addresses:
            raise OSError(f"no address for {host}")
        for address in addresses:  # one refused address refuses the name: no picking the good one
            self._policy.check_address(target, address)
        wanted = {socket.AF_INET: 4, socket.AF_INET6: 6}.get(family)
        return [{"hostname": host, "host": str(a), "port": port,
                 "family": socket.AF_INET if a.version == 4 else socket.AF_INET6,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}
                for a in addresses if wanted is None or a.version == wanted]

    async def close(self) -> None:
        """Nothing to release."""


class FileFetcher:
    """Streams files from URLs that ``FileHostPolicy`` allows, and from nowhere else."""

    def __init__(self, *, policy: FileHostPolicy, resolver: HostResolver | None = None,
                 max_redirects: int = MAX_REDIRECTS):
        self._policy = policy
        self._resolver = resolver or system_resolver
        self._max_redirects = max_redirects
        self._session: aiohttp.ClientSession | None = None

    def check(self, url: str) -> None:
        """Refuse a URL before anything is fetched (logged like a refusal while fetching).

        Raises:
            SourceRefused: The URL is not allowed.
        """
        try:
            self._policy.check_url(url)
        except SourceRefused as refusal:
            _log_refusal(refusal)
            raise

    async def stream(self, url: str, *, timeout: aiohttp.ClientTimeout) -> AsyncIterator[bytes]:
        """The body of ``url``, in chunks, after following at most ``max_redirects`` checked redirects.

        Raises:
            SourceRefused: The URL, a redirect or a resolved address is not allowed.
            aiohttp.ClientError: The download failed (an error status included).
        """
        try:
            current = url
            for hop in range(self._max_redirects + 1):
                request_url = self._checked(current)
                async with self._client().get(request_url, allow_redirects=False, timeout=timeout) as response:
                    if response.status in REDIRECTS:
                        location = response.headers.get("Location", "")
                        if not location:
                            raise SourceRefused("redirect without a location", host=request_url.host or "")
                        if hop == self._max_redirects:
                            raise SourceRefused(f"more than {self._max_redirects} redirects",
                                                host=request_url.host or "")
                        current = str(response.url.join(URL(location)))
                        continue
                    response.raise_for_status()
                    async for chunk in response.content.iter_chunked(64 * 1024):
                        yield chunk
                    return
        except SourceRefused as refusal:
            _log_refusal(refusal)
            raise

    def _checked(self, url: str) -> URL:
        """``url`` as aiohttp will read it, after the policy's check; refused when the two readings differ."""
        target = self._policy.check_url(url)
        try:
            parsed = URL(url)
        except ValueError:
            raise SourceRefused("URL aiohttp cannot read", host=target.host) from None
        host = parsed.host or ""
        same_host = host == target.host or (target.literal is not None and _address(host) == target.literal)
        if (parsed.scheme != target.scheme or not same_host or parsed.port != target.port
                or parsed.user is not None or parsed.password is not None):
            raise SourceRefused("URL parsers disagree about the host", host=target.host)
        return parsed

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(resolver=_CheckingResolver(self._policy, self._resolver),
                                             use_dns_cache=False, limit_per_host=4)
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                                  trust_env=False)
        return self._session

    async def close(self) -> None:
        """Close the HTTP session (at shutdown)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _log_refusal(refusal: SourceRefused) -> None:
    # Host and reason only: the path may name the person and the query is a bearer secret.
    log.warning("refused to fetch an attachment from host %r: %s", refusal.host, refusal.reason)
