"""Dates and times as each country writes them, and as people type them: the one place for both.

Written: a Finnish speaker reads 15.1.2027 and 13.00, a Swedish speaker in Finland the same
(Babel's `sv_FI`), an English speaker day first with a 24-hour clock (`en_GB`: 15 Jan 2027,
13:00). Every message, card, chart and the closing PDF formats through the functions here.

Typed: `read_date`, `read_time` and `read_moment` accept every common way of writing a day or a
time (15.1., 15.1.2027, 15/1/2027, 2027-01-15, 15 Jan, 13, 13.00, 13:00, klo 13, 1 pm). When
they cannot, the reading carries a refusal in the person's language that says what was
understood and how to write it, and a number out of range gets its own words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import get_day_names, get_month_names

from bot.text.i18n import LOCALES, _, current_locale

# The country each language is written in here: all of them in Finland, and English as it is
# written in Europe (day first, 24-hour clock) rather than in the United States.
COUNTRY_LOCALES: Mapping[str, str] = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}

# Dates as numbers where the country writes them so (15.1.2027); English with the month's
# short name (15 Jan 2027), which no reader can take for the 1st of some month.
_DATE_PATTERNS: Mapping[str, str] = {"fi": "d.M.y", "sv": "d.M.y", "en": "d MMM y"}
_DAY_MONTH_PATTERNS: Mapping[str, str] = {"fi": "d.M.", "sv": "d.M.", "en": "d MMM"}
# How to type a day and a time, as the examples in refusals and questions show it.
_TYPED_DATE_EXAMPLE: Mapping[str, str] = {"fi": "15.1.2027", "sv": "15.1.2027", "en": "15/1/2027"}
_EXAMPLE_DAY = dt.date(2027, 1, 15)
_EXAMPLE_TIME = dt.time(13, 0)


def _language(locale: str | None) -> str:
    language = (locale or current_locale()).replace("-", "_").split("_")[0]
    return language if language in LOCALES else "fi"


@functools.cache
def babel_locale(locale: str | None = None) -> Locale:
    """The Babel locale of a language as written in its country here (sv is sv_FI)."""
    return Locale.parse(COUNTRY_LOCALES[_language(locale)])


def _country(locale: str | None) -> Locale:
    return babel_locale(_language(locale))


# -- written -------------------------------------------------------------------------------------


def format_date(day: dt.date, *, locale: str | None = None, format: str = "medium") -> str:
    """A day as the person's country writes it: 15.1.2027 (fi, sv) or 15 Jan 2027 (en).

    `format` "short" and "medium" give that; "long" and "full" Babel's words with the month's
    name ("full" with the weekday); anything else is a Babel pattern such as "d".
    """
    language = _language(locale)
    pattern = _DATE_PATTERNS[language] if format in ("short", "medium") else format
    return babel_format_date(day, format=pattern, locale=_country(language))


def format_time(
    when: dt.datetime | dt.time, *, timezone: str | None = None, locale: str | None = None
) -> str:
    """A time of day with a 24-hour clock: 8.30 (fi, sv) or 08:30 (en)."""
    if isinstance(when, dt.datetime) and timezone:
        when = when.astimezone(ZoneInfo(timezone))
    plain = when.time() if isinstance(when, dt.datetime) else when
    return babel_format_time(plain, format="short", locale=_country(locale))


def format_datetime(
    when: dt.datetime, *, timezone: str, locale: str | None = None, format: str = "medium"
) -> str:
    """A moment in the person's timezone: 15.1.2027 13.00 (fi, sv), 15 Jan 2027, 13:00 (en).

    Never with seconds; "long" and "full" name the month (and the weekday).
    """
    local = when.astimezone(ZoneInfo(timezone))
    country = _country(locale)
    day = format_date(local.date(), locale=locale, format=format)
    time = format_time(local.time(), locale=locale)
    joiner = country.datetime_formats["short"]
    return str(joiner).replace("{1}", day).replace("{0}", time)


def format_day_month(day: dt.date, *, locale: str | None = None) -> str:
    """A day without its year: 2.3. (fi, sv) or 2 Mar (en)."""
    language = _language(locale)
    return babel_format_date(day, format=_DAY_MONTH_PATTERNS[language], locale=_country(language))


def format_weekday(day: dt.date, *, locale: str | None = None) -> str:
    """A weekday's short name: ma (fi), mån (sv), Mon (en)."""
    return babel_format_date(day, format="EEE", locale=_country(locale))


