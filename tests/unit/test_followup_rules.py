"""The follow-up rhythm as pure rules: the taper, an organisation's own rhythm, tightening, and
month arithmetic at the ends of months."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.services.days import add_months
from bot.services.followup import Rhythm, at_hour, next_day, plan_days

START = dt.date(2026, 3, 2)


def test_the_default_rhythm_tapers_from_weekly_to_every_three_months() -> None:
    days = plan_days(START, add_months(START, 36), Rhythm())
    assert days[:5] == [dt.date(2026, 3, d) for d in (9, 16, 23, 30)] + [dt.date(2026, 4, 6)]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    assert gaps[:4] == [7, 7, 7, 7] and gaps[4:8] == [14, 14, 14, 14]
    assert days[-1] == dt.date(2028, 12, 15) and len(days) == 26


def test_an_organisation_and_a_client_can_change_the_rhythm() -> None:
    rhythm = Rhythm.from_settings(
        {"phases": [[2, "d", 7], [None, "m", 1]], "months": 12},
        {"hour": 14},
    )
    days = plan_days(START, add_months(START, rhythm.months), rhythm)
    assert days[:9] == [START + dt.timedelta(days=7 * k) for k in range(1, 10)]
    assert days[-1] <= dt.date(2027, 3, 2)
    moment = at_hour(days[0], "Europe/Helsinki", rhythm)
    assert moment == dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def test_tightened_means_weekly_until_the_month_is_over() -> None:
    day = dt.date(2027, 9, 29)
    until = dt.date(2027, 10, 22)
    assert next_day(day, anchor=START, rhythm=Rhythm(), tightened_until=until) == dt.date(
        2027, 10, 6
    )
    assert next_day(dt.date(2027, 10, 27), anchor=START, rhythm=Rhythm()) == dt.date(2028, 1, 27)


def test_months_end_on_the_last_day_of_a_shorter_month() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)
