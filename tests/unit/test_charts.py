"""The pictures as pure functions of their data and a language: PNGs wide enough for a phone,
titled (caption and Title chunk) in the reader's language, the same bytes for the same data.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from bot.messages.charts.data import (
    CaseloadGrid,
    CaseloadRow,
    CellState,
    ClientProgress,
    DayProgress,
)
from bot.messages.charts.render import caseload_picture, caseload_pictures, progress_picture
from bot.models.checkins import GotUp

TODAY = dt.date(2026, 3, 29)


def _weeks(*, name: str | None = None, started: bool = True) -> ClientProgress:
    days = []
    for n in range(28):
        day = TODAY - dt.timedelta(days=27 - n)
        paused = 8 <= n <= 10
        weekday = day.isoweekday() <= 5
        answered = weekday and not paused and n % 6 != 5
        days.append(
            DayProgress(
                day=day,
                mood=(1 + n % 5) if answered else None,
                got_up=[GotUp.YES, GotUp.LATER, GotUp.NO][n % 3] if answered else None,
                due=int(weekday and not paused),
                answered=int(answered),
                steps_done=n % 3,
                goals_reached=int(n == 20),
                paused=paused,
            )
        )
    return ClientProgress(
        name=name,
        today=TODAY,
        days=tuple(days),
        started=started,
        ahead=(TODAY, TODAY + dt.timedelta(days=2)) if not started else (),
        has_schedule=True,
        goals_open=2,
    )


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        ("fi", "Sinun neljä viime viikkoasi: 2.3.2026 – 29.3.2026"),
        ("sv", "Dina fyra senaste veckor: 2.3.2026 – 29.3.2026"),
        ("en", "Your last four weeks: 2 Mar 2026 – 29 Mar 2026"),
    ],
)
def test_the_client_chart_is_titled_in_the_readers_language(locale: str, title: str) -> None:
    picture = progress_picture(_weeks(), locale)
    image = _image(picture.png)
    assert picture.title == title
    assert image.info["Title"] == title
    assert image.width >= 800


def test_a_coachs_view_names_the_client_and_the_picture_is_deterministic() -> None:
    data = _weeks(name="Liisa $5 <L&L>")
    first = progress_picture(data, "sv")
    assert first.title == "Liisa $5 <L&L>, de fyra senaste veckorna: 2.3.2026 – 29.3.2026"
    assert progress_picture(data, "sv").png == first.png


def test_before_the_first_check_in_the_picture_is_still_a_picture() -> None:
    picture = progress_picture(_weeks(started=False), "fi")
    image = _image(picture.png)
    assert image.width >= 800 and image.height >= 600
    assert picture.png != progress_picture(_weeks(), "fi").png


def test_the_caseload_picture_grows_with_the_caseload() -> None:
    days = tuple(TODAY - dt.timedelta(days=13 - n) for n in range(14))
    states = list(CellState)

    def grid(clients: int) -> CaseloadGrid:
        return CaseloadGrid(
            days=days,
            rows=tuple(
                CaseloadRow(
                    client_id=i,
                    name=f"Asiakas {i} $ jolla on pitkä nimi" if i == 3 else f"Asiakas {i}",
                    cells=tuple(states[(i + d) % len(states)] for d in range(14)),
                )
                for i in range(clients)
            ),
        )

    small = caseload_picture(grid(3), "sv")
    large = caseload_picture(grid(40), "fi")
    assert small.title == "Avstämningar, 3 klienter: 16.3.2026 – 29.3.2026"
    assert large.title == "Kuulumiskyselyt, 40 asiakasta: 16.3.2026 – 29.3.2026"
    small_image, large_image = _image(small.png), _image(large.png)
    assert small_image.width == large_image.width >= 800
    assert large_image.height > small_image.height + 37 * 30
    assert large_image.info["Title"] == large.title


def test_a_caseload_beyond_fifty_comes_in_parts() -> None:
    days = tuple(TODAY - dt.timedelta(days=13 - n) for n in range(14))
    grid = CaseloadGrid(
        days=days,
        rows=tuple(
            CaseloadRow(client_id=i, name=f"Client {i}", cells=(CellState.ANSWERED,) * 14)
            for i in range(51)
        ),
    )
    pictures = caseload_pictures(grid, "en")
    assert [p.title for p in pictures] == [
        "Check-ins of your 51 clients: 16 Mar 2026 – 29 Mar 2026, part 1 of 2",
        "Check-ins of your 51 clients: 16 Mar 2026 – 29 Mar 2026, part 2 of 2",
    ]
    assert [_image(p.png).info["Title"] for p in pictures] == [p.title for p in pictures]
    assert len(caseload_pictures(CaseloadGrid(days=days, rows=grid.rows[:50]), "en")) == 1
