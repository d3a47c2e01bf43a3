"""Words for a person's rhythm, shared by /schedule, /pause, /settings and the notices: weekdays,
times of day, dates and the reasons of a pause, in the current language.

No Telegram here: the scheduled notices (bot/messages/recurring.py,
bot/messages/rhythm_notices.py) use these too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.models.checkins import PauseReason
from bot.services.errors import DomainError
from bot.services.schedules import EVERY_DAY, WEEKDAYS
from bot.text.dates import format_date, format_time, weekday_names
from bot.text.i18n import N_, _, gettext

MONDAY_TO_FRIDAY = N_("Monday–Friday")
EVERY_DAY_TEXT = N_("Every day")
NO_DAYS = N_("no days")

REASONS: dict[PauseReason, str] = {
    PauseReason.HOLIDAY: N_("🏖️ Holiday"),
    PauseReason.SICK: N_("🤒 Sick"),
    PauseReason.HOSPITAL: N_("🏥 Hospital"),
    PauseReason.OTHER: N_("✨ Other reason"),
}

# A clock face for each hour, so that a time button has a picture as well as the time.
_CLOCKS = "🕛🕐🕑🕒🕓🕔🕕🕖🕗🕘🕙🕚"


def clock_emoji(at: dt.time) -> str:
    """The clock face nearest the hour of `at`."""
    return _CLOCKS[at.hour % 12]


def day_name(iso_weekday: int, *, capitalise: bool = False) -> str:
    """The weekday's name in the current language (Monday = 1); lower case in Finnish and
    Swedish as in running text, or capitalised for a button."""
    # Stand-alone: a Finnish button reads "maanantai", not "maanantaina".
    names = weekday_names("wide", context="stand-alone")
    name = str(names[(iso_weekday - 1) % 7])
    return name[:1].upper() + name[1:] if capitalise else name


def days_text(weekdays: str) -> str:
    """Weekdays in plain words: "Monday–Friday", "Every day", or the days one by one."""
    days = "".join(sorted({d for d in weekdays if d in EVERY_DAY}))
    if days == WEEKDAYS:
        return _(MONDAY_TO_FRIDAY)
    if days == EVERY_DAY:
        return _(EVERY_DAY_TEXT)
    if not days:
        return _(NO_DAYS)
    return ", ".join(day_name(int(d)) for d in days)


def time_text(at: dt.time) -> str:
    """A time of day as people read it in the current language (8.00, 08:00, 8:00 AM)."""
    return format_time(at)


def times_text(times: Sequence[dt.time]) -> str:
    """Times of day, earliest first, joined with commas."""
    return ", ".join(time_text(t) for t in sorted(times))


def hours_text(start: dt.time, end: dt.time) -> str:
    """A span of hours such as 8.00–16.00."""
    return f"{time_text(start)}–{time_text(end)}"


def date_text(day: dt.date) -> str:
    """A day as people read it best: with its weekday and the month's name."""
    return format_date(day, format="full")


def reason_text(reason: PauseReason | str) -> str:
    """The reason of a pause, with its picture, in the current language."""
    return gettext(REASONS[PauseReason(reason)])


def refusal_text(error: DomainError) -> str:
    """Why a rule said no, in the current language."""
    if error.user_message:
        return gettext(error.user_message)
    return _("This button no longer works.")
