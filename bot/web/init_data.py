"""Telegram's signed launch data of a Mini App (`initData`), checked as Telegram specifies.

The data-check string is every received field but `hash`, sorted by key, as `key=value` lines;
the secret key is HMAC-SHA256 of the bot token keyed with "WebAppData", and the hash is the hex
HMAC-SHA256 of the data-check string under that key. The hashes are compared in constant time,
and data older than an hour (or from the future beyond a minute of clock skew) is refused, so a
launch link copied from somewhere cannot be replayed later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_AGE = dt.timedelta(hours=1)
CLOCK_SKEW = dt.timedelta(minutes=1)
# Far more than Telegram's launch data ever holds; anything longer is not parsed at all.
MAX_LENGTH = 8192


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram vouches for them."""

    telegram_user_id: int
    language_code: str | None
    auth_date: dt.datetime


def secret_key(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def validate(raw: str, *, token: str, now: dt.datetime) -> WebAppUser | None:
    """The user in valid, fresh launch data signed with this bot's token; None for anything
    else (no reason is given to the sender: a forger learns nothing from the refusal)."""
    if not raw or len(raw) > MAX_LENGTH:
        return None
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        return None
    received = fields.get("hash", "")
    expected = hmac.new(
        secret_key(token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(received.encode(), expected.encode()):
        return None
    try:
        auth_date = dt.datetime.fromtimestamp(int(fields["auth_date"]), tz=dt.UTC)
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        return None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        return None
    if auth_date < now - MAX_AGE or auth_date > now + CLOCK_SKEW:
        return None
    language = user.get("language_code")
    return WebAppUser(
        telegram_user_id=user_id,
        language_code=language if isinstance(language, str) else None,
        auth_date=auth_date,
    )
