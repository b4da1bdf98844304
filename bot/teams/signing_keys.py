"""The Bot Framework's token signing keys, fetched off the event loop and within a time limit.

botbuilder 4.17 validates an incoming token against signing keys it reads from the OpenID
metadata and its JWKS with two synchronous ``requests.get`` calls without a timeout, inside
the turn, whenever its cache is cold (the first request after a start) or a day old: while the
Bot Framework answers slowly, the event loop, and so every user, waits. Here the SDK's one
public way to that cache, ``JwtTokenExtractor.get_open_id_metadata``, hands out
:class:`OffLoopOpenIdMetadata` instead: the same cache rules (refresh after a day; a key id it
does not know refreshes at most once an hour), but the download runs in a worker thread, is
bounded by a timeout, and concurrent turns wait for one download instead of starting their own.

``tests/unit/test_signing_keys.py`` fails when the SDK's metadata handling changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

SIGNING_KEYS_TIMEOUT_SECONDS = 10.0
REFRESH_AFTER_SECONDS = 24 * 3600.0       # the SDK's: keys older than a day are fetched again
UNKNOWN_KEY_REFRESH_SECONDS = 3600.0      # the SDK's: an unknown key id refetches at most hourly
RETRY_AFTER_FAILURE_SECONDS = 60.0        # keys we still have serve a minute before the next try


class SigningKeysUnavailable(Exception):
    """The signing keys could not be fetched (in time) and none are cached: the token cannot be checked."""


@dataclass(frozen=True)
class SigningKeyInfo:
    """What the SDK's validation reads of a key: the public key and its channel endorsements."""

    public_key: Any
    endorsements: list[str]


def _download(url: str, timeout: float) -> list[dict[str, Any]]:
    """The metadata document, then the JWKS it names (blocking; runs in a worker thread)."""
    response = requests.get(url, timeout=timeout)
    response.raise_for_status()
    keys_url = response.json()["jwks_uri"]
    response_keys = requests.get(keys_url, timeout=timeout)
    response_keys.raise_for_status()
    keys = response_keys.json()["keys"]
    if not isinstance(keys, list):
        raise ValueError("the JWKS has no list of keys")
    return keys


class OffLoopOpenIdMetadata:
    """A stand-in for the SDK's ``_OpenIdMetadata`` whose downloads never block the event loop.

    Args:
        url: The OpenID metadata document's address.
        timeout: Seconds the whole download (metadata and JWKS) may take.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(self, url: str, *, timeout: float = SIGNING_KEYS_TIMEOUT_SECONDS,
                 clock: Any = time.monotonic):
        self.url = url
        self.keys: list[dict[str, Any]] = []
        self._timeout = timeout
        self._clock = clock
        self._fetched_at: float | None = None
        # One download per event loop at a time; the turns that need it meanwhile wait for it.
        self._downloads: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    def _age(self) -> float:
        return float("inf") if self._fetched_at is None else self._clock() - self._fetched_at

    async def get(self, key_id: str) -> SigningKeyInfo | None:
        """The key with ``key_id``, refreshing the keys when they are old or the id is new.

        Raises:
            SigningKeysUnavailable: No keys could be fetched in time and none are cached.
        """
        if self._age() > REFRESH_AFTER_SECONDS:
            await self._refresh()
        key = self._find(key_id)
        if key is None and self._age() > UNKNOWN_KEY_REFRESH_SECONDS:
            await self._refresh()
            key = self._find(key_id)
        return key

    async def _refresh(self) -> None:
        loop = asyncio.get_running_loop()
        download = self._downloads.get(loop)
        if download is None or download.done():
            self._downloads = {other: task for other, task in self._downloads.items() if not other.is_closed()}
            download = self._downloads[loop] = loop.create_task(self._download())
        # Shielded: a turn that is cancelled does not cancel the download others wait for.
        await asyncio.shield(download)

    async def _download(self) -> None:
        try:
            keys = await asyncio.wait_for(asyncio.to_thread(_download, self.url, self._timeout), self._timeout)
        except Exception as error:  # timeout, network, HTTP status, a malformed document
            if not self.keys:
                log.warning("could not fetch the Bot Framework signing keys (%s)", type(error).__name__)
                raise SigningKeysUnavailable(type(error).__name__) from error
            # Keys a day old are still better than refusing every token; try again in a minute.
            log.warning("could not refresh the Bot Framework signing keys (%s); using the cached ones",
                        type(error).__name__)
            self._fetched_at = self._clock() - REFRESH_AFTER_SECONDS + RETRY_AFTER_FAILURE_SECONDS
            return
        self.keys, self._fetched_at = keys, self._clock()

    def _find(self, key_id: str) -> SigningKeyInfo | None:
        key = next((k for k in self.keys if isinstance(k, dict) and k.get("kid") == key_id), None)
        if key is None:
            return None
        return SigningKeyInfo(RSAAlgorithm.from_jwk(json.dumps(key)), list(key.get("endorsements", [])))


def fetch_signing_keys_off_the_loop(timeout: float = SIGNING_KEYS_TIMEOUT_SECONDS) -> None:
    """Make the SDK's token validation fetch its signing keys in a thread, within ``timeout`` seconds.

    Replaces ``JwtTokenExtractor.get_open_id_metadata`` (a public static method, which every
    extractor calls for its metadata) by one that keeps :class:`OffLoopOpenIdMetadata` objects
    in the SDK's own cache (``JwtTokenExtractor.metadataCache``). Idempotent.
    """
    if getattr(JwtTokenExtractor.get_open_id_metadata, "_sparringbot", False):
        return

    def get_open_id_metadata(metadata_url: str) -> OffLoopOpenIdMetadata:
        cache = JwtTokenExtractor.metadataCache
        metadata = cache.get(metadata_url)
        if not isinstance(metadata, OffLoopOpenIdMetadata):
            metadata = cache[metadata_url] = OffLoopOpenIdMetadata(metadata_url, timeout=timeout)
        return metadata

    get_open_id_metadata._sparringbot = True  # type: ignore[attr-defined]
    JwtTokenExtractor.get_open_id_metadata = staticmethod(get_open_id_metadata)  # type: ignore[method-assign]