def weekday_names(
    width: Literal["abbreviated", "narrow", "short", "wide"] = "wide",
    *,
    context: Literal["format", "stand-alone"] = "format",
    locale: str | None = None,
) -> list[str]:
    """The weekdays' names, Monday first."""
    names = get_day_names(width, context=context, locale=_country(locale))
    return [str(names[index]) for index in range(7)]


def date_example(locale: str | None = None) -> str:
    """How to type a day, for questions and refusals: 15.1.2027 (fi, sv), 15/1/2027 (en)."""
    return _TYPED_DATE_EXAMPLE[_language(locale)]


def time_example(locale: str | None = None) -> str:
    """How to type a time: 13.00 (fi, sv), 13:00 (en)."""
    return format_time(_EXAMPLE_TIME, locale=locale)


def moment_example(locale: str | None = None) -> str:
    """How to type a day with its time: 15.1.2027 13.00 (fi, sv), 15/1/2027 13:00 (en)."""
    return f"{date_example(locale)} {time_example(locale)}"


# -- typed ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateReading:
    """A typed day: `day`, or else `refusal`, words that say what was read and how to write it."""

    day: dt.date | None
    refusal: str = ""


@dataclass(frozen=True)
class TimeReading:
    """A typed time of day: `time`, or else `refusal`."""

    time: dt.time | None
    refusal: str = ""


@dataclass(frozen=True)
class MomentReading:
    """A typed day with its time: both, or else `refusal`."""

    day: dt.date | None
    time: dt.time | None
    refusal: str = ""


_ISO = re.compile(r"^(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*([./-])\s*(\d{1,2})(?:\s*[./-]\s*(\d{4}|\d{2})?)?\s*\.?$")
_DAY_NAME = re.compile(r"^(\d{1,2})\s*\.?\s*([^\W\d_]+)\.?,?(?:\s+(\d{4}))?$")
_NAME_DAY = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\.?,?(?:\s+(\d{4}))?$")
_TIME = re.compile(
    r"^(?:klo|kl|at|@)?\.?\s*(\d{1,2})(?:\s*[.:,]\s*(\d{1,2}))?\s*"
    r"(?:(a\.?\s?m|p\.?\s?m|ap|ip)\.?)?\s*(?:h|hrs)?$"
)
_NOT_TIME_WORDS = re.compile(r"^(?:klo|kl|at)\.?$")


@functools.cache
def _month_numbers() -> Mapping[str, int]:
    """Every month's name and short name in the three languages, lower case, to its number."""
    names: dict[str, int] = {}
    for language in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                found = get_month_names(width, context=context, locale=_country(language))
                for number, name in found.items():
                    names.setdefault(str(name).lower().rstrip("."), int(number))
    return names


def _month_of(word: str) -> int | None:
    """A month by its name, short name or a clear beginning of it (3 letters or more)."""
    word = word.lower().rstrip(".")
    names = _month_numbers()
    if word in names:
        return names[word]
    if len(word) < 3:
        return None
    matches = {number for name, number in names.items() if name.startswith(word)}
    return matches.pop() if len(matches) == 1 else None


