"""The Teams app package: ``manifest/manifest.json`` filled in, zipped with its two icons.

The template keeps its placeholders (``{{APP_ID}}``, ``{{BOT_ID}}``, ``{{VERSION}}``,
``{{DOMAIN}}``) inside JSON strings, so it stays valid JSON that editors and linters can read.
With a domain (the bot's public https host) the package has the coordinator's "Overzicht" tab
(``staticTabs``, ``validDomains``, and ``webApplicationInfo`` for its single sign-on); without
one it is the bot alone, since a tab needs a public https address.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifest"
ICONS = ("color.png", "outline.png")
DEFAULT_VERSION = "1.0.0"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The schema's own semver pattern: three numbers, no pre-release suffix.
# A public host name (no scheme, port or path): what Teams accepts in validDomains.
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TAB_PARTS = ("staticTabs", "webApplicationInfo")
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
# A zip entry's timestamp; fixed so the same inputs give the same bytes.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def _manifest_dir() -> Path:
    if not (MANIFEST_DIR / "manifest.json").is_file():
        # A wheel only carries the Python packages, not the repository's manifest/ folder.
        raise FileNotFoundError(
            f"The Teams manifest template was not found at {MANIFEST_DIR / 'manifest.json'}. "
            "Build the app package from a checkout of the Sparringbot repository, "
            "not from an installed wheel.")
    return MANIFEST_DIR


def _check_guid(value: str, what: str) -> str:
    value = value.strip()
    if not _GUID.match(value):
        raise ValueError(
            f"The {what} must be a GUID such as 00000000-0000-0000-0000-000000000000, got {value!r}.")
    return value


def _default_version() -> str:
    try:
        version = metadata.version("sparringbot")
    except metadata.PackageNotFoundError:
        return DEFAULT_VERSION
    return version if _SEMVER.match(version) else DEFAULT_VERSION


def render_manifest(*, bot_id: str, app_id: str | None = None, version: str | None = None,
                    domain: str | None = None) -> dict[str, Any]:
    """Fill in the manifest template.

    Args:
        bot_id: The Azure bot's Microsoft App ID (a GUID).
        app_id: The Teams app id (a GUID); defaults to ``bot_id``, which Teams allows.
        version: The app version, ``MAJOR.MINOR.PATCH``; defaults to the installed
            ``sparringbot`` package version. Teams wants a higher version for every update.
        domain: The bot's public host (``PUBLIC_URL`` without ``https://``), for the overview
            tab; ``None`` leaves the tab out.

    Returns:
        The manifest as a dict, ready for ``json.dumps``.

    Raises:
        ValueError: An id is not a GUID, the version is not ``MAJOR.MINOR.PATCH`` or the domain
            is not a host name.
        FileNotFoundError: The repository's ``manifest/`` folder is missing.

    Example:
        >>> render_manifest(bot_id="11111111-2222-3333-4444-555555555555")["bots"][0]["botId"]
        '11111111-2222-3333-4444-555555555555'
    """
    bot_id = _check_guid(bot_id, "bot id (the Azure bot's Microsoft App ID)")
    app_id = _check_guid(app_id, "Teams app id") if app_id is not None else bot_id
    version = (version or _default_version()).strip()
    if not _SEMVER.match(version):
        raise ValueError(f"The app version must look like 1.2.3 (three numbers), got {version!r}.")
    if domain is not None and not _DOMAIN.match(domain.strip().lower()):
        raise ValueError(f"The domain must be a public host name such as bot.example.org, got {domain!r}.")
    template = (_manifest_dir() / "manifest.json").read_text(encoding="utf-8")
    # Every value was checked above to contain only GUID/semver characters, so plain text
    # replacement cannot break the JSON.
    text = (template.replace("{{APP_ID}}", app_id)
            .replace("{{BOT_ID}}", bot_id)
            .replace("{{VERSION}}", version)
            .replace("{{DOMAIN}}", (domain or "").strip().lower()))
    manifest: dict[str, Any] = json.loads(text)
    if domain is None:
        for part in TAB_PARTS:
            manifest.pop(part, None)
        manifest["validDomains"] = []
    return manifest


def build_app_package(*, bot_id: str, out: Path, app_id: str | None = None, version: str | None = None,
                      domain: str | None = None) -> Path:
    """Write the Teams app package (a zip to upload in Teams or the Developer Portal).

    The zip holds ``manifest.json``, ``color.png`` and ``outline.png`` at its root, as Teams
    requires.

    Args:
        bot_id: The Azure bot's Microsoft App ID (a GUID).
        out: Where to write the zip; missing parent folders are created.
        app_id: The Teams app id (a GUID); defaults to ``bot_id``.
        version: The app version (``MAJOR.MINOR.PATCH``); see :func:`render_manifest`.
        domain: The bot's public host, for the overview tab; see :func:`render_manifest`.

    Returns:
        ``out``.

    Raises:
        ValueError: An id is not a GUID or the version is not ``MAJOR.MINOR.PATCH``.
        FileNotFoundError: The repository's ``manifest/`` folder or an icon is missing.

    Example:
        >>> build_app_package(bot_id="11111111-2222-3333-4444-555555555555",
        ...                   out=Path("dist/sparringbot.zip"))  # doctest: +SKIP
        PosixPath('dist/sparringbot.zip')
    """
    manifest = render_manifest(bot_id=bot_id, app_id=app_id, version=version, domain=domain)
    folder = _manifest_dir()
    icons = {name: (folder / name) for name in ICONS}
    for name, path in icons.items():
        if not path.is_file():
            raise FileNotFoundError(
                f"The app icon {name} is missing from {folder}; regenerate it with manifest/make_icons.py.")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        entries = {"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")}
        entries.update({name: path.read_bytes() for name, path in icons.items()})
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
    return out
