"""The coach's desk in a real browser (Chromium through Playwright), against the real bot and the
sandbox: the coach opens the Mini App with signed launch data in the address's fragment, as
Telegram opens it; sees the caseload; opens a client; writes a note that the client reads with
/notes; answers a flag and sees the flag's message in the chat change; sets an emphasis; replies
to a message that reaches the client. axe-core finds nothing serious or critical on any page, and
screenshots at phone and desktop width in Finnish, Swedish and English go to build/screenshots.

One browser serves the whole module (the machine is small); each test has its own bot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.devtools.harness import Harness
from bot.models.checkins import Checkin, CheckinStatus, GotUp, Sleep
from bot.models.flags import FlagKind
from bot.models.people import Person, Role
from bot.runtime.clock import ManualClock
from bot.sandbox.web_app import launch_fragment
from bot.services import flags, people
from tests.support.actors import everything, say
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_findings,
    require_chromium,
    screenshot,
)
from tests.support.web_desk import desk_url, init_data_for, web_harness
from tests.support.world import Desk, build

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def chromium() -> AsyncIterator[Any]:
    path = require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="module")
async def web(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    async with web_harness(database_url, clock) as harness:
        yield harness


@pytest_asyncio.fixture(loop_scope="module")
async def desk(web: Harness, clock: ManualClock) -> Desk:
    world = await build(web, clock.now())
    now = clock.now()
    async with web.db.session() as session:
        for back in range(1, 22):
            if back % 5 == 0:
                continue
            when = now - dt.timedelta(days=back)
            session.add(
                Checkin(
                    client_id=world.ids["pekka"],
                    due_at=when,
                    window_ends_at=when + dt.timedelta(hours=10),
                    status=CheckinStatus.ANSWERED,
                    sent_at=when,
                    answered_at=when + dt.timedelta(minutes=5),
                    mood=2 + back % 4,
                    sleep=Sleep.WELL if back % 2 else Sleep.SO_SO,
                    got_up=GotUp.YES,
                )
            )
        await flags.raise_flag(
            session, client_id=world.ids["pekka"], kind=FlagKind.CONTACT_REQUEST, now=now
        )
    await web.tick()
    return world


async def _open_desk(chromium: Any, web: Harness, desk: Desk, viewport: dict[str, int]) -> Any:
    context = await chromium.new_context(viewport=viewport, locale="en-GB", bypass_csp=True)
    page = await context.new_page()
    fragment = launch_fragment(init_data_for(web, desk.kaisa))
    await page.goto(desk_url(web) + "/" + fragment)
    await page.wait_for_url("**/clients")
    return page


async def _no_serious_findings(page: Any) -> None:
    findings = await axe_findings(page)
    assert findings == [], findings


async def test_the_caseload_and_a_client_page_in_every_language_and_width(
    chromium: Any, web: Harness, desk: Desk
) -> None:
    for locale, heading in (("en", "Clients"), ("fi", "Asiakkaat"), ("sv", "Klienter")):
        async with web.db.session() as session:
            kaisa = await session.get(Person, desk.ids["kaisa"])
            assert kaisa is not None
            kaisa.locale = locale
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page = await _open_desk(chromium, web, desk, viewport)
            try:
                assert await page.get_attribute("html", "lang") == locale
                assert await page.inner_text("h1") == heading
                assert await page.locator("tbody tr").count() == 2
                # The open flag puts Pekka first.
                first = await page.locator("tbody tr").first.inner_text()
                assert "Pekka" in first
                await screenshot(page, f"caseload-{locale}-{label}")
                if label == "phone":
                    await _no_serious_findings(page)
                    # Nothing wider than the screen: the table turns into cards.
                    width = await page.evaluate("document.documentElement.scrollWidth")
                    assert width <= viewport["width"]
                await page.get_by_role("link", name="Pekka").click()
                await page.wait_for_url(f"**/clients/{desk.ids['pekka']}")
                assert await page.inner_text("h1") == "Pekka"
                assert await page.locator("svg[role=img] circle").count() == 17
                await screenshot(page, f"client-{locale}-{label}")
                if label == "phone":
                    await _no_serious_findings(page)
            finally:
                await page.context.close()


async def test_a_note_a_flag_an_emphasis_and_a_reply_from_the_browser(
    chromium: Any, web: Harness, desk: Desk
) -> None:
    await say(web, desk.pekka, "Can we meet on Friday?")
    page = await _open_desk(chromium, web, desk, PHONE)
    try:
        await page.get_by_role("link", name="Pekka").click()
        await page.wait_for_url(f"**/clients/{desk.ids['pekka']}")
        assert "Can we meet on Friday?" in await page.inner_text("main")

        await page.get_by_label("New note").fill("Bring the CV on Friday")
        await page.get_by_role("button", name="Save the note").click()
        await page.wait_for_url("**done=note*")
        assert "The note is saved." in await page.inner_text("[role=status]")
        [notes] = await say(web, desk.pekka, "/notes")
        assert "Bring the CV on Friday" in (notes.text or "")

        flag_notice = next(
            m for m in desk.kaisa.bot_messages() if "asks you to contact them" in (m.text or "")
        )
        assert flag_notice.buttons
        await page.get_by_role("button", name="I'll get in touch").click()
        await page.wait_for_url("**done=flag*")
        assert "No open flags." not in await page.inner_text("main")
        await web.settle()
        changed = next(
            m for m in desk.kaisa.bot_messages() if m.message_id == flag_notice.message_id
        )
        assert (changed.text or "").endswith("✔️ You will contact Pekka.")
        assert not changed.buttons

        await page.get_by_label("Area").select_option("employment")
        await page.get_by_label("Emphasis").select_option("3")
        await page.get_by_label("Why (the client sees this)").fill("Job fair in May")
        await page.get_by_role("button", name="Set the emphasis").click()
        await page.wait_for_url("**done=plan*")
        await web.settle()
        assert "Your plan changed" in everything(desk.pekka)

        await page.get_by_label("Write to Pekka").fill("Yes, Friday at 10 works.")
        await page.get_by_role("button", name="Send").click()
        await page.wait_for_url("**done=reply*")
        await web.settle()
        last = desk.pekka.last_bot_message()
        assert last is not None and "Yes, Friday at 10 works." in (last.text or "")
        await _no_serious_findings(page)
    finally:
        await page.context.close()


async def test_without_launch_data_the_page_says_where_to_open_it(
    chromium: Any, web: Harness, desk: Desk
) -> None:
    context = await chromium.new_context(viewport=PHONE, bypass_csp=True)
    page = await context.new_page()
    try:
        await page.goto(desk_url(web) + "/")
        await page.locator("#login-none").wait_for(state="visible")
        await _no_serious_findings(page)
        # A client's launch data is refused on the page too (a new page: only the fragment
        # differs, and the same page would not load again).
        await page.close()
        page = await context.new_page()
        fragment = launch_fragment(init_data_for(web, desk.pekka))
        await page.goto(desk_url(web) + "/" + fragment)
        await page.locator("#login-refused").wait_for(state="visible")
        assert (await context.cookies()) == []
    finally:
        await context.close()


async def test_the_organisation_view_logging_out_and_the_refusal_page(
    chromium: Any, web: Harness, desk: Desk, clock: ManualClock
) -> None:
    async with web.db.session() as session:
        await people.grant_role(
            session,
            person_id=desk.ids["kaisa"],
            organisation_id=desk.organisation_id,
            role=Role.ADMIN,
            now=clock.now(),
        )
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = await _open_desk(chromium, web, desk, viewport)
        try:
            await page.get_by_role("link", name="Organisation").click()
            await page.wait_for_url("**/organisation")
            assert await page.inner_text("h1") == "The organisation at a glance"
            # Two clients: every figure about people is withheld.
            assert "fewer than 7" in await page.inner_text("main")
            await screenshot(page, f"organisation-en-{label}")
            if label == "phone":
                await _no_serious_findings(page)
                await page.get_by_role("button", name="Log out").click()
                await page.wait_for_selector("text=You have logged out of the desk.")
                await _no_serious_findings(page)
                await page.goto(desk_url(web) + "/clients")
                assert await page.inner_text("h1") == "Not available"
                await _no_serious_findings(page)
        finally:
            await page.context.close()
