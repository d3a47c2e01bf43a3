"""Launch data of a Mini App as Telegram signs it, for the demo and the tests.

Telegram hands a Mini App `initData`: the user, `auth_date` and a `hash`, an HMAC-SHA256 of the
other fields (sorted `key=value` lines) under a key derived from the bot token ("WebAppData").
The sandbox holds the token, so it can sign as Telegram would; a test can also sign with another
token, an old date or a changed field to see the refusals.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import quote, urlencode


def sign_init_data(token: str, fields: dict[str, str]) -> str:
    """The fields with their `hash`, URL-encoded as Telegram passes them."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    signed = {**fields, "hash": hmac.new(key, check.encode(), hashlib.sha256).hexdigest()}
    return urlencode(signed, quote_via=quote)


def init_data(token: str, user: dict[str, Any], *, auth_date: int) -> str:
    """Signed launch data for a user as Telegram renders one (`id`, names, `language_code`)."""
    fields = {
        "query_id": "AA" + secrets.token_urlsafe(12),
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(auth_date),
        "chat_type": "private",
    }
    return sign_init_data(token, fields)


def launch_fragment(init: str) -> str:
    """The URL fragment Telegram appends when it opens a Mini App (`#tgWebAppData=...`)."""
    return "#" + urlencode(
        {"tgWebAppData": init, "tgWebAppVersion": "9.0", "tgWebAppPlatform": "web"},
        quote_via=quote,
    )
