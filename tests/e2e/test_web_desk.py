"""The coach's desk on the web over real HTTP: a coach logs in with Telegram's signed launch data
and sees exactly their caseload; every other way in is refused with 401 or 403 and a page that
says nothing about what exists (forged, old or foreign signatures, a client, a coach of another
organisation, a former coach, a write without its CSRF token, a cookie replayed after logout).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.checkins import Checkin, CheckinStatus
from bot.models.flags import Flag, FlagKind
from bot.models.people import Membership, Role
from bot.runtime.clock import ManualClock
from bot.sandbox.web_app import sign_init_data
from tests.support.web_desk import browser, csrf_of, init_data_for, log_in, web_harness
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def web(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    async with web_harness(database_url, clock) as harness:
        yield harness


@pytest.fixture
async def desk(web: Harness, clock: ManualClock) -> Desk:
    world = await build(web, clock.now())
    async with web.db.session() as session:
        now = clock.now()
        for back in (1, 2, 3):
            when = now - dt.timedelta(days=back)
            session.add(
                Checkin(
                    client_id=world.ids["pekka"],
                    due_at=when,
                    window_ends_at=when + dt.timedelta(hours=10),
                    status=CheckinStatus.ANSWERED,
                    sent_at=when,
                    answered_at=when + dt.timedelta(minutes=5),
                    mood=4 - back % 2,
                )
            )
        session.add(Flag(client_id=world.ids["liisa"], kind=FlagKind.LOW_MOOD, raised_at=now))
    return world


async def test_a_coach_logs_in_and_sees_exactly_their_caseload(web: Harness, desk: Desk) -> None:
    async with browser(web) as client:
        login = await client.get("/")
        assert login.status_code == 200
        assert 'lang="en"' in login.text or 'lang="fi"' in login.text
        response = await log_in(client, init_data_for(web, desk.kaisa))
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        page = await client.get("/clients")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    # Kaisa's name for Liisa, escaped; Liisa first (open flag), then Pekka.
    assert "Liisa &lt;L&amp;L&gt;" in html and "Liisa <L&L>" not in html
    assert html.index("Liisa &lt;L&amp;L&gt;") < html.index("Pekka")
    assert "Cilla" not in html and "Cecilia" not in html
    assert "mood 3/5" in html
    assert "Answered on 3 of the last 14 days" in html
    assert "2 of 2 clients shown." in html


async def test_the_table_filters_and_sorts_on_the_server(web: Harness, desk: Desk) -> None:
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        flagged = (await client.get("/clients", params={"show": "flags"})).text
        quiet = (await client.get("/clients", params={"show": "quiet3"})).text
        by_name = (await client.get("/clients", params={"sort": "name"})).text
    assert "Liisa &lt;L&amp;L&gt;" in flagged and "Pekka" not in flagged
    # Liisa never answered; Pekka answered yesterday.
    assert "Liisa &lt;L&amp;L&gt;" in quiet and "Pekka" not in quiet
    assert by_name.index("Liisa &lt;L&amp;L&gt;") < by_name.index("Pekka")


async def test_the_coach_reads_the_desk_in_their_own_language(web: Harness, desk: Desk) -> None:
    async with web.db.session() as session:
        from bot.models.people import Person

        kaisa = await session.get(Person, desk.ids["kaisa"])
        assert kaisa is not None
        kaisa.locale = "fi"
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        html = (await client.get("/clients")).text
    assert '<html lang="fi">' in html
    assert "Asiakkaat" in html


def _refused(status: int, body: str) -> None:
    assert status in (401, 403)
    for secret in ("Liisa", "Pekka", "Cilla", "Cecilia", "Lisu", "Bert"):
        assert secret not in body


async def test_forged_old_and_foreign_launch_data_are_refused(
    web: Harness, desk: Desk, clock: ManualClock
) -> None:
    now = int(clock.now().timestamp())
    user = json.dumps({"id": desk.kaisa.id, "first_name": "Kaisa"}, separators=(",", ":"))
    genuine = init_data_for(web, desk.kaisa)
    forged_hash = genuine[: genuine.rindex("hash=") + 5] + "0" * 64
    other_user = sign_init_data(web.sandbox.token, {"user": user, "auth_date": str(now)}).replace(
        str(desk.kaisa.id), str(desk.kaisa.id + 1)
    )
    two_hours_old = sign_init_data(web.sandbox.token, {"user": user, "auth_date": str(now - 7200)})
    other_bot = sign_init_data("654321:ANOTHER-BOT", {"user": user, "auth_date": str(now)})
    async with browser(web) as client:
        for init in (forged_hash, other_user, two_hours_old, other_bot, "", "hash=x"):
            response = await log_in(client, init)
            assert response.status_code == 401, init
            assert "set-cookie" not in response.headers
            page = await client.get("/clients")
            _refused(page.status_code, page.text)


async def test_a_client_a_stranger_and_another_organisations_coach(
    web: Harness, desk: Desk, clock: ManualClock
) -> None:
    stranger = web.sandbox.add_user(first_name="Stranger", language_code="en")
    async with browser(web) as client:
        for user in (desk.liisa, stranger):
            response = await log_in(client, init_data_for(web, user))
            assert response.status_code == 403
            assert "set-cookie" not in response.headers
    # Olli (another coach) sees Cilla, and nothing of Kaisa's clients, not even whether they exist.
    async with browser(web) as client:
        assert (await log_in(client, init_data_for(web, desk.olli))).status_code == 200
        html = (await client.get("/clients")).text
        assert "Cilla" in html and "Liisa" not in html
        theirs = await client.get(f"/clients/{desk.ids['liisa']}")
        missing = await client.get("/clients/999999")
        _refused(theirs.status_code, theirs.text)
        assert theirs.status_code == missing.status_code == 403
        assert theirs.text == missing.text


async def test_a_former_coach_is_refused_even_with_a_session(
    web: Harness, desk: Desk, clock: ManualClock
) -> None:
    async with browser(web) as client:
        assert (await log_in(client, init_data_for(web, desk.kaisa))).status_code == 200
        assert (await client.get("/clients")).status_code == 200
        async with web.db.session() as session:
            rows = await session.exec(
                select(Membership).where(
                    Membership.person_id == desk.ids["kaisa"],
                    col(Membership.role).in_([Role.COACH, Role.ADMIN]),
                )
            )
            for membership in rows.all():
                membership.active_until = clock.now()
        clock.advance(dt.timedelta(minutes=1))
        page = await client.get("/clients")
        _refused(page.status_code, page.text)
        assert page.status_code == 403
        again = await log_in(client, init_data_for(web, desk.kaisa))
        assert again.status_code == 403


async def test_a_write_without_csrf_and_a_cookie_replayed_after_logout(
    web: Harness, desk: Desk
) -> None:
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        cookie = client.cookies["desk_session"]
        csrf = csrf_of((await client.get("/clients")).text)
        without = await client.post("/logout", data={})
        assert without.status_code == 403
        wrong = await client.post("/logout", data={"csrf": "x" * len(csrf)})
        assert wrong.status_code == 403
        assert (await client.get("/clients")).status_code == 200
        out = await client.post("/logout", data={"csrf": csrf})
        assert out.status_code == 200
    async with browser(web) as replay:
        replay.cookies.set("desk_session", cookie)
        page = await replay.get("/clients")
        _refused(page.status_code, page.text)
        assert page.status_code == 401


async def test_the_session_ends_after_eight_hours(
    web: Harness, desk: Desk, clock: ManualClock
) -> None:
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        clock.advance(dt.timedelta(hours=7, minutes=59))
        assert (await client.get("/clients")).status_code == 200
        clock.advance(dt.timedelta(minutes=2))
        assert (await client.get("/clients")).status_code == 401


async def test_the_client_page_shows_the_card_and_is_audited(web: Harness, desk: Desk) -> None:
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        page = await client.get(f"/clients/{desk.ids['pekka']}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Pekka</h1>" in html
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in html
    assert html.count('class="dot"') == 3
    async with web.db.session() as session:
        from bot.models.audit import AuditEvent

        events = (
            await session.exec(
                select(AuditEvent).where(
                    AuditEvent.event == "client.card_read",
                    AuditEvent.subject_id == desk.ids["pekka"],
                )
            )
        ).all()
    assert len(events) == 1
