"""Nothing a client wrote is left behind: a marker word planted in every kind of thing a client
can write (a message, an edit, a caption, a check-in note, a goal and its step, words of crisis,
what they write after a follow-up question) is searched for in every column of every table.

After /forget and one pruning pass it is nowhere. Without /forget, after the retention times,
it survives only in the tables that keep it on purpose (the check-ins, goals, flags and the relay
history the client can read), never in the bot's transport tables.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.placements import Employer, Placement, PlacementKind
from bot.models.transport import OutboxMessage
from bot.runtime.clock import ManualClock
from bot.services import retention
from tests.support.actors import press, say
from tests.support.moments import utc
from tests.support.traces import tables_holding
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio

MARK = "Qzvmarkword"
# Where a client's own words are kept on purpose while the coaching lasts.
KEPT_ON_PURPOSE = {"checkin", "flag", "goal", "goal_step", "relayed_message"}
TRANSPORT = {"inbox_update", "outbox_message", "flow_state", "bot_state"}


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    clock.set(utc(2026, 3, 2, 8, 0))  # Monday, 10:00 in Helsinki
    return await build(harness, clock.now())


async def _plant(harness: Harness, clock: ManualClock, desk: Desk) -> None:
    """Liisa writes the marker in everything she can; Kaisa answers, presses and quotes."""
    liisa, kaisa = desk.liisa, desk.kaisa

    # A follow-up question after a placement, and what she writes after it.
    async with harness.db.session() as session:
        employer = Employer(name="Firma Oy", organisation_id=desk.organisation_id)
        session.add(employer)
        await session.flush()
        assert employer.id is not None
        session.add(
            Placement(
                client_id=desk.ids["liisa"],
                employer_id=employer.id,
                job_title="Kitchen helper",
                start_date=dt.date(2026, 3, 2),
                kind=PlacementKind.WAGE_SUBSIDISED,
                is_current=True,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    await harness.tick()
    clock.set(utc(2026, 3, 9, 8, 30))
    await harness.tick()
    question = next(
        m for m in reversed(liisa.bot_messages()) if "how work is going" in (m.text or "")
    )
    await press(harness, liisa, "🙂 Good", message=question)
    await say(harness, liisa, f"{MARK} follow-up: the boss is kind")

    # A message to the coach, then edited.
    sent = await liisa.send_text(f"{MARK} message: can we talk")
    await harness.settle()
    await liisa.edit_text(sent, f"{MARK} edited: can we talk today")
    await harness.settle()
    # A photo with a caption.
    await liisa.send_photo(caption=f"{MARK} caption: my new shoes")
    await harness.settle()

    # A check-in with a note in her own words.
    await say(harness, liisa, "✅ Check in")
    for label in ("😴 Well", "✅ Yes", "🙂 Good", "🛠️ Work or workshop"):
        await press(harness, liisa, label)
    await say(harness, liisa, f"{MARK} note: the bus was late")

    # A goal in her own words with a first step.
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "💼 Finding work")
    await press(harness, liisa, "✏️ In my own words")
    await say(harness, liisa, f"{MARK} goal: visit the fair")
    await press(harness, liisa, "➖ No date")
    await press(harness, liisa, "✏️ Add a small step")
    await say(harness, liisa, f"{MARK} step: find the bus")

    # Words of crisis: the coach gets an urgent flag quoting them, and marks it done.
    await say(harness, liisa, f"I want to die {MARK} crisis")
    flag = next(m for m in reversed(kaisa.bot_messages()) if m.has_inline_keyboard)
    await press(harness, kaisa, "✅ Done", message=flag)

    # Kaisa answers by replying to a copy of Liisa's words, and by the Reply button.
    copies = [m for m in kaisa.bot_messages() if MARK in (m.text or m.caption or "")]
    assert copies, "the coach got none of the client's words"
    await kaisa.send_text("Thank you, I call you at 12.", reply_to=copies[0])
    await harness.settle()
    header = next(m for m in reversed(kaisa.bot_messages()) if "↩️ Reply" in m.button_labels)
    await press(harness, kaisa, "↩️ Reply", message=header)
    await say(harness, kaisa, "See you soon.")


async def _prune(harness: Harness) -> None:
    app = harness.app
    async with app.services.db.session() as session:
        settings = app.services.settings
        await retention.prune(
            session,
            now=app.services.clock.now(),
            inbox_hours=settings.inbox_retention_hours,
            outbox_days=settings.outbox_retention_days,
        )


async def test_after_forget_and_one_pruning_pass_the_marker_is_nowhere(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    await _plant(harness, clock, desk)
    async with harness.db.session() as session:
        assert await tables_holding(session, MARK)  # the scan sees what was planted

    # Kaisa cannot be reached for a while: a message from Liisa and an urgent flag with her
    # last check-ins wait for her.
    desk.kaisa.block_bot()
    await say(harness, desk.liisa, f"{MARK} held: are you there")
    await say(harness, desk.liisa, "I want to kill myself")
    seen_by_kaisa = len(desk.kaisa.bot_messages())
    question = (await say(harness, desk.liisa, "/forget"))[-1]
    await press(harness, desk.liisa, "🗑️ Yes, erase everything", message=question)
    await _prune(harness)
    async with harness.db.session() as session:
        assert await tables_holding(session, MARK) == []
        # Her own name and her coach's name for her are left only in the notice that tells
        # the coach of the erasure (which holds no content).
        for name in ("Lisu", "Liisa"):
            assert await tables_holding(session, name) in ([], ["outbox_message"]), name
        naming = [
            r.purpose
            for r in (await session.exec(select(OutboxMessage))).all()
            if "Liisa" in json.dumps(r.payload, ensure_ascii=False)
        ]
        assert naming == ["client-erased"]
    desk.kaisa.unblock_bot()
    await harness.settle()
    assert [m.text for m in desk.kaisa.bot_messages()[seen_by_kaisa:]] == [
        "🗑️ Liisa <L&L> erased their data from the bot. Their check-ins, messages, goals and "
        "your notes about them are gone. I can no longer pass messages between you."
    ]


async def test_after_the_retention_times_transport_tables_keep_no_words(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    await _plant(harness, clock, desk)
    # A message and an edit held for a coach who blocked the bot, and never released.
    desk.kaisa.block_bot()
    sent = await desk.liisa.send_text(f"{MARK} held: are you there")
    await harness.settle()
    await desk.liisa.edit_text(sent, f"{MARK} held and edited: are you there at all")
    await harness.settle()
    async with harness.db.session() as session:
        assert {"inbox_update", "outbox_message"} <= set(await tables_holding(session, MARK))

    settings = harness.app.services.settings
    clock.advance(
        dt.timedelta(
            hours=settings.inbox_retention_hours, days=settings.outbox_retention_days, minutes=1
        )
    )
    await _prune(harness)
    async with harness.db.session() as session:
        holding = set(await tables_holding(session, MARK))
    assert not holding & TRANSPORT, holding
    assert holding <= KEPT_ON_PURPOSE, holding
