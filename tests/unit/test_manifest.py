"""The Teams app package: the filled-in manifest against Microsoft's schema v1.30, the zip, the icons."""

from __future__ import annotations

import json
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from bot.cli.manifest import MANIFEST_DIR, build_app_package, render_manifest

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "node_modules/@microsoft/app-manifest/build/json-schemas/teams/v1.30"
SCHEMA = SCHEMA_DIR / "MicrosoftTeams.schema.json"
BOT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
APP_ID = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"


def schema_validator() -> Draft4Validator:
    if not SCHEMA.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SCHEMA} is missing: run `npm ci` before the tests")
        pytest.skip("node_modules/@microsoft/app-manifest is not installed (run `npm ci`)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    base = SCHEMA.as_uri()

    def retrieve(uri: str) -> Resource:
        # Relative $refs to sibling schema files resolve against the schema's file URI.
        path = Path(uri.removeprefix("file://"))
        if path.parent != SCHEMA_DIR:
            raise LookupError(uri)
        return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT4)

    registry = Registry(retrieve=retrieve).with_resource(base, Resource.from_contents(schema, DRAFT4))
    return Draft4Validator({"$ref": base}, registry=registry)


def test_the_filled_in_manifest_satisfies_the_official_schema() -> None:
    manifest = render_manifest(bot_id=BOT_ID, app_id=APP_ID, version="1.2.3")
    errors = sorted(schema_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    # draft-04 ignores "const", so check the schema version ourselves.
    assert manifest["manifestVersion"] == "1.30"
    assert manifest["$schema"].endswith("/teams/v1.30/MicrosoftTeams.schema.json")
    assert (manifest["id"], manifest["bots"][0]["botId"], manifest["version"]) == (APP_ID, BOT_ID, "1.2.3")


def test_the_app_id_defaults_to_the_bot_id_and_no_placeholder_is_left() -> None:
    manifest = render_manifest(bot_id=BOT_ID)
    assert manifest["id"] == BOT_ID
    assert "{{" not in json.dumps(manifest)
    assert not list(schema_validator().iter_errors(manifest))


def test_the_manifest_describes_the_bot_in_dutch() -> None:
    manifest = render_manifest(bot_id=BOT_ID)
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "nl-nl"
    assert manifest["name"]["short"] == "Sparringbot" and "dBos po" in manifest["name"]["full"]
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    for word in ("sparringvraag", "Probiblio-adviseur", "deadlines", "herinnering", "Documenten"):
        assert word in manifest["description"]["full"]
    [bot] = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is True and bot["isNotificationOnly"] is False


def test_every_scope_has_its_commands_within_the_teams_limits() -> None:
    [bot] = render_manifest(bot_id=BOT_ID)["bots"]
    by_scope = {scope: [c["title"] for c in lst["commands"]] for lst in bot["commandLists"] for scope in lst["scopes"]}
    assert by_scope == {
        "personal": ["help", "vraag", "mijn vragen", "deadlines", "insturen", "voorbeelden", "mijn gegevens"],
        "team": ["help", "vraag"],
        "groupChat": ["help", "vraag"],
    }
    for command_list in bot["commandLists"]:
        # Teams shows at most 10 commands per list (the schema allows 12).
        assert len(command_list["commands"]) <= 10
        for command in command_list["commands"]:
            assert command["description"] and len(command["description"]) <= 128


@pytest.mark.parametrize("kwargs", [
    {"bot_id": "not-a-guid"},
    {"bot_id": BOT_ID, "app_id": "1234"},
    {"bot_id": "3f2504e0-4f89-41d3-9a0c-0305e82c330"},  # one digit short
    {"bot_id": '3f2504e0-4f89-41d3-9a0c-0305e82c3301", "x": "'},
    {"bot_id": BOT_ID, "version": "1.0"},
    {"bot_id": BOT_ID, "version": "1.0.0-beta"},
])
def test_invalid_ids_and_versions_are_refused_in_plain_english(kwargs: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must"):
        build_app_package(out=tmp_path / "app.zip", **kwargs)
    assert not (tmp_path / "app.zip").exists()


def test_the_package_holds_exactly_the_manifest_and_two_icons_at_its_root(tmp_path: Path) -> None:
    out = build_app_package(bot_id=BOT_ID, app_id=APP_ID, version="2.0.1", out=tmp_path / "sub" / "app.zip")
    assert out == tmp_path / "sub" / "app.zip"
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert manifest == render_manifest(bot_id=BOT_ID, app_id=APP_ID, version="2.0.1")
        assert package.read("color.png") == (MANIFEST_DIR / "color.png").read_bytes()
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    assert (manifest["icons"]["color"], manifest["icons"]["outline"]) == ("color.png", "outline.png")


def test_the_same_inputs_give_the_same_package(tmp_path: Path) -> None:
    first = build_app_package(bot_id=BOT_ID, version="1.0.0", out=tmp_path / "a.zip").read_bytes()
    assert build_app_package(bot_id=BOT_ID, version="1.0.0", out=tmp_path / "b.zip").read_bytes() == first


def test_the_outline_icon_is_white_on_transparent() -> None:
    width, height, pixels = decode_rgba((MANIFEST_DIR / "outline.png").read_bytes())
    assert (width, height) == (32, 32)
    visible = [p for p in pixels if p[3] > 0]
    assert visible, "the outline icon is empty"
    assert all(p[:3] == (255, 255, 255) for p in visible)
    assert any(p[3] == 0 for p in pixels), "the outline icon needs a transparent background"


def test_the_colour_icon_is_opaque_and_uses_the_accent_colour() -> None:
    width, height, pixels = decode_rgba((MANIFEST_DIR / "color.png").read_bytes())
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for p in pixels)
    accent = render_manifest(bot_id=BOT_ID)["accentColor"]
    assert "#" + bytes(pixels[0][:3]).hex().upper() == accent.upper()


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk (always the first chunk)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def decode_rgba(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG into RGBA pixels."""
    width, height = png_size(data)
    depth, colour_type, _, _, interlace = data[24:29]
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, "unsupported PNG layout"
    channels = 4 if colour_type == 6 else 3
    idat, pos = b"", 8
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += length + 12
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        previous = line
    pixels = []
    for line in rows:
        for x in range(width):
            px = tuple(line[x * channels:(x + 1) * channels])
            pixels.append(px if channels == 4 else (*px, 255))
    return width, height, pixels  # type: ignore[return-value]


def test_with_a_domain_the_package_has_the_overview_tab_with_single_sign_on() -> None:
    manifest = render_manifest(bot_id=BOT_ID, app_id=APP_ID, version="1.2.3", domain="Sparringbot.Example.org")
    errors = sorted(schema_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    [tab] = manifest["staticTabs"]
    assert (tab["entityId"], tab["name"], tab["scopes"]) == ("overzicht", "Overzicht", ["personal"])
    assert tab["contentUrl"].startswith("https://sparringbot.example.org/overzicht/")
    assert manifest["validDomains"] == ["sparringbot.example.org"]
    # The tab's SSO token is issued to the bot's app registration, for its api:// resource.
    assert manifest["webApplicationInfo"] == {"id": BOT_ID, "resource": f"api://sparringbot.example.org/{BOT_ID}"}


def test_without_a_domain_the_package_is_the_bot_alone() -> None:
    manifest = render_manifest(bot_id=BOT_ID)
    assert "staticTabs" not in manifest and "webApplicationInfo" not in manifest
    assert manifest["validDomains"] == []


@pytest.mark.parametrize("domain", ["https://bot.example.org", "bot.example.org/overzicht", "bot example.org",
                                    "localhost", "bot.example.org:443", '"}, "x": "'])
def test_a_domain_must_be_a_host_name(domain: str) -> None:
    with pytest.raises(ValueError, match="must be a public host name"):
        render_manifest(bot_id=BOT_ID, domain=domain)
