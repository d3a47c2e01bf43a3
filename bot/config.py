"""Settings from the environment (and an optional `.env`), validated once at start.

A bad or missing value stops the program with one line naming the variable, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
LocaleCode = Literal["fi", "sv", "en"]


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable."""


def normalise_database_url(url: str) -> str:
    """Map the plain URL forms to the async drivers the bot uses."""
    if url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+asyncpg://"):
        return url
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    raise ValueError(
        "must start with sqlite+aiosqlite://, sqlite://, postgresql+asyncpg:// or postgresql://"
    )


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1: a server on this machine, reached without a network."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_base_url(value: str) -> str:
    """The Bot API URL carries the token in every request: https, or plain http only on loopback."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        raise ValueError("is not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("must be an https:// URL")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            "must be an https:// URL (plain http:// only for a server on this machine: "
            "localhost, 127.0.0.1 or ::1)"
        )
    return value.rstrip("/")


def file_base_url(base_url: str) -> str:
    """The file download URL that belongs to an API base URL (`…/bot` → `…/file/bot`)."""
    stripped = base_url.rstrip("/")
    if stripped.endswith("/bot"):
        return stripped[: -len("bot")] + "file/bot"
    return stripped + "/file/bot"


# The zone of people and organisations who have none of their own, unless DEFAULT_TIMEZONE
# says otherwise; the one place the name is written.
DEFAULT_TIMEZONE = "Europe/Helsinki"


class Settings(BaseSettings):
    """Everything the bot can be told from outside."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    database_url: str = Field(default="")
    data_dir: Path = Path("data")
    telegram_api_base_url: str = TELEGRAM_API_BASE_URL
    default_timezone: str = DEFAULT_TIMEZONE
    default_locale: LocaleCode = "fi"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The username saved at the last start is used by offline commands; this overrides it.
    bot_username: str | None = None

    # Telegram's limits (about 30 messages a second overall, about 1 a second to one chat with a
    # small burst, 20 a minute to one group); lower them, never raise them, in production.
    rate_global_per_second: Annotated[float, Field(gt=0)] = 25.0
    rate_per_chat_per_second: Annotated[float, Field(gt=0)] = 1.0
    rate_per_chat_burst: Annotated[int, Field(ge=1)] = 3
    rate_per_group_per_minute: Annotated[float, Field(gt=0)] = 20.0

    # How long one Bot API call may take before it counts as timed out.
    telegram_timeout_seconds: Annotated[float, Field(gt=0)] = 20.0
    # Long-polling wait for new updates.
    polling_timeout_seconds: Annotated[int, Field(ge=0)] = 30
    outbox_max_attempts: Annotated[int, Field(ge=1)] = 30
    # How long a sender's claim on an outbox message lasts before another sender may take it over
    # (the sender renews its claims a third of the way through, while it works).
    outbox_claim_seconds: Annotated[int, Field(ge=5)] = 30
    # How long one process holds a chat's updates without renewing the lease; a process that
    # dies holds its chats for at most this long.
    lease_seconds: Annotated[float, Field(ge=1)] = 30.0
    # How often a handler looks in the inbox for updates other processes wrote down.
    handler_poll_seconds: Annotated[float, Field(gt=0)] = 0.5
    # How many chats one process handles at once; beyond them, it leaves chats to other handlers.
    handler_max_chats: Annotated[int, Field(ge=1)] = 64

    # Webhooks (`companion run --webhook`): the public HTTPS address Telegram posts updates to
    # (its path is the endpoint's), the secret Telegram sends back in a header with each one,
    # and where this process listens (behind the TLS-terminating proxy).
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_listen_host: str = "127.0.0.1"
    webhook_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    # How many requests at once Telegram may open to this deployment (all its processes).
    webhook_max_connections: Annotated[int, Field(ge=1, le=100)] = 40
    # Database connections each process keeps open (PostgreSQL), and how many more it may open.
    db_pool_size: Annotated[int, Field(ge=1)] = 10
    db_max_overflow: Annotated[int, Field(ge=0)] = 10
    # An unanswered check-in gets one gentle reminder this long after it was sent.
    checkin_reminder_hours: Annotated[float, Field(gt=0)] = 3.0
    # Handled updates and settled outgoing messages hold what people wrote: keep them briefly.
    inbox_retention_hours: Annotated[int, Field(ge=1)] = 48
    outbox_retention_days: Annotated[int, Field(ge=1)] = 14
    # How often the sender looks for work written by other processes.
    outbox_poll_seconds: Annotated[float, Field(gt=0)] = 1.0

    # Updates fetched and not yet handled: one chat may have this many waiting (beyond it, its
    # updates are confirmed but not handled, and the person is asked to send again), and all
    # chats together this many (beyond it, no more are fetched until there is room).
    updates_per_chat_max_waiting: Annotated[int, Field(ge=1)] = 100
    updates_max_waiting: Annotated[int, Field(ge=2)] = 2000

    # What one person may send to others or open to new people in 24 hours.
    employer_asks_per_day: Annotated[int, Field(ge=1)] = 10
    employer_meetings_per_day: Annotated[int, Field(ge=1)] = 5
    coach_invites_per_day: Annotated[int, Field(ge=1)] = 30

    # The coach's desk (a Telegram Mini App) is served only when WEB_BASE_URL, its public https
    # address, is set; the server listens on WEB_HOST:WEB_PORT behind a TLS-terminating proxy.
    web_base_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=0, le=65535)] = 8080

    @field_validator("web_base_url")
    @classmethod
    def _web_base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError as exc:
            raise ValueError("is not a valid URL") from exc
        # Telegram opens Mini Apps only over https; plain http is for a browser on this machine.
        if parts.scheme not in ("http", "https") or not host:
            raise ValueError("must be an https:// URL")
        if parts.scheme == "http" and not is_loopback_host(host):
            raise ValueError("must be an https:// URL (plain http:// only on this machine)")
        return value.rstrip("/")

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value) if value else ""

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return check_api_base_url(value)

    @field_validator("bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("does not look like a bot token (expected 123456:ABC…)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("1-256 characters: letters A-Z and a-z, digits, _ and -")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            host = urlsplit(value).hostname
            if not (value.startswith("http://") and is_loopback_host(host)):
                raise ValueError("must be an https:// address (plain http only on this machine)")
        return value

    @field_validator("updates_max_waiting")
    @classmethod
    def _one_chat_cannot_fill_the_backlog(cls, value: int, info: ValidationInfo) -> int:
        per_chat = info.data.get("updates_per_chat_max_waiting")
        if per_chat is not None and value <= per_chat:
            raise ValueError(
                "must be larger than UPDATES_PER_CHAT_MAX_WAITING, or one chat could fill it"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'companion.sqlite3').resolve()}"

    @property
    def telegram_file_base_url(self) -> str:
        return file_base_url(self.telegram_api_base_url)

    @property
    def web_enabled(self) -> bool:
        return self.web_base_url is not None

    @property
    def tz(self) -> dt.tzinfo:
        return ZoneInfo(self.default_timezone)

    def require_webhook(self) -> tuple[str, str]:
        """The webhook's URL and secret, or a ConfigError naming what is missing."""
        if not self.webhook_url:
            raise ConfigError("WEBHOOK_URL: missing (the public https:// address of the bot)")
        if self.webhook_secret is None:
            raise ConfigError("WEBHOOK_SECRET: missing (1-256 letters, digits, _ or -)")
        return self.webhook_url, self.webhook_secret.get_secret_value()

    @property
    def webhook_path(self) -> str:
        """The path the webhook endpoint answers on: the URL's own."""
        return urlsplit(self.webhook_url).path or "/"

    def require_token(self) -> str:
        """The bot token, or a ConfigError naming BOT_TOKEN."""
        if self.bot_token is None or not self.bot_token.get_secret_value():
            raise ConfigError("BOT_TOKEN: missing (get one from @BotFather)")
        return self.bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning validation errors into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"{name}: {first['msg']}") from None
