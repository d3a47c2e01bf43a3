"""The organisation view on the desk, over real HTTP: an admin sees counts only; in an
organisation of six every figure about people reads "fewer than 7" (on the page and in the CSV),
in one of seven the figures show, and where two shown figures would give a group of fewer than
seven by subtraction one of them is withheld. A coach who is not an admin, and an admin asking
for another organisation, are refused.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import pytest

from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from tests.support.org_world import add_admin, add_clients
from tests.support.web_desk import browser, log_in, web_harness

pytestmark = pytest.mark.asyncio

CELL = re.compile(r"<td>([^<]+)</td>")
FEWER = "fewer than 7"


@pytest.fixture
async def web(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    async with web_harness(database_url, clock) as harness:
        yield harness


async def _organisation(
    web: Harness, clock: ManualClock, *, name: str, size: int, first_id: int, **seed: int
) -> int:
    """An organisation of `size` clients; returns its admin's Telegram user id."""
    admin_user = web.sandbox.add_user(first_name=f"Admin {name}", language_code="en")
    async with web.db.session() as session:
        admin_id = await add_admin(
            session, organisation=name, telegram_user_id=admin_user.id, now=clock.now()
        )
        await add_clients(
            session,
            organisation=name,
            coach_id=admin_id,
            count=size,
            first_telegram_id=first_id,
            now=clock.now(),
            name_prefix=f"{name} client",
            **seed,
        )
    return admin_user.id


async def _view(web: Harness, telegram_id: int) -> tuple[str, list[list[str]]]:
    user = web.sandbox.user(telegram_id)
    clock = web.clock
    assert clock is not None
    async with browser(web) as client:
        init = web.sandbox.web_app_init_data(user.id, auth_date=int(clock.now().timestamp()))
        assert (await log_in(client, init)).status_code == 200
        page = await client.get("/organisation")
        assert page.status_code == 200
        exported = await client.get("/organisation.csv")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    return page.text, rows[1:]


def _numbers(cells: list[str]) -> list[str]:
    return [c for c in cells if c not in (FEWER, "0", "–")]


async def test_an_organisation_of_six_shows_no_figure_about_people(
    web: Harness, clock: ManualClock
) -> None:
    admin = await _organisation(
        web,
        clock,
        name="Six",
        size=6,
        first_id=50_000,
        checkin_days=20,
        flagged=6,
        goals_agreed=6,
        goals_reached=6,
    )
    html, rows = await _view(web, admin)
    cells = CELL.findall(html)
    assert cells and FEWER in cells
    assert _numbers(cells) == []
    assert _numbers([row[3] for row in rows]) == []
    assert "Six client" not in html and "Six client" not in str(rows)


async def test_an_organisation_of_seven_shows_its_figures(web: Harness, clock: ManualClock) -> None:
    admin = await _organisation(
        web,
        clock,
        name="Seven",
        size=7,
        first_id=60_000,
        checkin_days=20,
        flagged=7,
        goals_agreed=7,
    )
    html, rows = await _view(web, admin)
    by_cell = {(row[1], row[2]): row[3] for row in rows}
    assert by_cell[("in coaching", "Clients")] == "7"
    assert by_cell[("All flags", "Flags raised")] == "7"
    assert by_cell[("All flags", "Hours to first answer, median")] == "5.0"
    assert by_cell[("finding work", "Agreed")] == "7"
    assert by_cell[("finding work", "Reached")] == "0"
    weeks = [value for (row, column), value in by_cell.items() if column == "Clients asked"]
    assert weeks[-1] == "7" and weeks[0] == "0"
    assert "Seven client" not in html


async def test_two_shown_figures_never_give_a_small_group_by_subtraction(
    web: Harness, clock: ManualClock
) -> None:
    # Ten agreed a goal in finding work and seven reached it: the three who did not would be
    # 10 - 7; the seven are withheld.
    admin = await _organisation(
        web, clock, name="Ten", size=10, first_id=70_000, goals_agreed=10, goals_reached=7
    )
    _html, rows = await _view(web, admin)
    by_cell = {(row[1], row[2]): row[3] for row in rows}
    assert by_cell[("finding work", "Agreed")] == "10"
    assert by_cell[("finding work", "Reached")] == FEWER


async def test_only_admins_see_the_organisation_and_only_their_own(
    web: Harness, clock: ManualClock
) -> None:
    six = await _organisation(web, clock, name="Six", size=6, first_id=50_000)
    await _organisation(web, clock, name="Seven", size=7, first_id=60_000)
    coach_user = web.sandbox.add_user(first_name="Coach", language_code="en")
    async with web.db.session() as session:
        from bot.services import people

        await people.add_coach(
            session,
            telegram_user_id=coach_user.id,
            name="Plain Coach",
            organisation_name="Six",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
        )
    now = int(clock.now().timestamp())
    async with browser(web) as client:
        await log_in(client, web.sandbox.web_app_init_data(coach_user.id, auth_date=now))
        assert (await client.get("/organisation")).status_code == 403
        assert (await client.get("/organisation.csv")).status_code == 403
        assert "/organisation" not in (await client.get("/clients")).text
    async with browser(web) as client:
        await log_in(client, web.sandbox.web_app_init_data(six, auth_date=now))
        assert "/organisation" in (await client.get("/clients")).text
        for other in ("2", "999", "x"):
            refused = await client.get("/organisation", params={"org": other})
            assert refused.status_code == 403
            assert "Seven" not in refused.text
