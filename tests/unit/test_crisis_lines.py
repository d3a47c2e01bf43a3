"""Crisis lines' opening hours as data: read, refused with a reason, open or closed at a moment
in the organisation's timezone; and the lines a language gets, with the defaults' hours only for
the defaults' numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.services.crisis_lines import (
    DEFAULT_NUMBER,
    HoursError,
    configure,
    language_line,
    lines_for,
    main_line,
    parse_hours,
)

HELSINKI = "Europe/Helsinki"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A moment in Helsinki time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(HELSINKI))


def test_hours_are_read_and_open_in_local_time() -> None:
    hours = parse_hours("mon,wed 16-20; tue,thu,fri 9-13")
    assert hours is not None and not hours.round_the_clock
    assert hours.open_at(local(2026, 3, 2, 16, 0), HELSINKI)  # Monday 16:00
    assert not hours.open_at(local(2026, 3, 2, 20, 0), HELSINKI)  # ends at 20:00
    assert not hours.open_at(local(2026, 3, 3, 16, 30), HELSINKI)  # Tuesday afternoon
    assert hours.open_at(local(2026, 3, 6, 9, 30), HELSINKI)  # Friday morning
    assert not hours.open_at(local(2026, 3, 7, 10, 0), HELSINKI)  # Saturday
    # The same moment in UTC: 14:30 UTC is 16:30 in Helsinki.
    assert hours.open_at(dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC), HELSINKI)
    evening = parse_hours("daily 18-24")
    assert evening is not None and evening.open_at(local(2026, 3, 8, 23, 59), HELSINKI)
    both = parse_hours("wed 13-16, 17-21")
    assert both is not None and len(both.spans) == 2
    assert not both.open_at(local(2026, 3, 4, 16, 30), HELSINKI)
    always = parse_hours("24/7")
    assert always is not None and always.round_the_clock
    assert parse_hours("") is None and parse_hours("  ") is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("monday 9-13", "unknown day"),
        ("fri-mon 9-13", "runs backwards"),
        ("mon 9", "a start and an end"),
        ("mon 13-9", "ends before it starts"),
        ("mon 9-25", "not a time of day"),
        ("mon nine-ten", "write days and times"),
    ],
)
def test_hours_that_cannot_be_read_are_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(HoursError, match=says):
        parse_hours(text)


def test_the_default_hours_belong_to_the_default_numbers_only() -> None:
    line = main_line(name="MIELI Kriisipuhelin", number=DEFAULT_NUMBER, settings={})
    assert line.hours is not None and line.hours.round_the_clock and line.finnish_default
    own = main_line(name="Apu", number="0800 1", settings={})
    assert own.hours is None and not own.finnish_default
    changed = configure({}, language="en", number="0800 2")
    english = language_line("en", changed)
    assert english is not None and english.number == "0800 2" and english.hours is None
    assert language_line("fi", {}) is None  # Finnish speakers get the main line
    off = configure({}, language="sv", number="")
    assert language_line("sv", off) is None


def test_a_language_gets_its_line_and_the_main_line() -> None:
    lines = lines_for(language="sv", emergency=None, name=None, number=None, settings=None)
    assert lines.emergency == "112" and lines.main.number == DEFAULT_NUMBER
    assert lines.own is not None and lines.own.number == "09 2525 0112"
    finnish = lines_for(language="fi", emergency="112", name=None, number=None, settings={})
    assert finnish.own is None
