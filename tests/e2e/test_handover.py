"""Handovers and transfers, end to end: /handover routes a client's messages to the substitute
until the end of its last day and back to the responsible coach after it, with the clients told
both times; a handover can be listed and cancelled; /transfer and `companion coach transfer` move
clients for good.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.messages.handover_notices import queue_handover_notices
from bot.models.coaching import AssignmentKind, ClientName, CoachAssignment
from bot.models.transport import OutboxMessage
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.services import handover, people
from tests.support.desk_world import (
    Desk,
    add_client,
    add_coach,
    build,
    everything,
    labels,
    press,
    say,
    texts,
)

pytestmark = pytest.mark.asyncio

MON = "Monday, 2 March 2026"
SUN = "Sunday, 8 March 2026"


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def _assignments(harness: Harness, client_id: int) -> list[CoachAssignment]:
    async with harness.db.session() as session:
        rows = await session.exec(
            select(CoachAssignment)
            .where(CoachAssignment.client_id == client_id)
            .order_by(col(CoachAssignment.id))
        )
        return list(rows.all())


async def _handover(
    harness: Harness, desk: Desk, now: dt.datetime, first: dt.date, last: dt.date, **kw: object
) -> handover.Handover:
    """A handover from Kaisa to Matti made through the service, with its notices."""
    async with harness.db.session() as session:
        made = await handover.create_handover(
            session,
            coach_id=desk.ids["kaisa"],
            substitute_id=desk.ids["matti"],
            client_ids=kw.get("client_ids"),  # type: ignore[arg-type]
            first_day=first,
            last_day=last,
            now=now,
        )
        await queue_handover_notices(session, handover=made, now=now)
    harness.wake()
    await harness.settle()
    return made


async def test_a_handover_routes_messages_to_the_substitute_until_its_last_day_ends(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    kaisa, matti, liisa = desk.kaisa, desk.matti, desk.liisa
    [start] = await say(harness, kaisa, "/handover")
    assert start.text == "🔁 Hand clients to a substitute for a while.\n\nWhich clients?"
    assert labels(start) == ["👥 All my clients", "☑️ Choose clients", "❌ Cancel"]
    await press(harness, kaisa, "👥 All my clients")
    step = kaisa.bot_messages()[-1]
    assert step.text == "Who stands in for you?"
    assert labels(step) == ["🧑‍💼 Matti Laine", "🧑‍💼 Olli Koski", "❌ Cancel"]
    await press(harness, kaisa, "Matti")
    assert kaisa.bot_messages()[-1].text == "From which day?"
    await press(harness, kaisa, "📅 Today")
    assert (kaisa.bot_messages()[-1].text or "").startswith(f"From {MON}.")
    await press(harness, kaisa, "📅 1 week")
    summary = kaisa.bot_messages()[-1].text or ""
    assert "Clients: All your clients (2): Liisa <L&L>, Pekka" in summary
    assert "Substitute: Matti Laine" in summary
    assert f"From {MON} to {SUN}, both days included." in summary
    assert liisa.bot_messages() == [], "nobody is told before the coach confirms"
    await press(harness, kaisa, "✅ Confirm")
    assert (kaisa.bot_messages()[-1].text or "").startswith(
        f"✅ Done. From {MON} to {SUN}, Matti Laine answers for Liisa <L&L>, Pekka."
    )

    # The clients are told whom to contact and until when; the substitute whose work they cover.
    assert texts(liisa.bot_messages()) == (
        f"🔁 From {MON} to {SUN}, your coach is Matti instead of Kaisa. "
        "Write here as usual: your messages go to Matti."
    )
    assert everything(desk.pekka).startswith(f"🔁 From {MON} to {SUN}, your coach is Matti")
    assert texts(matti.bot_messages()) == (
        f"🔁 Kaisa Virtanen hands clients over to you from {MON} to {SUN}: Liisa <L&L>, Pekka. "
        "Their messages and flags come to you until then. /clients shows them."
    )
    assert everything(desk.cilla) == ""

    # Messages go to the substitute, up to the last minute of the last day.
    clock.set(dt.datetime(2026, 3, 8, 21, 59, tzinfo=dt.UTC))  # Sunday 23:59 in Helsinki
    kaisa_before = len(kaisa.bot_messages())
    confirm = await say(harness, liisa, "Hello? <3")
    assert texts(confirm) == "✓ Sent to Matti."
    assert texts(matti.bot_messages()[-2:]) == "💬 Message from Liisa <L&L>:\nHello? <3"
    assert len(kaisa.bot_messages()) == kaisa_before

    # The responsible coach still sees the client (read access), marked with who answers now.
    [listing] = await say(harness, kaisa, "/clients")
    assert "Liisa <L&L>\nNo check-ins yet.\n🔁 Matti Laine answers until 8 Mar 2026." in (
        listing.text or ""
    )
    await press(harness, kaisa, "👤 Liisa <L&L>")
    assert labels(kaisa.bot_messages()[-1]) == [
        "📝 Note",
        "🎯 Goals",
        "📊 Plan",
        "📈 Chart",
        "⬅️ Back to the list",
    ]
    [covering] = await say(harness, matti, "/clients")
    assert "Liisa <L&L>\nNo check-ins yet.\n💬 1 new message\n🔁 You stand in for Kaisa" in (
        covering.text or ""
    )
    await press(harness, matti, "👤 Liisa <L&L> 💬1")
    assert labels(matti.bot_messages()[-1]) == [
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

    # It ends by itself: the clients hear that their own coach is back, and so does the coach.
    liisa_before, matti_before = len(liisa.bot_messages()), len(matti.bot_messages())
    clock.set(dt.datetime(2026, 3, 8, 22, 1, tzinfo=dt.UTC))  # Monday 00:01 in Helsinki
    harness.wake()
    await harness.settle()
    assert texts(liisa.bot_messages()[liisa_before:]) == (
        "✅ Kaisa is your coach again. Write here as usual: your messages go to Kaisa."
    )
    assert kaisa.bot_messages()[-1].text == (
        "✅ Your handover to Matti Laine has ended. Your clients' messages come to you again."
    )
    await say(harness, liisa, "Back to Kaisa?")
    assert texts(kaisa.bot_messages()[-2:]) == "💬 Message from Liisa <L&L>:\nBack to Kaisa?"
    assert len(matti.bot_messages()) == matti_before
    [after] = await say(harness, matti, "/clients")
    assert after.text == "You have no clients yet. /invite makes an invite link."

    rows = await _assignments(harness, desk.ids["liisa"])
    substitute = [r for r in rows if r.kind == AssignmentKind.SUBSTITUTE]
    assert [(r.coach_id, r.valid_from, r.valid_until) for r in substitute] == [
        (
            desk.ids["matti"],
            dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC),  # Monday 00:00 in Helsinki
            dt.datetime(2026, 3, 8, 22, 0, tzinfo=dt.UTC),  # the end of Sunday
        )
    ]
    async with harness.db.session() as session:
        name = await people.name_as_seen_by(
            session, viewer_id=desk.ids["matti"], person_id=desk.ids["liisa"]
        )
    assert name == "Liisa <L&L>", "the substitute knows the client by the coach's name"


async def test_a_planned_handover_with_typed_days_is_listed_and_cancelled(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    kaisa, matti, liisa = desk.kaisa, desk.matti, desk.liisa
    await say(harness, kaisa, "/handover")
    await press(harness, kaisa, "☑️ Choose clients")
    assert kaisa.bot_messages()[-1].text == (
        "Tap the clients to choose them, then ▶️ Continue. Chosen: 0."
    )
    await press(harness, kaisa, "▶️ Continue")
    assert kaisa.callback_answers[-1].text == "Choose at least one client."
    await press(harness, kaisa, "⬜ Liisa <L&L>")
    picked = kaisa.bot_messages()[-1]
    assert labels(picked) == ["✅ Liisa <L&L>", "⬜ Pekka", "▶️ Continue", "❌ Cancel"]
    await press(harness, kaisa, "▶️ Continue")
    await press(harness, kaisa, "Matti")
    await press(harness, kaisa, "⌨️ Another day")
    assert kaisa.bot_messages()[-1].text == (
        "Write the first day, for example 15/1/2027. /cancel stops."
    )
    assert texts(await say(harness, kaisa, "1.3.2026")) == "The first day cannot be in the past."
    assert texts(await say(harness, kaisa, "soon")) == (
        "I could not read a day there. Write the day like 15/1/2027."
    )
    await say(harness, kaisa, "10.3.2026")
    await press(harness, kaisa, "⌨️ Another day")
    assert texts(await say(harness, kaisa, "5.3.")) == (
        "These dates do not work. The last day cannot be before the first day."
    )
    [summary] = await say(harness, kaisa, "12.3.")
    assert "From Tuesday, 10 March 2026 to Thursday, 12 March 2026" in (summary.text or "")
    await press(harness, kaisa, "✅ Confirm")

    assert liisa.bot_messages() == [], "a planned handover is announced when it begins"
    assert "from Tuesday, 10 March 2026 to Thursday, 12 March 2026: Liisa <L&L>." in (
        everything(matti)
    )
    async with harness.db.session() as session:
        waiting = (
            await session.exec(
                select(OutboxMessage).where(OutboxMessage.person_id == desk.ids["liisa"])
            )
        ).all()
    assert sorted((m.purpose, m.not_before) for m in waiting) == [
        ("handover-end", dt.datetime(2026, 3, 12, 22, 0, tzinfo=dt.UTC)),
        ("handover-start", dt.datetime(2026, 3, 9, 22, 0, tzinfo=dt.UTC)),
    ]

    [listing] = await say(harness, kaisa, "/handover")
    assert listing.text == (
        "🔁 Your handovers:\n"
        "• Matti Laine stands in for you from 10 Mar 2026 to 12 Mar 2026: Liisa <L&L>"
    )
    assert labels(listing) == ["🚫 Cancel: Matti Laine, 10 Mar 2026", "➕ New handover"]
    [theirs] = await say(harness, matti, "/handover")
    assert theirs.text == (
        "🔁 Your handovers:\n"
        "• You stand in for Kaisa Virtanen from 10 Mar 2026 to 12 Mar 2026: Liisa <L&L>"
    )
    assert labels(theirs) == ["➕ New handover"]
    # The substitute cannot cancel it with a made-up button.
    handover_id = (await _assignments(harness, desk.ids["liisa"]))[-1].id
    before = len(matti.bot_messages())
    await press(harness, matti, data=f"ho:x:{handover_id}")
    assert texts(matti.bot_messages()[before:]) == "This is not available to you."

    await press(harness, kaisa, "🚫 Cancel: Matti")
    assert (kaisa.bot_messages()[-1].text or "").startswith(
        "Cancel the handover to Matti Laine from Tuesday, 10 March 2026"
    )
    await press(harness, kaisa, "✅ Yes, cancel it")
    assert kaisa.bot_messages()[-1].text == (
        "✓ The handover is cancelled.\n\nYou have no handovers now."
    )
    assert matti.bot_messages()[-1].text == (
        "🚫 Kaisa Virtanen cancelled the handover from Tuesday, 10 March 2026 to "
        "Thursday, 12 March 2026. You no longer stand in for them."
    )
    # The days come and go: the client is never told of a handover that did not happen.
    clock.set(dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC))
    harness.wake()
    await harness.settle()
    clock.set(dt.datetime(2026, 3, 13, 8, 0, tzinfo=dt.UTC))
    harness.wake()
    await harness.settle()
    assert liisa.bot_messages() == []
    await say(harness, liisa, "Anyone?")
    assert texts(kaisa.bot_messages()[-2:]) == "💬 Message from Liisa <L&L>:\nAnyone?"


async def test_cancelling_a_running_handover_tells_the_clients_at_once(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    today = dt.date(2026, 3, 2)
    await _handover(harness, desk, clock.now(), today, today + dt.timedelta(days=13))
    assert len(desk.liisa.bot_messages()) == 1
    [listing] = await say(harness, desk.kaisa, "/handover")
    assert labels(listing) == ["🚫 Cancel: Matti Laine, 2 Mar 2026", "➕ New handover"]
    await press(harness, desk.kaisa, "🚫 Cancel")
    assert "The clients are told at once that you answer for them again." in (
        desk.kaisa.bot_messages()[-1].text or ""
    )
    await press(harness, desk.kaisa, "✅ Yes, cancel it")
    assert desk.liisa.bot_messages()[-1].text == (
        "✅ Kaisa is your coach again. Write here as usual: your messages go to Kaisa."
    )
    # Not twice, and not again when the planned end comes.
    clock.set(dt.datetime(2026, 3, 20, 8, 0, tzinfo=dt.UTC))
    harness.wake()
    await harness.settle()
    assert len(desk.liisa.bot_messages()) == 2
    assert "has ended" not in everything(desk.kaisa)
    # An old button of the cancelled handover does nothing more.
    await press(
        harness, desk.kaisa, data=f"ho:y:{(await _assignments(harness, desk.ids['liisa']))[-1].id}"
    )
    assert len(desk.liisa.bot_messages()) == 2


async def test_a_second_handover_on_the_same_days_is_refused(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    today = dt.date(2026, 3, 2)
    await _handover(
        harness,
        desk,
        clock.now(),
        today,
        today + dt.timedelta(days=6),
        client_ids=[desk.ids["liisa"]],
    )
    await say(harness, desk.kaisa, "/handover")
    await press(harness, desk.kaisa, "➕ New handover")
    await press(harness, desk.kaisa, "👥 All my clients")
    await press(harness, desk.kaisa, "Olli")
    await press(harness, desk.kaisa, "📅 Tomorrow")
    await press(harness, desk.kaisa, "📅 2 weeks")
    await press(harness, desk.kaisa, "✅ Confirm")
    assert desk.kaisa.bot_messages()[-1].text == (
        "Some of these clients are already handed over on some of these days. "
        "Cancel that handover first: /handover."
    )
    assert everything(desk.olli) == ""
    # A stale button of the finished flow does nothing.
    await press(harness, desk.kaisa, data="hf:5:ok", message=desk.kaisa.bot_messages()[-1])
    assert desk.kaisa.callback_answers[-1].text == "This button no longer works."


async def test_transfer_moves_a_client_for_good(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    kaisa, matti, liisa = desk.kaisa, desk.matti, desk.liisa
    # A running handover to Olli ends with the transfer: the new coach answers.
    today = dt.date(2026, 3, 2)
    async with harness.db.session() as session:
        made = await handover.create_handover(
            session,
            coach_id=desk.ids["kaisa"],
            substitute_id=desk.ids["olli"],
            client_ids=[desk.ids["liisa"]],
            first_day=today,
            last_day=today + dt.timedelta(days=6),
            now=clock.now(),
        )
        await queue_handover_notices(session, handover=made, now=clock.now())
    harness.wake()
    await harness.settle()
    clock.advance(dt.timedelta(hours=1))

    [start] = await say(harness, kaisa, "/transfer")
    assert start.text == "➡️ Transfer clients to another coach for good.\n\nWhich clients?"
    await press(harness, kaisa, "☑️ Choose clients")
    await press(harness, kaisa, "⬜ Liisa <L&L>")
    await press(harness, kaisa, "▶️ Continue")
    assert kaisa.bot_messages()[-1].text == "Who is their new coach?"
    await press(harness, kaisa, "Matti")
    assert kaisa.bot_messages()[-1].text == (
        "➡️ Please check:\n\nClients: Liisa <L&L>\nNew coach: Matti Laine\n\n"
        "This is for good: Matti Laine becomes their coach, and you no longer see them. "
        "The clients and Matti Laine are told."
    )
    await press(harness, kaisa, "✅ Confirm")
    assert kaisa.bot_messages()[-1].text == "✅ Done. Matti Laine is now the coach of Liisa <L&L>."
    assert liisa.bot_messages()[-1].text == (
        "➡️ From now on your job coach is Matti. Write here as usual: your messages go to Matti."
    )
    assert matti.bot_messages()[-1].text == (
        "➡️ Kaisa Virtanen transferred clients to you for good: Liisa <L&L>. "
        "You are now their coach. /clients shows them."
    )

    [mine] = await say(harness, kaisa, "/clients")
    assert labels(mine) == ["👤 Pekka"]
    [theirs] = await say(harness, matti, "/clients")
    assert labels(theirs) == ["👤 Liisa <L&L>"]
    before = len(kaisa.bot_messages())
    await press(harness, kaisa, data=f"cl:c:{desk.ids['liisa']}:0")
    assert texts(kaisa.bot_messages()[before:]) == "This is not available to you."

    olli_before = len(desk.olli.bot_messages())
    await say(harness, liisa, "Hi Matti")
    assert texts(matti.bot_messages()[-2:]) == "💬 Message from Liisa <L&L>:\nHi Matti"
    assert len(desk.olli.bot_messages()) == olli_before
    # The handover's end notice never comes: Matti is the coach now.
    clock.set(dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC))
    harness.wake()
    await harness.settle()
    assert "your coach again" not in everything(liisa)

    rows = await _assignments(harness, desk.ids["liisa"])
    responsible = [
        (r.coach_id, r.valid_until is None) for r in rows if r.kind == AssignmentKind.RESPONSIBLE
    ]
    assert responsible == [(desk.ids["kaisa"], False), (desk.ids["matti"], True)]


def _companion(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, "DATABASE_URL": database_url},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
async def test_an_admin_transfers_clients_with_the_cli(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    # The CLI runs on the real clock: the people were set up an hour ago.
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    async with db.session() as session:
        kaisa = await add_coach(session, telegram_user_id=5001, name="Kaisa Virtanen", now=now)
        matti = await add_coach(session, telegram_user_id=5002, name="Matti Laine", now=now)
        other = await people.add_coach(
            session,
            telegram_user_id=5003,
            name="Outi Muu",
            organisation_name="Another Workshop",
            now=now,
            timezone="Europe/Helsinki",
            locale="en",
        )
        assert other.id is not None
        liisa = await add_client(
            session,
            coach_id=kaisa,
            telegram_user_id=5011,
            own_name="Lisu",
            given_name="Liisa",
            now=now,
        )
        pekka = await add_client(
            session,
            coach_id=kaisa,
            telegram_user_id=5012,
            own_name="Bert",
            given_name="Pekka",
            now=now,
        )

    unknown = _companion(
        "coach",
        "transfer",
        "--from",
        "5001",
        "--to",
        "5002",
        "--client-name",
        "Nobody",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert unknown.returncode == 1
    assert "no client of Kaisa Virtanen is called Nobody" in unknown.stderr
    elsewhere = _companion(
        "coach",
        "transfer",
        "--from",
        "5001",
        "--to",
        "5003",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert elsewhere.returncode == 1
    assert "cannot transfer" in elsewhere.stderr

    one = _companion(
        "coach",
        "transfer",
        "--from",
        "5001",
        "--to",
        "5002",
        "--client-name",
        "pekka",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert one.returncode == 0, one.stderr
    assert f"moved Pekka (person {pekka}) from Kaisa Virtanen to Matti Laine" in one.stdout
    assert "1 client(s) transferred" in one.stdout
    rest = _companion(
        "coach",
        "transfer",
        "--from",
        "5001",
        "--to",
        "5002",
        database_url=database_url,
        cwd=tmp_path,
    )
    assert rest.returncode == 0, rest.stderr
    assert f"moved Liisa (person {liisa}) from Kaisa Virtanen to Matti Laine" in rest.stdout

    async with db.session() as session:
        later = dt.datetime.now(dt.UTC)
        assert await handover.own_clients(session, coach_id=kaisa, now=later) == []
        assert await handover.own_clients(session, coach_id=matti, now=later) == sorted(
            [liisa, pekka]
        )
        names = (
            await session.exec(select(ClientName.name).where(ClientName.coach_id == matti))
        ).all()
        told = (
            await session.exec(
                select(OutboxMessage.purpose, OutboxMessage.person_id).order_by(
                    col(OutboxMessage.id)
                )
            )
        ).all()
    assert sorted(names) == ["Liisa", "Pekka"]
    assert told == [
        ("transfer-client", pekka),
        ("transfer-coach", matti),
        ("transfer-client", liisa),
        ("transfer-coach", matti),
    ]
