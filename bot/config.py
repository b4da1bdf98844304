"""Settings read from the environment (and an optional ``.env`` file), validated at start-up.

Every wrong value is reported at once, each with its own plain-English message, so an
operator fixes the whole file in one go instead of one restart per mistake.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.file_hosts import DEFAULT_FILE_HOSTS, FileHostPolicy

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///sparringbot.db"
CHANNEL_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class ConfigError(ValueError):
    """Raised when one or more settings are wrong; ``problems`` lists each of them."""

    def __init__(self, problems: list[str]):
        super().__init__("Invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """The bot's validated configuration. Build it with :func:`load_settings`."""

    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    files_dir: Path = Path("files")
    allowed_tenants: frozenset[str] = frozenset()
    allowed_channels: frozenset[str] = frozenset({"msteams"})
    timezone: str = "Europe/Amsterdam"
    host: str = "127.0.0.1"
    port: int = 3978
    log_level: str = "INFO"
    max_body_bytes: int = 1_048_576
    auto_approve_score: float | None = None
    language: str = "auto"
    max_upload_bytes: int = 25_000_000
    public_url: str = ""
    link_secret: bytes = field(default=b"", repr=False)
    dispatch_interval: float = 2.0
    global_send_rate: float = 30.0
    outbox_retention_days: int = 30
    file_hosts: FileHostPolicy = field(default_factory=lambda: FileHostPolicy.parse(",".join(DEFAULT_FILE_HOSTS)))
    max_files_per_message: int = 5
    max_uploads_per_day: int = 30

    @property
    def auth_enabled(self) -> bool:
        """Authentication is on exactly when an app id is configured."""
        return bool(self.app_id)

    @property
    def trusted_tenants(self) -> frozenset[str]:
        """Tenants whose reported e-mail and object id may link an account to a directory person.

        ``ALLOWED_TENANTS`` when set, else the bot's own ``MicrosoftAppTenantId``; empty (any
        tenant) only when neither is set, as in the Playground and the tests.
        """
        if self.allowed_tenants:
            return self.allowed_tenants
        return frozenset({self.app_tenant_id.strip().lower()}) if self.app_tenant_id.strip() else frozenset()

    @property
    def forced_locale(self) -> str | None:
        """The locale every turn is treated as having, or ``None`` to follow Teams."""
        return {"nl": "nl-NL", "en": "en-US"}.get(self.language)

    @property
    def zone(self) -> ZoneInfo:
        """The programme's time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)

    # botbuilder's ConfigurationBotFrameworkAuthentication reads these attribute names.
    @property
    def APP_ID(self) -> str:  # noqa: N802 - name fixed by botbuilder
        return self.app_id

    @property
    def APP_PASSWORD(self) -> str:  # noqa: N802
        return self.app_password

    @property
    def APP_TYPE(self) -> str:  # noqa: N802
        return self.app_type

    @property
    def APP_TENANTID(self) -> str:  # noqa: N802
        return self.app_tenant_id


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, ``#`` comments, optional quotes.

    Args:
        path: The file to read; a missing file gives an empty mapping.

    Returns:
        The variables defined in the file.
    """
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError([f"{path}:{number}: expected KEY=value, got {raw!r}"])
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Build :class:`Settings` from the environment, falling back to a ``.env`` file.

    Real environment variables win over the file, as in most twelve-factor tools.

    Args:
        environ: The environment to read (``os.environ`` by default).
        env_file: A ``.env`` file to read first, or ``None`` for none.

    Returns:
        The validated settings.

    Raises:
        ConfigError: One message per wrong value.
    """
    merged: dict[str, str] = dict(read_env_file(env_file)) if env_file else {}
    merged.update(os.environ if environ is None else environ)
    problems: list[str] = []

    def get(name: str, default: str = "") -> str:
        return merged.get(name, default).strip()

    app_id = get("MicrosoftAppId")
    app_password = get("MicrosoftAppPassword")
    app_type = get("MicrosoftAppType", "MultiTenant") or "MultiTenant"
    tenant = get("MicrosoftAppTenantId")
    matched_type = next((t for t in APP_TYPES if t.lower() == app_type.lower()), None)
    if matched_type is None:
        problems.append(
            f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}; got {app_type!r}"
        )
    if app_id and matched_type in ("MultiTenant", "SingleTenant") and not app_password:
        problems.append("MicrosoftAppPassword is required when MicrosoftAppId is set")
    if app_id and matched_type == "SingleTenant" and not tenant:
        problems.append("MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant")
    if not app_id and app_password:
        problems.append("MicrosoftAppPassword is set but MicrosoftAppId is empty")

    database_url = get("DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL
    database_url = normalise_database_url(database_url, problems)

    timezone = get("TIMEZONE", "Europe/Amsterdam") or "Europe/Amsterdam"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"TIMEZONE must be an IANA time zone such as Europe/Amsterdam; got {timezone!r}")

    port_text = get("PORT", "3978") or "3978"
    port = 0
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        problems.append(f"PORT must be a whole number from 0 to 65535; got {port_text!r}")
    else:
        port = int(port_text)

    log_level = (get("LOG_LEVEL", "INFO") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}; got {log_level!r}")

    allowed = frozenset(t.strip().lower() for t in get("ALLOWED_TENANTS").split(",") if t.strip())

    channels = parse_channels(get("ALLOWED_CHANNELS", "msteams") or "msteams", problems)

    body_text = get("MAX_BODY_BYTES", "1048576") or "1048576"
    max_body = 0
    if not body_text.isdigit() or int(body_text) < 1024:
        problems.append(f"MAX_BODY_BYTES must be a whole number of at least 1024; got {body_text!r}")
    else:
        max_body = int(body_text)

    auto_text = get("AUTO_APPROVE_SCORE")
    auto_approve: float | None = None
    if auto_text:
        try:
            auto_approve = float(auto_text)
        except ValueError:
            auto_approve = -1.0
        if not auto_approve > 0:
            problems.append(f"AUTO_APPROVE_SCORE must be a number above 0 (or empty: off); got {auto_text!r}")

    dispatch_interval = _number(get("DISPATCH_INTERVAL", "2") or "2", "DISPATCH_INTERVAL", 0, 3600, problems)
    global_rate = _number(get("GLOBAL_SEND_RATE", "30") or "30", "GLOBAL_SEND_RATE", 1, 1000, problems)

    retention_text = get("OUTBOX_RETENTION_DAYS", "30") or "30"
    retention_days = 30
    if not retention_text.isdigit() or not 1 <= int(retention_text) <= 3650:
        problems.append(f"OUTBOX_RETENTION_DAYS must be a whole number of days from 1 to 3650; got {retention_text!r}")
    else:
        retention_days = int(retention_text)

    max_upload_mb = _number(get("MAX_UPLOAD_MB", "25") or "25", "MAX_UPLOAD_MB", 1, 250, problems)
    public_url = get("PUBLIC_URL").rstrip("/")
    if public_url and not public_url.startswith(("https://", "http://")):
        problems.append(f"PUBLIC_URL must start with https:// (or http:// for local use); got {public_url!r}")
    link_secret = get("LINK_SECRET")
    if link_secret and len(link_secret) < 16:
        problems.append("LINK_SECRET must be at least 16 characters")

    default_hosts = ",".join(DEFAULT_FILE_HOSTS)
    file_hosts = FileHostPolicy.parse(default_hosts)
    try:
        # Production is safe by default: only SharePoint/OneDrive over https. Loopback (tests,
        # the Agents Playground of `make run`) only when an entry names it.
        file_hosts = FileHostPolicy.parse(get("FILE_HOSTS", default_hosts) or default_hosts)
    except ValueError as problem:
        problems.append(str(problem))
    max_files = _whole_number(get("MAX_FILES_PER_MESSAGE", "5") or "5", "MAX_FILES_PER_MESSAGE", 1, 50, problems)
    max_per_day = _whole_number(get("MAX_UPLOADS_PER_DAY", "30") or "30", "MAX_UPLOADS_PER_DAY", 1, 10_000, problems)

    language = (get("LANGUAGE", "auto") or "auto").lower()
    if language not in ("auto", "nl", "en"):
        problems.append(f"LANGUAGE must be auto (follow the Teams locale), nl or en; got {language!r}")

    host = get("HOST", "127.0.0.1") or "127.0.0.1"
    if problems:
        raise ConfigError(problems)
    return Settings(
        app_id=app_id,
        app_password=app_password,
        app_type=matched_type or "MultiTenant",
        app_tenant_id=tenant,
        database_url=database_url,
        files_dir=Path(get("FILES_DIR", "files") or "files"),
        allowed_tenants=allowed,
        allowed_channels=channels,
        timezone=timezone,
        host=host,
        port=port,
        log_level=log_level,
        max_body_bytes=max_body,
        auto_approve_score=auto_approve,
        language=language,
        max_upload_bytes=int(max_upload_mb * 1_000_000),
        public_url=public_url or f"http://{host}:{port}",
        # Without a configured secret, download links only survive until the next restart.
        link_secret=link_secret.encode() if link_secret else secrets.token_bytes(32),
        dispatch_interval=dispatch_interval,
        global_send_rate=global_rate,
        outbox_retention_days=retention_days,
        file_hosts=file_hosts,
        max_files_per_message=max_files,
        max_uploads_per_day=max_per_day,
    )


def parse_channels(text: str, problems: list[str]) -> frozenset[str]:
    """The channel ids in ``ALLOWED_CHANNELS`` (comma-separated), lower-cased.

    Bot Framework channel ids are short lower-case names (``msteams``, ``emulator``, ``webchat``);
    anything else is a typo that would silently refuse every activity.
    """
    channels = [part.strip().lower() for part in text.split(",") if part.strip()]
    wrong = [channel for channel in channels if not CHANNEL_ID.fullmatch(channel)]
    if wrong or not channels:
        problems.append("ALLOWED_CHANNELS must be comma-separated channel ids such as msteams or emulator; "
                        f"got {text!r}")
    return frozenset(channels) - frozenset(wrong) or frozenset({"msteams"})


def _number(text: str, name: str, low: float, high: float, problems: list[str]) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        problems.append(f"{name} must be a number from {low:g} to {high:g}; got {text!r}")
        return low
    return value


def _whole_number(text: str, name: str, low: int, high: int, problems: list[str]) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        problems.append(f"{name} must be a whole number from {low} to {high}; got {text!r}")
        return low
    return int(text)


def normalise_database_url(url: str, problems: list[str]) -> str:
    """Map plain ``sqlite://`` and ``postgresql://`` URLs onto their async drivers."""
    if url.startswith("sqlite:///") or url.startswith("sqlite://"):
        url = "sqlite+aiosqlite" + url[len("sqlite") :]
    if url.startswith("sqlite+aiosqlite://"):
        path = url.split("://", 1)[1].lstrip("/").split("?", 1)[0]
        if not path or path == ":memory:":
            problems.append("DATABASE_URL must name a SQLite database file, e.g. sqlite:///sparringbot.db; "
                            f"got {redact_url(url)!r}")
        return url
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+asyncpg://"):
        return url
    problems.append(
        "DATABASE_URL must start with sqlite:/// or postgresql:// "
        f"(async drivers aiosqlite and asyncpg); got {redact_url(url)!r}"
    )
    return url


def redact_url(url: str) -> str:
    """Hide the password in a database URL so it can be logged."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"

