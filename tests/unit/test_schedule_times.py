"""When a check-in falls due: the client's wall-clock time on their weekdays, across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.services.schedules import next_occurrence, parse_time

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=HELSINKI).astimezone(dt.UTC)


def occurrences(time: dt.time, weekdays: str, start: dt.datetime, n: int) -> list[dt.datetime]:
    found, after = [], start
    for _ in range(n):
        moment = next_occurrence(
            local_time=time, weekdays=weekdays, timezone="Europe/Helsinki", after=after
        )
        assert moment is not None
        found.append(moment)
        after = moment
    return found


def test_weekdays_only() -> None:
    start = local(2026, 3, 6, 12, 0)  # a Friday
    got = occurrences(dt.time(8, 0), "12345", start, 3)
    assert [m.astimezone(HELSINKI).strftime("%a %H:%M") for m in got] == [
        "Mon 08:00",
        "Tue 08:00",
        "Wed 08:00",
    ]


def test_spring_forward_a_missing_time_fires_at_the_first_valid_minute() -> None:
    # 29 March 2026: clocks go from 03:00 to 04:00 in Helsinki.
    got = occurrences(dt.time(3, 30), "1234567", local(2026, 3, 27, 12, 0), 4)
    assert [m.astimezone(HELSINKI).strftime("%d %H:%M") for m in got] == [
        "28 03:30",
        "29 04:00",
        "30 03:30",
        "31 03:30",
    ]


def test_fall_back_a_repeated_time_fires_once() -> None:
    # 25 October 2026: clocks go from 04:00 back to 03:00; 03:30 happens twice.
    got = occurrences(dt.time(3, 30), "1234567", local(2026, 10, 24, 12, 0), 3)
    utc = [m.strftime("%d %H:%M") for m in got]
    assert utc == ["25 00:30", "26 01:30", "27 01:30"]  # the first 03:30 (EEST), once


def test_an_ordinary_time_keeps_its_wall_clock_across_both_changes() -> None:
    got = occurrences(dt.time(8, 0), "1234567", local(2026, 3, 28, 7, 0), 2)
    assert [m.astimezone(HELSINKI).hour for m in got] == [8, 8]
    assert got[1] - got[0] == dt.timedelta(hours=23)


@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    days=st.sets(st.integers(1, 7), min_size=1).map(lambda s: "".join(map(str, sorted(s)))),
    seconds=st.integers(0, 3 * 365 * 24 * 3600),
)
def test_next_is_always_later_on_an_allowed_day_and_near_the_wall_clock(
    hour: int, minute: int, days: str, seconds: int
) -> None:
    after = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    moment = next_occurrence(
        local_time=dt.time(hour, minute), weekdays=days, timezone="Europe/Helsinki", after=after
    )
    assert moment is not None and moment > after
    assert moment - after <= dt.timedelta(days=8)
    wall = moment.astimezone(HELSINKI)
    assert str(wall.isoweekday()) in days
    # Exactly the wall-clock time, or up to an hour later when that time did not exist.
    wanted = wall.replace(hour=hour, minute=minute)
    assert (
        dt.timedelta(0)
        <= wall.replace(tzinfo=None) - wanted.replace(tzinfo=None)
        <= (dt.timedelta(hours=1))
    )


def test_typed_times() -> None:
    assert parse_time("8.30") == dt.time(8, 30)
    assert parse_time("08:30") == dt.time(8, 30)
    assert parse_time("klo 7") == dt.time(7, 0)
    assert parse_time("kl. 9.15") == dt.time(9, 15)
    assert parse_time("24.00") is None
    assert parse_time("half past eight") is None
