"""callback_data: short, ASCII, an action and ids, never trusted (re-checked by the handler).

A button's data comes from the person's device and can be anything up to 64 bytes. Before a
handler sees it, `decode` refuses data whose numbers could not name a row (beyond the database's
INTEGER range), so a forged id never reaches a query; the typed readers below (`number`,
`choice`, `minute`, `day`) give a handler each part as the value it must be, or None, so values
outside their choices are refused before any service is asked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence

MAX_BYTES = 64
# Ids are INTEGER columns (4 bytes on PostgreSQL): no number in a button may be larger.
MAX_ID = 2**31 - 1
_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
_NUMBER = re.compile(r"^[0-9]+$")
# Minutes since 1970 in a button name a moment in these years, or nothing at all.
_FIRST_YEAR, _LAST_YEAR = 2000, 2200

# Every action a button of the bot sends: the first part of its callback_data, one per feature.
# A handler matches its action and what follows a colon; that no action begins another is
# checked below, when the bot starts.
CLIENTS = "cl"  # the desk: a page of /clients, a client's card
NOTE = "nt"  # /note
HANDOVER = "ho"  # a handover's start and its cancelling
MOVE = "hf"  # the steps of /handover and /transfer
GOAL = "gl"  # /goal and /goals, and the progress questions
COACH_GOAL = "cg"  # a coach proposes a goal
REPLY = "rp"  # a coach answers a client's message
RECIPIENT = "to"  # a coach picks whom to write to
SETTINGS = "st"  # /settings
SCHEDULE = "sc"  # /schedule
PAUSE = "pa"  # /pause
EMPLOYER_ASK = "ea"  # an employer asks, a coach answers
FOLLOWUP = "fu"  # the follow-up contacts after a placement
MEETING = "mt"  # meetings
ONBOARDING = "ob"  # joining
PLAN = "pl"  # the plan's emphasis
PLACEMENT = "pm"  # recording a placement
CHECKIN = "ci"  # the check-in
CONSENT = "cn"  # consents
FLAG = "fl"  # a flag's buttons for the coach
CONTACT = "cr"  # "please contact me"
INVITE = "inv"  # revoking an invite
CHART = "ch"  # the progress charts
LANGUAGE = "lang"  # /language
FORGET = "fg"  # /forget
CLOSING = "cs"  # the closing of a coaching and its summary
COPING = "cw"  # coping at work after a placement

ACTIONS: frozenset[str] = frozenset(
    (
        CLIENTS,
        NOTE,
        HANDOVER,
        MOVE,
        GOAL,
        COACH_GOAL,
        REPLY,
        RECIPIENT,
        SETTINGS,
        SCHEDULE,
        PAUSE,
        EMPLOYER_ASK,
        FOLLOWUP,
        MEETING,
        ONBOARDING,
        PLAN,
        PLACEMENT,
        CHECKIN,
        CONSENT,
        FLAG,
        CONTACT,
        INVITE,
        CHART,
        LANGUAGE,
        FORGET,
        CLOSING,
        COPING,
    )
)


def check_actions(actions: Collection[str]) -> None:
    """Refuse a set of actions in which one begins another (one handler would take both)."""
    for action in actions:
        if not _PART.match(action):
            raise ValueError(f"callback action {action!r} is not plain ASCII")
        for other in actions:
            if other != action and other.startswith(action):
                raise ValueError(f"callback actions {action!r} and {other!r} share a prefix")


check_actions(ACTIONS)


def encode(action: str, *parts: str | int) -> str:
    """`action:part:part`, at most 64 bytes as Telegram allows."""
    items = [action, *(str(p) for p in parts)]
    for item in items:
        if not _PART.match(item):
            raise ValueError(f"callback part {item!r} is not plain ASCII")
        if _NUMBER.match(item) and int(item) > MAX_ID:
            raise ValueError(f"callback number {item} is beyond the database's range")
    data = ":".join(items)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError("callback_data longer than 64 bytes")
    return data


def decode(data: str | None) -> tuple[str, list[str]]:
    """The action and its parts; unreadable or forged data gives the empty action and no parts.

    Forged means a number no button of ours carries: larger than any id the database holds.
    """
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return "", []
    action, *parts = data.split(":")
    if not all(_PART.match(p) for p in [action, *parts]):
        return "", []
    if any(_NUMBER.match(p) and int(p) > MAX_ID for p in parts):
        return "", []
    return action, parts


def number(parts: Sequence[str], index: int, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The whole number at `index` (an id, a page, a level), within low..high; else None."""
    if len(parts) <= index or not _NUMBER.match(parts[index]):
        return None
    value = int(parts[index])
    return value if low <= value <= high else None


def tagged(part: str, tag: str) -> int | None:
    """The number in a part written as a tag and a number ("t42" with tag "t"), within range."""
    if not part.startswith(tag):
        return None
    return number([part[len(tag) :]], 0)


def choice(parts: Sequence[str], index: int, allowed: Collection[str]) -> str | None:
    """The code at `index` when it is one of `allowed` (an enum's values, a button's codes)."""
    if len(parts) <= index or parts[index] not in allowed:
        return None
    return parts[index]


def minute(parts: Sequence[str], index: int) -> dt.datetime | None:
    """A moment written as minutes since 1970 (UTC), when it falls in a year that makes sense."""
    value = number(parts, index)
    if value is None:
        return None
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=value)
    return moment if _FIRST_YEAR <= moment.year <= _LAST_YEAR else None


def day(text: str) -> dt.date | None:
    """A day written as YYYYMMDD, when it exists and is in a year that makes sense."""
    if len(text) != 8 or not _NUMBER.match(text):
        return None
    try:
        found = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return found if _FIRST_YEAR <= found.year <= _LAST_YEAR else None


def pattern(action: str) -> str:
    """A regex for CallbackQueryHandler matching this action (one of the table's)."""
    if action not in ACTIONS:
        raise ValueError(f"callback action {action!r} is not in the table of actions")
    return rf"^{re.escape(action)}(:|$)"
