"""These fail when the SDK's signing-key handling, which ``bot/teams/signing_keys.py`` replaces, changes."""

from __future__ import annotations

import inspect

from botframework.connector.auth import jwt_token_extractor
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from bot.teams.signing_keys import OffLoopOpenIdMetadata, SigningKeyInfo, fetch_signing_keys_off_the_loop


def test_the_sdk_still_downloads_its_keys_with_blocking_calls_inside_the_turn():
    """When this fails the SDK fetches differently (maybe off the loop itself).

    Then look at bot/teams/signing_keys.py again.
    """
    source = inspect.getsource(jwt_token_extractor._OpenIdMetadata)
    assert "requests.get(self.url)" in source and "requests.get(keys_url)" in source
    assert "timedelta(days=1)" in source and "timedelta(hours=1)" in source  # the cache rules we keep


def test_every_extractor_takes_its_metadata_from_the_entry_point_we_replace():
    assert "JwtTokenExtractor.get_open_id_metadata(metadata_url)" in inspect.getsource(JwtTokenExtractor.__init__)
    validate = inspect.getsource(JwtTokenExtractor._validate_token)
    # What the validation reads of the metadata and of a key: what OffLoopOpenIdMetadata gives.
    assert "await self.open_id_metadata.get(key_id)" in validate
    assert "metadata.endorsements" in validate and "metadata.public_key" in validate
    assert set(SigningKeyInfo.__dataclass_fields__) == {"public_key", "endorsements"}


def test_extractors_get_metadata_that_downloads_off_the_loop(monkeypatch):
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    fetch_signing_keys_off_the_loop()
    fetch_signing_keys_off_the_loop()  # idempotent
    first = JwtTokenExtractor.get_open_id_metadata("https://login.example/openid")
    assert isinstance(first, OffLoopOpenIdMetadata)
    assert JwtTokenExtractor.get_open_id_metadata("https://login.example/openid") is first  # one per address
    assert JwtTokenExtractor.metadataCache == {"https://login.example/openid": first}