def _clean(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _date_problem(day: int, month: int, year: int | None) -> str:
    if not 1 <= month <= 12:
        return _("There is no month {month}: months go from 1 to 12.").format(month=month)
    last = calendar.monthrange(year or 2028, month)[1]  # 2028: a leap year, so 29.2. may be
    if not 1 <= day <= last:
        return _("There is no day {day} in that month: it has days 1 to {last}.").format(
            day=day, last=last
        )
    return _("I could not read a day there.")


def _date_refusal(problem: str) -> str:
    how = _("Write the day like {example}.").format(example=date_example())
    return f"{problem} {how}"


def _time_refusal(problem: str) -> str:
    how = _("Write the time like {example}.").format(example=time_example())
    return f"{problem} {how}"


def _date_and_problem(text: str, *, today: dt.date) -> tuple[dt.date | None, str]:
    """The day typed, or the sentence that says what is wrong with it."""
    cleaned = _clean(text)
    unclear = _("I could not read a day there.")
    year: int | None
    iso = _ISO.match(cleaned)
    if iso is not None:
        year, month, day = int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
    elif (numeric := _NUMERIC.match(cleaned)) is not None:
        day, month = int(numeric.group(1)), int(numeric.group(3))
        year = int(numeric.group(4)) if numeric.group(4) else None
        if numeric.group(2) == "-" and year is None:
            return None, unclear  # 15-1 is more likely a span than a day
    elif (named := _DAY_NAME.match(cleaned) or _NAME_DAY.match(cleaned)) is not None:
        first, second = named.group(1), named.group(2)
        day_text, word = (first, second) if first.isdigit() else (second, first)
        found = _month_of(word)
        if found is None:
            return None, unclear
        day, month = int(day_text), found
        year = int(named.group(3)) if named.group(3) else None
    else:
        return None, unclear
    if year is not None and year < 100:
        year += 2000
    if year is not None:
        try:
            return dt.date(year, month, day), ""
        except ValueError:
            return None, _date_problem(day, month, year)
    # Without a year: the next such day from today on (a 29.2. within the next eight years).
    for ahead in range(9):
        try:
            candidate = dt.date(today.year + ahead, month, day)
        except ValueError:
            if (month, day) != (2, 29):
                return None, _date_problem(day, month, None)
            continue
        if candidate >= today:
            return candidate, ""
    return None, _date_problem(day, month, None)


def read_date(text: str, *, today: dt.date) -> DateReading:
    """A day as people type it; without a year, the next such day from `today` on."""
    day, problem = _date_and_problem(text, today=today)
    return DateReading(day) if day is not None else DateReading(None, _date_refusal(problem))


def _time_and_problem(text: str) -> tuple[dt.time | None, str]:
    cleaned = _clean(text)
    match = _TIME.match(cleaned)
    if match is None or _NOT_TIME_WORDS.match(cleaned):
        return None, _("I could not read a time there.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = (match.group(3) or "").replace(".", "").replace(" ", "")
    if half:
        if not 1 <= hour <= 12:
            return None, _("With am or pm the hour goes from 1 to 12, not {hour}.").format(
                hour=hour
            )
        hour = hour % 12 + (12 if half in ("pm", "ip") else 0)
    if hour > 23:
        return None, _("There is no hour {hour}: hours go from 0 to 23.").format(hour=hour)
    if minute > 59 or (match.group(2) is not None and len(match.group(2)) != 2):
        return None, _("Minutes go from 00 to 59, not {minute}.").format(minute=match.group(2))
    return dt.time(hour, minute), ""


def read_time(text: str) -> TimeReading:
    """A time of day as people type it: 13, 13.00, 13:00, 8.30, klo 13, kl. 13, 1 pm, 1.30 pm."""
    time, problem = _time_and_problem(text)
    return TimeReading(time) if time is not None else TimeReading(None, _time_refusal(problem))


_CONNECTORS = re.compile(r"\s+(?:klo|kl\.?|at|@)\s+|\s*,\s*|\s+")


def read_moment(text: str, *, today: dt.date) -> MomentReading:
    """A day and a time typed together: 15.1.2027 13.00, 15/1 klo 13, 2027-01-15 1 pm."""
    cleaned = _clean(text)
    how = _("Write the day and time like {example}.").format(example=moment_example())
    partial: tuple[str, str] | None = None
    # Try every place where the day could end and the time begin, the last first (15 Jan 13).
    for split in reversed(list(_CONNECTORS.finditer(cleaned))):
        day_part, time_part = cleaned[: split.start()], cleaned[split.end() :]
        if not day_part or not time_part:
            continue
        day, day_problem = _date_and_problem(day_part, today=today)
        time, time_problem = _time_and_problem(time_part)
        if day is not None and time is not None:
            return MomentReading(day, time)
        if partial is None and day is not None:
            partial = (format_date(day), time_problem)
        elif (
            partial is None
            and time is not None
            and day_problem != _("I could not read a day there.")
        ):
            partial = (format_time(time), day_problem)
    if partial is None:
        alone, _problem = _date_and_problem(cleaned, today=today)
        if alone is not None:
            partial = (format_date(alone), _("I could not read a time there."))
    if partial is not None:
        understood = _("I read {understood}.").format(understood=partial[0])
        return MomentReading(None, None, f"{understood} {partial[1]} {how}")
    unclear = _("I could not read a day and time there.")
    return MomentReading(None, None, f"{unclear} {how}")


def day_month_example(day: dt.date, locale: str | None = None) -> str:
    """How to type a day without its year: 24.12. (fi, sv), 24/12 (en)."""
    if _language(locale) == "en":
        return f"{day.day}/{day.month}"
    return f"{day.day}.{day.month}."


def span_example(start: dt.time, end: dt.time, locale: str | None = None) -> str:
    """Hours from one time to another: 8.30–16.30 (fi, sv), 08:30–16:30 (en)."""
    return f"{format_time(start, locale=locale)}–{format_time(end, locale=locale)}"
