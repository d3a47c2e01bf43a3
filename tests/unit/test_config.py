"""Settings: defaults, URL forms mapped to async drivers, one clear line naming a bad variable."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, file_base_url, load_settings, normalise_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/x.sqlite3", "sqlite+aiosqlite:///data/x.sqlite3"),
        ("sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_database_urls_map_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_default_database_is_a_sqlite_file_in_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.resolved_database_url.endswith("/data/companion.sqlite3")
    assert settings.default_locale == "fi"
    assert settings.default_timezone == "Europe/Helsinki"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LOCALE", "de"),
        ("TELEGRAM_API_BASE_URL", "ftp://example"),
        ("BOT_TOKEN", "no-colon"),
        ("RATE_PER_CHAT_PER_SECOND", "-1"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert message.startswith(f"{variable}:")
    assert "\n" not in message


def test_missing_token_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    settings = load_settings(_env_file=None)
    with pytest.raises(ConfigError, match=r"^BOT_TOKEN"):
        settings.require_token()


def test_file_url_is_derived_like_ptb() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    "url",
    [
        "http://api.telegram.org/bot",
        "http://192.168.1.10:8081/bot",
        "http://10.0.0.1/bot",
        "http://localhost.example.com/bot",
        "http://127.0.0.1.nip.io/bot",
        "http://[::2]:8081/bot",
        "http:///bot",
        "https:///bot",
        "ws://127.0.0.1/bot",
    ],
)
def test_the_api_url_must_be_https_off_this_machine(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    # The token travels in every request's path: never in clear text over a network.
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", url)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert message.startswith("TELEGRAM_API_BASE_URL:")
    assert "https://" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "url",
    [
        "https://api.telegram.org/bot",
        "https://botapi.example.org:8443/bot",
        "http://127.0.0.1:8081/bot",
        "http://127.5.6.7/bot",
        "http://localhost:8081/bot",
        "http://LOCALHOST/bot",
        "http://[::1]:8081/bot",
    ],
)
def test_https_or_loopback_http_is_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", url + "/")
    assert load_settings(_env_file=None).telegram_api_base_url == url


def test_one_chat_may_not_have_as_many_updates_waiting_as_all_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UPDATES_PER_CHAT_MAX_WAITING", "50")
    monkeypatch.setenv("UPDATES_MAX_WAITING", "50")
    with pytest.raises(ConfigError, match=r"^UPDATES_MAX_WAITING: .*UPDATES_PER_CHAT_MAX_WAITING"):
        load_settings(_env_file=None)
    monkeypatch.setenv("UPDATES_MAX_WAITING", "51")
    assert load_settings(_env_file=None).updates_max_waiting == 51
