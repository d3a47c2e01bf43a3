"""Where a coach finds the desk on the web: with the desk served over https, /clients has a
button that opens it as a Mini App, each client's card one that opens that client's page, and
the coach's menu button opens the desk; the page then logs in and opens the page asked for (only
the desk's own pages). Without https (the demo, the tests' plain http) the chat shows no such
buttons.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from tests.support.actors import labels, press, say
from tests.support.web_desk import browser, web_harness
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio

BASE = "https://desk.example.org"


@pytest.fixture
async def web(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    async with web_harness(database_url, clock, base_url=BASE) as harness:
        yield harness


@pytest.fixture
async def desk(web: Harness, clock: ManualClock) -> Desk:
    return await build(web, clock.now())


async def test_clients_the_card_and_the_menu_button_open_the_desk(web: Harness, desk: Desk) -> None:
    [listing] = await say(web, desk.kaisa, "/clients")
    last_row = listing.buttons[-1]
    assert [b.text for b in last_row] == ["🖥 Open the desk"]
    assert last_row[0].web_app_url == BASE + "/"
    assert web.sandbox.chat(desk.kaisa.chat_id).menu_button == {
        "type": "web_app",
        "text": "Desk",
        "web_app": {"url": BASE + "/"},
    }
    await press(web, desk.kaisa, next(b for b in labels(listing) if "Pekka" in b))
    card = desk.kaisa.last_bot_message()
    assert card is not None
    button = card.buttons[-1][0]
    assert button.text == "🖥 Open on the desk"
    assert button.web_app_url == f"{BASE}/?next=%2Fclients%2F{desk.ids['pekka']}"


async def test_the_login_page_opens_only_the_desks_own_pages(web: Harness, desk: Desk) -> None:
    async with browser(web) as client:
        wanted = (await client.get("/", params={"next": "/clients/5"})).text
        assert 'data-next="/clients/5"' in wanted
        for elsewhere in ("https://evil.example", "//evil.example", "/clients/5/../../x", ""):
            page = (await client.get("/", params={"next": elsewhere})).text
            assert 'data-next="/clients"' in page


async def test_without_https_the_chat_shows_no_desk_buttons(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await build(harness, clock.now())
    [listing] = await say(harness, desk.kaisa, "/clients")
    assert all(b.web_app_url is None for row in listing.buttons for b in row)
    assert web_menu(harness, desk) is None


def web_menu(harness: Harness, desk: Desk) -> object:
    return harness.sandbox.chat(desk.kaisa.chat_id).menu_button
