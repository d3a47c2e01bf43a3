"""The coach's desk, end to end: /clients shows exactly the coach's clients with their last
check-in, open flags and unread messages; a card opens, is audited and marks messages read; a
forged button naming another coach's client is refused; notes are read by their client alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.audit import AuditEvent
from bot.models.checkins import Checkin, CheckinSchedule, CheckinStatus, GotUp, Sleep
from bot.models.coaching import CoachNote, GoalArea
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.goals import Goal, GoalStatus
from bot.models.messaging import RelayedMessage
from bot.runtime.clock import ManualClock
from tests.support.desk_world import Desk, add_client, build, everything, labels, press, say, texts

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def _seed_rhythm(harness: Harness, desk: Desk, now: dt.datetime) -> None:
    """Pekka answered a check-in yesterday and has an open flag; Liisa has a goal."""
    async with harness.db.session() as session:
        yesterday = now - dt.timedelta(days=1)
        session.add(
            Checkin(
                client_id=desk.ids["pekka"],
                due_at=yesterday,
                window_ends_at=yesterday + dt.timedelta(hours=10),
                status=CheckinStatus.ANSWERED,
                sent_at=yesterday,
                answered_at=yesterday + dt.timedelta(minutes=5),
                mood=4,
                sleep=Sleep.WELL,
                got_up=GotUp.YES,
            )
        )
        session.add(
            CheckinSchedule(
                client_id=desk.ids["pekka"], local_time=dt.time(9, 0), timezone="Europe/Helsinki"
            )
        )
        session.add(Flag(client_id=desk.ids["pekka"], kind=FlagKind.LOW_MOOD, raised_at=now))
        session.add(
            Flag(
                client_id=desk.ids["pekka"],
                kind=FlagKind.MISSED_CHECKINS,
                status=FlagStatus.DONE,
                raised_at=now,
            )
        )
        session.add(
            Goal(
                client_id=desk.ids["liisa"],
                area=GoalArea.EVERYDAY_LIFE,
                title="Wake up at 8 <every> day",
                status=GoalStatus.AGREED,
            )
        )


async def test_clients_lists_exactly_the_coachs_clients(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    await _seed_rhythm(harness, desk, clock.now())
    await say(harness, desk.liisa, "Hi Kaisa")
    await say(harness, desk.liisa, "Me again & again")

    [listing] = await say(harness, desk.kaisa, "/clients")
    assert listing.text == (
        "👥 You have 2 clients.\n\n"
        "Liisa <L&L>\nNo check-ins yet.\n💬 2 new messages\n\n"
        "Pekka\nLast check-in: 1 Mar 2026\n🚩 1 open flag\n\n"
        "Choose a client to open their card."
    )
    assert labels(listing) == ["👤 Liisa <L&L> 💬2", "👤 Pekka 🚩"]

    [other] = await say(harness, desk.olli, "/clients")
    assert "Cilla" in (other.text or "")
    assert "Liisa" not in (other.text or "") and "Pekka" not in (other.text or "")
    assert labels(other) == ["👤 Cilla"]
    [empty] = await say(harness, desk.matti, "/clients")
    assert empty.text == "You have no clients yet. /invite makes an invite link."

    # A client has no desk.
    [refused] = await say(harness, desk.liisa, "/clients")
    assert refused.text == "This is not available to you."


async def test_the_card_shows_the_client_is_audited_and_marks_messages_read(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    await _seed_rhythm(harness, desk, clock.now())
    await say(harness, desk.liisa, "Hi Kaisa")
    await say(harness, desk.liisa, "Me again")
    [listing] = await say(harness, desk.kaisa, "/clients")

    await press(harness, desk.kaisa, "👤 Liisa <L&L> 💬2")
    card = desk.kaisa.bot_messages()[-1]
    assert card.message_id == listing.message_id, "the card replaces the list"
    assert card.text == (
        "👤 Liisa <L&L>\n"
        "Status: in coaching\n"
        "Agreement accepted on 2 Mar 2026.\n"
        "No check-in time yet.\n\n"
        "📋 No check-ins yet.\n\n"
        "🎯 Goals:\n• Wake up at 8 <every> day (everyday life)\n\n"
        "📝 No notes yet.\n\n"
        "💬 2 new messages. /inbox shows them."
    )
    assert labels(card) == [
        "📝 Note",
        "💬 Write",
        "⏰ Check-in times",
        "⏸️ Pause",
        "🎯 Goals",
        "📊 Plan",
        "📈 Chart",
        "💼 Placement",
        "🏁 End the coaching",
        "⬅️ Back to the list",
    ]

    async with harness.db.session() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.event == "client.card_read"))
        ).all()
        unread = (
            await session.exec(
                select(RelayedMessage).where(
                    RelayedMessage.client_id == desk.ids["liisa"],
                    col(RelayedMessage.read_at).is_(None),
                )
            )
        ).all()
    assert [(e.actor_id, e.subject_id, e.details) for e in events] == [
        (desk.ids["kaisa"], desk.ids["liisa"], {})
    ]
    assert unread == []

    await press(harness, desk.kaisa, "⬅️ Back to the list")
    back = desk.kaisa.bot_messages()[-1]
    assert "new message" not in (back.text or "")
    assert labels(back) == ["👤 Liisa <L&L>", "👤 Pekka 🚩"]

    await press(harness, desk.kaisa, "👤 Pekka 🚩")
    pekka = desk.kaisa.bot_messages()[-1].text or ""
    assert "Check-in time: 09:00" in pekka
    assert "📋 Last check-ins:\n• 1 Mar 2026: mood 4/5, slept well, got up as planned" in pekka
    assert "🎯 No goals yet." in pekka
    assert "💬 No new messages." in pekka


async def test_another_coachs_client_cannot_be_opened_with_a_forged_button(
    harness: Harness, desk: Desk
) -> None:
    await say(harness, desk.kaisa, "/clients")
    cilla = desk.ids["cilla"]
    for forged in (f"cl:c:{cilla}:0", f"nt:n:{cilla}", f"cl:w:{cilla}", "cl:c:999999:0"):
        before = len(desk.kaisa.bot_messages())
        await press(harness, desk.kaisa, data=forged)
        new = desk.kaisa.bot_messages()[before:]
        assert texts(new) == "This is not available to you.", forged
    seen = everything(desk.kaisa)
    assert "Cilla" not in seen and "Cecilia" not in seen
    assert all(answer.text is None for answer in desk.kaisa.callback_answers[-4:])
    async with harness.db.session() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.event == "client.card_read"))
        ).all()
        flow = (await session.exec(select(CoachNote))).all()
    assert events == [] and flow == []
    # A button that means nothing is answered, not obeyed.
    await press(harness, desk.kaisa, data="cl:zz")
    assert desk.kaisa.callback_answers[-1].text == "This button no longer works."


async def test_the_list_is_paged_past_eight_clients(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    async with harness.db.session() as session:
        for n in range(10):
            await add_client(
                session,
                coach_id=desk.ids["matti"],
                telegram_user_id=8_800_000 + n,
                own_name=f"Person {n}",
                given_name=f"Client {n:02d}",
                now=clock.now(),
            )
    [first] = await say(harness, desk.matti, "/clients")
    assert (first.text or "").startswith("👥 You have 10 clients. Page 1 of 2.")
    assert labels(first) == [f"👤 Client {n:02d}" for n in range(8)] + ["Next ▶️"]
    await press(harness, desk.matti, "Next ▶️")
    second = desk.matti.bot_messages()[-1]
    assert second.message_id == first.message_id
    assert (second.text or "").startswith("👥 You have 10 clients. Page 2 of 2.")
    assert labels(second) == ["👤 Client 08", "👤 Client 09", "◀️ Previous"]
    # A card opened from page 2 goes back to page 2.
    await press(harness, desk.matti, "👤 Client 09")
    await press(harness, desk.matti, "⬅️ Back to the list")
    assert labels(desk.matti.bot_messages()[-1])[-1] == "◀️ Previous"


async def test_a_note_is_read_by_its_client_and_nobody_else(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    [picker] = await say(harness, desk.kaisa, "/note")
    assert picker.text == "📝 Whom is the note about?"
    assert labels(picker) == ["👤 Liisa <L&L>", "👤 Pekka"]
    await press(harness, desk.kaisa, "👤 Liisa <L&L>")
    prompt = desk.kaisa.bot_messages()[-1].text or ""
    assert "Remember: Liisa <L&L> can read this note with /notes." in prompt

    too_long = "x" * 2001
    [refused] = await say(harness, desk.kaisa, too_long)
    assert refused.text == (
        "This note has 2001 characters. A note can have at most 2000. "
        "Please write it shorter and send it again."
    )
    first_note = "Liisa did <b>great</b> at the interview & was on time."
    saved = await say(harness, desk.kaisa, first_note)
    assert texts(saved) == "✓ Note saved. Liisa <L&L> can read it with /notes."

    # The next day, a second note from the card's button.
    clock.advance(dt.timedelta(days=1))
    await say(harness, desk.kaisa, "/clients")
    await press(harness, desk.kaisa, "👤 Liisa <L&L>")
    card = desk.kaisa.bot_messages()[-1].text or ""
    assert "📝 Latest notes (the client can read them):\n• 2 Mar 2026, Kaisa: Liisa did" in card
    await press(harness, desk.kaisa, "📝 Note")
    await say(harness, desk.kaisa, "Second note.")

    [read] = await say(harness, desk.liisa, "/notes")
    assert read.text == (
        "📝 Your coach's notes about you, newest first:\n\n"
        "🗓 3 Mar 2026, Kaisa:\nSecond note.\n\n"
        f"🗓 2 Mar 2026, Kaisa:\n{first_note}"
    )
    [none] = await say(harness, desk.pekka, "/notes")
    assert none.text == "Your coach has not written any notes about you yet."
    [none_either] = await say(harness, desk.cilla, "/notes")
    assert "Liisa" not in (none_either.text or "")
    [hint] = await say(harness, desk.kaisa, "/notes")
    assert (hint.text or "").startswith("/notes is for clients.")

    async with harness.db.session() as session:
        stored = (await session.exec(select(CoachNote).order_by(col(CoachNote.id)))).all()
    assert [(n.client_id, n.coach_id, n.text) for n in stored] == [
        (desk.ids["liisa"], desk.ids["kaisa"], first_note),
        (desk.ids["liisa"], desk.ids["kaisa"], "Second note."),
    ]


async def test_write_from_the_card_reaches_the_client(harness: Harness, desk: Desk) -> None:
    await say(harness, desk.kaisa, "/clients")
    await press(harness, desk.kaisa, "👤 Pekka")
    await press(harness, desk.kaisa, "💬 Write")
    assert desk.kaisa.bot_messages()[-1].text == "Write your message to Pekka. /cancel stops."
    sent = await say(harness, desk.kaisa, "See you at 10 <tomorrow>")
    assert texts(sent) == "✓ Sent to Pekka."
    assert desk.pekka.bot_messages()[-1].text == "💬 Kaisa:\nSee you at 10 <tomorrow>"
