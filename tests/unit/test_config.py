from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, redact_url


def test_defaults_turn_authentication_off():
    settings = load_settings({}, env_file=None)
    assert settings.auth_enabled is False
    assert settings.database_url == "sqlite+aiosqlite:///sparringbot.db"
    assert (settings.host, settings.port, settings.timezone) == ("127.0.0.1", 3978, "Europe/Amsterdam")
    assert settings.APP_ID == "" and settings.APP_TYPE == "MultiTenant"


def test_app_id_turns_authentication_on_and_maps_sdk_attributes():
    settings = load_settings(
        {"MicrosoftAppId": "abc", "MicrosoftAppPassword": "s3cret", "MicrosoftAppType": "singletenant",
         "MicrosoftAppTenantId": "t1"}, env_file=None)
    assert settings.auth_enabled
    assert (settings.APP_ID, settings.APP_PASSWORD, settings.APP_TYPE, settings.APP_TENANTID) == (
        "abc", "s3cret", "SingleTenant", "t1")
    assert "s3cret" not in repr(settings)


def test_every_wrong_value_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({"MicrosoftAppType": "Sometimes", "PORT": "99999", "TIMEZONE": "Mars/Base",
                       "LOG_LEVEL": "LOUD", "DATABASE_URL": "mysql://u:pw@h/db"}, env_file=None)
    problems = "\n".join(caught.value.problems)
    for name in ("MicrosoftAppType", "PORT", "TIMEZONE", "LOG_LEVEL", "DATABASE_URL"):
        assert name in problems
    assert "pw" not in problems
    assert len(caught.value.problems) == 5


def test_single_tenant_needs_password_and_tenant():
    with pytest.raises(ConfigError) as caught:
        load_settings({"MicrosoftAppId": "abc", "MicrosoftAppType": "SingleTenant"}, env_file=None)
    assert any("MicrosoftAppPassword" in p for p in caught.value.problems)
    assert any("MicrosoftAppTenantId" in p for p in caught.value.problems)


def test_env_file_is_read_and_environment_wins(tmp_path: Path):
    env = tmp_path / ".env"
    env.write_text('# comment\nPORT=4000\nexport TIMEZONE="Europe/London"\nALLOWED_TENANTS= T1 , t2\n')
    settings = load_settings({"PORT": "5000"}, env_file=env)
    assert settings.port == 5000
    assert settings.timezone == "Europe/London"
    assert settings.allowed_tenants == frozenset({"t1", "t2"})


def test_env_file_with_a_broken_line_names_it(tmp_path: Path):
    env = tmp_path / ".env"
    env.write_text("PORT=1\nthis is not a setting\n")
    with pytest.raises(ConfigError, match=r"\.env:2"):
        load_settings({}, env_file=env)


@pytest.mark.parametrize(("given", "expected"), [
    ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
    ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
])
def test_database_urls_get_async_drivers(given, expected):
    assert load_settings({"DATABASE_URL": given}, env_file=None).database_url == expected


def test_redact_url_hides_password():
    assert redact_url("postgresql+asyncpg://bot:hunter2@db/sb") == "postgresql+asyncpg://bot:***@db/sb"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite:///:memory:"])
def test_sqlite_needs_a_database_file(url):
    """SQLite runs on one connection in place; an in-memory database would vanish with it."""
    with pytest.raises(ConfigError, match="SQLite database file"):
        load_settings({"DATABASE_URL": url}, env_file=None)
