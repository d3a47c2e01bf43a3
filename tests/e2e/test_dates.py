"""Dates and times end to end, as each reader's country writes them: a Finnish, a Swedish and an
English client see their check-in summary, their meeting reminder and their closing PDF in their
own format, and days and times typed as people type them (15/1/2027, 2027-01-15, 1 pm) are
understood, or refused with words that say what was read.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlmodel import select

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.messages.closing_pdf import render
from bot.models.people import Person
from bot.models.placements import Meeting, Placement
from bot.runtime.clock import ManualClock
from bot.services import schedules
from tests.support.desk_world import Desk, build, everything, press, say
from tests.support.employer_world import linked_employer, open_card
from tests.support.moments import utc

pytestmark = pytest.mark.asyncio

# Each language's check-in summary heading, reminder and PDF period, with their dates.
WRITTEN = {
    "fi": ("(2.3.2026 9.00)", "15.1.2027 13.00", "2.3.2026 – 11.4.2026"),
    "sv": ("(2.3.2026 9.00)", "15.1.2027 13.00", "2.3.2026 – 11.4.2026"),
    "en": ("(2 Mar 2026, 09:00)", "15 Jan 2027, 13:00", "2 Mar 2026 – 11 Apr 2026"),
}
# The first answer of the check-in, in each language.
NORMAL_DAY = {"fi": "🙂 Tavallinen päivä", "sv": "🙂 Vanlig dag", "en": "🙂 Normal day"}


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
async def test_a_check_in_summary_shows_its_day_and_time_as_the_client_writes_them(
    harness: Harness, clock: ManualClock, locale: str
) -> None:
    coach = harness.sandbox.add_user(first_name="Kaisa", language_code=locale)
    client = harness.sandbox.add_user(first_name="Aino", language_code=locale)
    harness.sandbox.mark_started(coach.id)
    harness.sandbox.mark_started(client.id)
    async with harness.db.session() as session:
        ids = await seed(
            session,
            coach_telegram_id=coach.id,
            coach_name="Kaisa",
            client_telegram_id=client.id,
            client_name="Aino",
            organisation_name="Työpaja",
            locale=locale,
            timezone="Europe/Helsinki",
            now=clock.now(),
        )
        await schedules.set_single_time(
            session,
            client_id=ids.client_id,
            local_time=dt.time(9, 0),
            timezone="Europe/Helsinki",
            now=clock.now() - dt.timedelta(hours=1),
        )
    await harness.tick()
    await harness.settle()
    await client.press(NORMAL_DAY[locale])
    await harness.settle()
    last = client.last_bot_message()
    assert last is not None and last.buttons, "the last question waits for its answer"
    await client.press(last.buttons[0][-1].text)  # "No, that is all", the row's last button
    await harness.settle()
    summary = client.last_bot_message()
    assert summary is not None
    heading = (summary.text or "").splitlines()[0]
    assert heading.endswith(WRITTEN[locale][0] + ":"), heading


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
async def test_a_typed_meeting_time_and_its_reminder_in_the_clients_format(
    harness: Harness, desk: Desk, clock: ManualClock, locale: str
) -> None:
    boss = await linked_employer(harness, desk)
    await say(harness, boss, "/meeting")
    await press(harness, boss, "🕒 Another time")
    [half] = await say(harness, boss, "15/1/2027")
    assert (half.text or "") == (
        "I read 15 Jan 2027. I could not read a time there."
        " Write the day and time like 15/1/2027 13:00."
    )
    [hour] = await say(harness, boss, "15/1/2027 25")
    assert "There is no hour 25: hours go from 0 to 23." in (hour.text or "")
    await say(harness, boss, "15/1/2027 1 pm")
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
        client = await session.get(Person, desk.ids["pekka"])
        assert client is not None
        client.locale = locale
        session.add(client)
        await session.commit()
    assert meeting.starts_at == dt.datetime(2027, 1, 15, 11, 0, tzinfo=dt.UTC)
    assert "15 Jan 2027, 13:00" in everything(boss)
    await press(harness, desk.kaisa, "✅ Confirm", message=desk.kaisa.last_bot_message())

    before = len(desk.pekka.bot_messages())
    clock.set(utc(2027, 1, 14, 11, 0))
    for _round in range(2):  # the reminder is queued, then sent
        await harness.tick()
        await harness.settle()
    [reminder] = [m.text or "" for m in desk.pekka.bot_messages()[before:]]
    assert reminder.startswith("⏰") and WRITTEN[locale][1] in reminder, reminder


async def test_a_placement_starts_on_a_day_typed_the_iso_way(harness: Harness, desk: Desk) -> None:
    kaisa = desk.kaisa
    await open_card(harness, kaisa, "Pekka")
    await press(harness, kaisa, "💼 Placement")
    await say(harness, kaisa, "Puutarha")
    await say(harness, kaisa, "Sari Salo")
    await say(harness, kaisa, "Gardener")
    [refusal] = await say(harness, kaisa, "31.2.2027")
    assert refusal.text == (
        "There is no day 31 in that month: it has days 1 to 28. Write the day like 15/1/2027."
    )
    await say(harness, kaisa, "2027-01-15")
    [hours] = await say(harness, kaisa, "200")
    assert hours.text == "That is not between 1 and 80 hours a week. Write a number like 30."
    await say(harness, kaisa, "30")
    await press(harness, kaisa, "💶 Wage-subsidised work")
    async with harness.db.session() as session:
        [placement] = (await session.exec(select(Placement))).all()
    assert placement.start_date == dt.date(2027, 1, 15) and placement.hours_per_week == 30


def _pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages
    )


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
async def test_the_closing_pdf_writes_its_days_as_the_readers_country(locale: str) -> None:
    content: dict[str, Any] = {
        "client": "Aino",
        "coach": "Kaisa",
        "organisation": "Työpaja Helmi",
        "start": "2026-03-02",
        "end": "2026-04-11",
        "outcome": "studies",
        "emphasis": [],
        "goals": [],
        "checkins": {"due": 0, "answered": 0},
        "coach_sentence": None,
        "approved_on": "2026-04-12",
        "version": 1,
    }
    text = _pdf_text(render(content, locale))
    assert WRITTEN[locale][2] in text, text
