"""Dates and times as each country writes them, and as people type them (bot/text/dates.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.text.dates import (
    format_date,
    format_datetime,
    format_day_month,
    format_time,
    read_date,
    read_moment,
    read_time,
)
from bot.text.i18n import use_locale

TODAY = dt.date(2026, 3, 2)
MOMENT = dt.datetime(2027, 1, 15, 11, 0, tzinfo=dt.UTC)  # 13.00 in Helsinki


@pytest.mark.parametrize(
    ("locale", "date", "time", "both", "day_month"),
    [
        ("fi", "15.1.2027", "13.00", "15.1.2027 13.00", "15.1."),
        ("sv", "15.1.2027", "13.00", "15.1.2027 13.00", "15.1."),
        ("en", "15 Jan 2027", "13:00", "15 Jan 2027, 13:00", "15 Jan"),
    ],
)
def test_each_language_writes_as_its_country_does(
    locale: str, date: str, time: str, both: str, day_month: str
) -> None:
    assert format_date(MOMENT.date(), locale=locale) == date
    assert format_date(MOMENT.date(), locale=locale, format="short") == date
    assert format_time(MOMENT, timezone="Europe/Helsinki", locale=locale) == time
    assert format_datetime(MOMENT, timezone="Europe/Helsinki", locale=locale) == both
    short = format_datetime(MOMENT, timezone="Europe/Helsinki", locale=locale, format="short")
    assert short == both
    assert format_day_month(MOMENT.date(), locale=locale) == day_month


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15.1.", dt.date(2027, 1, 15)),
        ("15.1", dt.date(2027, 1, 15)),
        ("15.1.2027", dt.date(2027, 1, 15)),
        ("15.1.27", dt.date(2027, 1, 15)),
        ("15/1/2027", dt.date(2027, 1, 15)),
        ("15/1", dt.date(2027, 1, 15)),
        ("2027-01-15", dt.date(2027, 1, 15)),
        ("15-1-2027", dt.date(2027, 1, 15)),
        ("15 Jan 2027", dt.date(2027, 1, 15)),
        ("15 Jan 2027", dt.date(2027, 1, 15)),
        ("15. tammikuuta", dt.date(2027, 1, 15)),
        ("15 januari 2027", dt.date(2027, 1, 15)),
        ("2.3.", dt.date(2026, 3, 2)),  # today is still to come
        ("1.3.", dt.date(2027, 3, 1)),  # without a year: the next such day
        ("29.2.", dt.date(2028, 2, 29)),
    ],
)
def test_days_are_read_in_every_common_form(typed: str, expected: dt.date) -> None:
    assert read_date(typed, today=TODAY).day == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13", dt.time(13, 0)),
        ("13.00", dt.time(13, 0)),
        ("13:00", dt.time(13, 0)),
        ("8.30", dt.time(8, 30)),
        ("08:30", dt.time(8, 30)),
        ("klo 13", dt.time(13, 0)),
        ("kl. 8.30", dt.time(8, 30)),
        ("1 pm", dt.time(13, 0)),
        ("1pm", dt.time(13, 0)),
        ("1.30 p.m.", dt.time(13, 30)),
        ("12 am", dt.time(0, 0)),
        ("12 pm", dt.time(12, 0)),
    ],
)
def test_times_are_read_in_every_common_form(typed: str, expected: dt.time) -> None:
    assert read_time(typed).time == expected


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("31.2.2027", "There is no day 31 in that month: it has days 1 to 28."),
        ("15.13.2027", "There is no month 13: months go from 1 to 12."),
        ("tomorrow", "I could not read a day there."),
        ("", "I could not read a day there."),
    ],
)
def test_a_day_not_read_is_told_why_and_how_to_write_it(typed: str, refusal: str) -> None:
    with use_locale("en"):
        reading = read_date(typed, today=TODAY)
    assert reading.day is None
    assert reading.refusal == f"{refusal} Write the day like 15/1/2027."


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("25", "There is no hour 25: hours go from 0 to 23."),
        ("13.75", "Minutes go from 00 to 59, not 75."),
        ("13 pm", "With am or pm the hour goes from 1 to 12, not 13."),
        ("soon", "I could not read a time there."),
    ],
)
def test_a_time_not_read_is_told_why_and_how_to_write_it(typed: str, refusal: str) -> None:
    with use_locale("en"):
        reading = read_time(typed)
    assert reading.time is None
    assert reading.refusal == f"{refusal} Write the time like 13:00."


def test_refusals_speak_the_persons_language() -> None:
    with use_locale("fi"):
        assert read_time("25").refusal == (
            "Tuntia 25 ei ole: tunnit ovat 0–23. Kirjoita kellonaika näin: 13.00."
        )
    with use_locale("sv"):
        assert read_date("x", today=TODAY).refusal == (
            "Jag kunde inte läsa någon dag där. Skriv dagen så här: 15.1.2027."
        )


@pytest.mark.parametrize(
    "typed",
    ["15.1.2027 13.00", "15.1. klo 13", "15/1/2027 1 pm", "2027-01-15 13:00", "15 Jan 2027, 13:00"],
)
def test_a_day_and_time_are_read_together(typed: str) -> None:
    reading = read_moment(typed, today=TODAY)
    assert (reading.day, reading.time) == (dt.date(2027, 1, 15), dt.time(13, 0))


def test_half_a_moment_says_what_was_read() -> None:
    with use_locale("en"):
        assert read_moment("15.1.2027", today=TODAY).refusal == (
            "I read 15 Jan 2027. I could not read a time there."
            " Write the day and time like 15/1/2027 13:00."
        )
        assert read_moment("15.1.2027 25.00", today=TODAY).refusal == (
            "I read 15 Jan 2027. There is no hour 25: hours go from 0 to 23."
            " Write the day and time like 15/1/2027 13:00."
        )
