"""What a coach does on the desk on the web reaches the chat, over real HTTP: a note shows in the
client's /notes, an answered flag changes the flag's message in the coach's chat, a set emphasis
tells the client, a reply reaches the client through the outbox. A write without the session's
CSRF token, or about a client not on the coach's desk, changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.coaching import CoachNote, PlanEmphasis
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.runtime.clock import ManualClock
from bot.services import flags
from tests.support.actors import everything, labels, say
from tests.support.web_desk import browser, csrf_of, init_data_for, log_in, web_harness
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def web(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    async with web_harness(database_url, clock) as harness:
        yield harness


@pytest.fixture
async def desk(web: Harness, clock: ManualClock) -> Desk:
    return await build(web, clock.now())


async def test_a_note_written_on_the_desk_is_in_the_clients_notes(web: Harness, desk: Desk) -> None:
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        csrf = csrf_of((await client.get(f"/clients/{desk.ids['pekka']}")).text)
        saved = await client.post(
            f"/clients/{desk.ids['pekka']}/notes",
            data={"csrf": csrf, "text": "Call the <library> on Monday & ask"},
        )
        assert saved.status_code == 303
        shown = await client.get(saved.headers["location"])
    assert "The note is saved." in shown.text
    assert "Call the &lt;library&gt; on Monday &amp; ask" in shown.text
    [answer] = await say(web, desk.pekka, "/notes")
    assert "Call the <library> on Monday & ask" in (answer.text or "")


async def test_an_answered_flag_changes_its_message_in_the_chat(
    web: Harness, desk: Desk, clock: ManualClock
) -> None:
    async with web.db.session() as session:
        flag = await flags.raise_flag(
            session, client_id=desk.ids["liisa"], kind=FlagKind.CONTACT_REQUEST, now=clock.now()
        )
        assert flag is not None and flag.id is not None
        flag_id = flag.id
    await web.tick()
    notice = desk.kaisa.last_bot_message()
    assert notice is not None and labels(notice)
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        page = (await client.get(f"/clients/{desk.ids['liisa']}")).text
        assert "Asks you to get in touch" in page
        answered = await client.post(
            f"/clients/{desk.ids['liisa']}/flags/{flag_id}",
            data={"csrf": csrf_of(page), "action": "contact"},
        )
        assert answered.status_code == 303
    await web.settle()
    edited = next(m for m in desk.kaisa.bot_messages() if m.message_id == notice.message_id)
    assert edited.text is not None
    assert edited.text.startswith("🚩 Liisa <L&L>: asks you to contact them.")
    assert edited.text.endswith("✔️ You will contact Liisa <L&L>.")
    assert not edited.buttons
    async with web.db.session() as session:
        stored = await session.get(Flag, flag_id)
        assert stored is not None and stored.status == FlagStatus.ACKNOWLEDGED


async def test_setting_an_emphasis_tells_the_client(web: Harness, desk: Desk) -> None:
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        csrf = csrf_of((await client.get(f"/clients/{desk.ids['pekka']}")).text)
        done = await client.post(
            f"/clients/{desk.ids['pekka']}/plan",
            data={"csrf": csrf, "area": "employment", "level": "4", "reason": "Job fair in May"},
        )
        assert done.status_code == 303
        page = (await client.get(done.headers["location"])).text
    assert "The plan is updated." in page and "Job fair in May" in page
    await web.settle()
    assert "Your plan changed" in everything(desk.pekka)
    async with web.db.session() as session:
        [row] = (await session.exec(select(PlanEmphasis))).all()
        assert (row.level, row.reason) == (4, "Job fair in May")


async def test_a_reply_on_the_desk_reaches_the_client(web: Harness, desk: Desk) -> None:
    await say(web, desk.pekka, "Can we meet on Friday?")
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        page = (await client.get(f"/clients/{desk.ids['pekka']}")).text
        assert "Can we meet on Friday?" in page
        sent = await client.post(
            f"/clients/{desk.ids['pekka']}/reply",
            data={"csrf": csrf_of(page), "text": "Yes, at 10 <in> the office"},
        )
        assert sent.status_code == 303
    await web.settle()
    last = desk.pekka.last_bot_message()
    assert last is not None
    assert "Yes, at 10 <in> the office" in (last.text or "")
    assert "Kaisa" in (last.text or "")


async def test_writes_without_csrf_or_about_others_clients_change_nothing(
    web: Harness, desk: Desk, clock: ManualClock
) -> None:
    async with web.db.session() as session:
        flag = await flags.raise_flag(
            session, client_id=desk.ids["cilla"], kind=FlagKind.LOW_MOOD, now=clock.now()
        )
        assert flag is not None
        cilla_flag = flag.id
    async with browser(web) as client:
        await log_in(client, init_data_for(web, desk.kaisa))
        csrf = csrf_of((await client.get("/clients")).text)
        pekka = desk.ids["pekka"]
        refused = [
            await client.post(f"/clients/{pekka}/notes", data={"text": "no token"}),
            await client.post(
                f"/clients/{desk.ids['cilla']}/notes", data={"csrf": csrf, "text": "x"}
            ),
            await client.post("/clients/999999/notes", data={"csrf": csrf, "text": "x"}),
            await client.post(
                f"/clients/{desk.ids['cilla']}/flags/{cilla_flag}",
                data={"csrf": csrf, "action": "done"},
            ),
            # Cilla's flag named under Kaisa's own client.
            await client.post(
                f"/clients/{pekka}/flags/{cilla_flag}", data={"csrf": csrf, "action": "done"}
            ),
            await client.post(
                f"/clients/{desk.ids['cilla']}/reply", data={"csrf": csrf, "text": "hi"}
            ),
            await client.post(
                f"/clients/{desk.ids['cilla']}/plan",
                data={"csrf": csrf, "area": "employment", "level": "1"},
            ),
        ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert len({r.text for r in refused}) == 1
    assert "Cilla" not in refused[0].text
    async with web.db.session() as session:
        assert (await session.exec(select(CoachNote))).all() == []
        stored = await session.get(Flag, cilla_flag)
        assert stored is not None and stored.status == FlagStatus.OPEN
        assert (await session.exec(select(PlanEmphasis))).all() == []
    assert desk.cilla.bot_messages() == [] or "hi" not in everything(desk.cilla)
    _ = dt
