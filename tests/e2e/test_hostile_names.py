"""Hostile names, end to end: names with markup-like text (`Liisa <L&L>`, `<a href="...">`,
`&amp;`, `<b>`), right-to-left marks and overrides and zero-width characters go through every
message, caption, button label, chart title and PDF the bot makes where a name appears, and the
person sees each name exactly as it was written; no call is refused by the sandbox (which parses
the HTML as Telegram does) and nothing fails.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.devtools.harness import Harness
from bot.models.people import Organisation
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import schedules
from tests.support.actors import press, say
from tests.support.hostile_world import (
    CONTACT,
    EMPLOYER,
    GOAL,
    JOB,
    KAISA,
    LIISA,
    NEWCOMER,
    NEWCOMER_TELEGRAM,
    ORGANISATION,
    PEKKA,
    PROPOSAL,
    World,
    build,
    check_everything,
    misshown,
    pdf_text,
    png_title,
    visible,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def world(harness: Harness, clock: ManualClock) -> World:
    return await build(harness, clock.now())


async def _tap(harness: Harness, user: SandboxUser, label: str) -> None:
    """Press the newest button with this label, in whichever message it is."""
    for message in reversed(user.bot_messages()):
        if label in message.button_labels:
            await press(harness, user, label, message=message)
            return
    raise LookupError(f"no button {label!r}")


def _ok(harness: Harness, caplog: pytest.LogCaptureFixture, *expected: str) -> None:
    seen = check_everything(harness, caplog)
    assert seen.problems == [], "\n".join(seen.problems)
    print("SEEN", seen.messages, sorted(seen.anchors))
    assert set(expected) <= seen.anchors, sorted(seen.anchors)


async def test_names_on_the_line_the_desk_and_in_notes(
    harness: Harness, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    kaisa, liisa, pekka = world.kaisa, world.liisa, world.pekka
    sent = await liisa.send_text("Hello <coach> & hi")
    await harness.settle()
    await liisa.edit_text(sent, "Hello again <coach>")
    await harness.settle()
    await say(harness, pekka, "Hi from me")
    copy = kaisa.bot_messages()[-1]
    await kaisa.send_text("Hi <b>you</b>", reply_to=copy)
    await harness.settle()
    await press(harness, kaisa, "↩️ Reply", message=kaisa.bot_messages()[0])
    await say(harness, kaisa, "An answer & more")
    await say(harness, kaisa, "A message for nobody in particular")
    await press(harness, kaisa, f"👤 {LIISA}")
    await say(harness, kaisa, "/inbox")
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {LIISA}")
    await press(harness, kaisa, "📝 Note")
    await say(harness, kaisa, "A note <with> & markup")
    await say(harness, kaisa, "/note")
    await press(harness, kaisa, f"👤 {PEKKA}")
    await say(harness, kaisa, "Another note")
    await say(harness, liisa, "/notes")
    await say(harness, liisa, "/contact")
    await say(harness, liisa, "/help")
    await say(harness, kaisa, "/help")
    # Liisa blocks the bot: Kaisa is told, by name.
    liisa.block_bot()
    await harness.settle()
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {LIISA}")
    await say(harness, kaisa, "Are you there?")
    _ok(harness, caplog, "Liisa", "Pekka", "Kaisa")
    assert KAISA


async def test_names_in_invites_and_onboarding(
    harness: Harness, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    kaisa = world.kaisa
    [answer] = await say(harness, kaisa, f"/invite {NEWCOMER}")
    token = re.search(r"start=([A-Za-z0-9_-]+)", answer.text or "")
    assert token is not None
    await say(harness, kaisa, "/invites")
    newcomer = harness.sandbox.add_user(first_name=NEWCOMER_TELEGRAM, language_code="en")
    await newcomer.send_command("start", token.group(1))
    await harness.settle()
    for label in ("🇬🇧 English", "▶️ Continue", "👍 I understand", "✅ Yes, I agree"):
        await press(harness, newcomer, label)
    await press(harness, newcomer, "⏰ Another time")
    await say(harness, newcomer, "8.30")
    await say(harness, newcomer, "/help")
    await say(harness, kaisa, "/clients")
    _ok(harness, caplog, "Kaisa", "Helmi", "Milla", "Maija")


async def test_names_in_goals_the_plan_check_ins_flags_and_pictures(
    harness: Harness, clock: ManualClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    kaisa, liisa, matti, aino = world.kaisa, world.liisa, world.matti, world.aino
    async with harness.db.session() as session:
        await schedules.set_single_time(
            session,
            client_id=world.ids["liisa"],
            local_time=dt.time(9, 0),
            timezone="Europe/Helsinki",
            now=clock.now(),
            weekdays="1234567",
        )
        organisation = await session.get(Organisation, world.organisation_id)
        assert organisation is not None
        organisation.backup_person_id = world.ids["matti"]
    # The client's own goal, a step, the list; the coach's proposal, accepted.
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "🏠 Everyday life")
    await press(harness, liisa, "✏️ In my own words")
    await say(harness, liisa, GOAL)
    await press(harness, liisa, "➖ No date")
    await press(harness, liisa, "✏️ Add a small step")
    await say(harness, liisa, "A step <one> & two")
    await say(harness, liisa, "/goals")
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {LIISA}")
    await press(harness, kaisa, "🎯 Goals")
    await press(harness, kaisa, "➕ Propose a goal")
    await press(harness, kaisa, "💼 Finding work")
    await say(harness, kaisa, PROPOSAL)
    await press(harness, liisa, "✅ Yes, I want it")
    # The plan's emphasis changes: the client is told.
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {LIISA}")
    await press(harness, kaisa, "📊 Plan")
    await press(harness, kaisa, "💼 Finding work ☆☆☆☆")
    await press(harness, kaisa, "★☆☆☆ slight")
    await press(harness, kaisa, "Agreed together in a meeting")
    await say(harness, liisa, "/plan")
    # A check-in, and a weekly goal question with progress told to the coach.
    clock.set(clock.now() + dt.timedelta(days=7))
    await harness.tick()
    for label in ("😐 So-so", "✅ Yes", "🙂 Good", "🛠️ Work or workshop"):
        await _tap(harness, liisa, label)
    await say(harness, liisa, "Good day <3")
    await _tap(harness, liisa, "🏆 Reached!")
    # Pictures: the client's own, the coach's chart of a client, the caseload.
    await say(harness, liisa, "/progress")
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {LIISA}")
    await press(harness, kaisa, "📈 Chart")
    await say(harness, kaisa, "/caseload")
    titles = [
        png_title(harness, m) for u in (liisa, kaisa) for m in u.bot_messages() if m.kind == "photo"
    ]
    assert len(titles) == 3
    assert any(LIISA in title for title in titles)
    assert all(misshown(title, isolated=False) == [] for title in titles)
    # A request for contact, and words of crisis nobody takes: the backup, then the admin.
    await say(harness, liisa, "/contact")
    await say(harness, liisa, "I want to kill myself")
    await harness.tick()
    clock.set(clock.now() + dt.timedelta(minutes=31))
    await harness.tick()
    clock.set(clock.now() + dt.timedelta(minutes=31))
    await harness.tick()
    assert any("🆘" in (m.text or "") for m in matti.bot_messages())
    assert any("🆘" in (m.text or "") for m in aino.bot_messages())
    _ok(harness, caplog, "Kaisa", "Liisa", "Walk", "Apply")


async def test_names_at_work_placement_consent_employer_and_meetings(
    harness: Harness, clock: ManualClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    kaisa, pekka = world.kaisa, world.pekka
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {PEKKA}")
    await press(harness, kaisa, "💼 Placement")
    await say(harness, kaisa, EMPLOYER)
    await say(harness, kaisa, CONTACT)
    await say(harness, kaisa, JOB)
    await press(harness, kaisa, "📅 Next Monday")
    await press(harness, kaisa, "30")
    await press(harness, kaisa, "💶 Wage-subsidised work")
    await _tap(harness, pekka, "✅ Yes, I allow it")
    await _tap(harness, kaisa, "🌱 Raise coping at work to moderate")
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {PEKKA}")
    before = len(kaisa.bot_messages())
    await press(harness, kaisa, "🔗 Employer link")
    link = re.search(
        r"start=([A-Za-z0-9_-]+)", "\n".join(m.text or "" for m in kaisa.bot_messages()[before:])
    )
    assert link is not None
    boss = harness.sandbox.add_user(first_name="<b>Sari</b>", last_name="Salo", language_code="en")
    await boss.send_command("start", link.group(1))
    await harness.settle()
    await say(harness, boss, "/help")
    await say(harness, boss, "/ask")
    await say(harness, boss, "How is <the> first week & what next?")
    await _tap(harness, kaisa, "↩️ Reply")
    await say(harness, kaisa, "Fine & <good>")
    [times] = await say(harness, boss, "/meeting")
    await press(harness, boss, times.button_labels[0], message=times)
    await _tap(harness, kaisa, "✅ Confirm")
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {PEKKA}")
    await press(harness, kaisa, "📅 Meeting")
    await press(harness, kaisa, kaisa.bot_messages()[-1].button_labels[0])
    await say(harness, pekka, "/consents")
    await say(harness, boss, "/mydata")
    # The day before the meeting everyone is reminded.
    clock.set(clock.now() + dt.timedelta(days=1))
    await harness.tick()
    await _tap(harness, pekka, f"🚫 Take back: {EMPLOYER}")
    _ok(harness, caplog, "Kaisa", "Pekka", "Bert", "Puutarha", "Sari", "Gardener")


async def test_names_in_handovers_pauses_and_the_closing_summary(
    harness: Harness, clock: ManualClock, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    kaisa, liisa, pekka, matti = world.kaisa, world.liisa, world.pekka, world.matti
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "🏠 Everyday life")
    await press(harness, liisa, "✏️ In my own words")
    await say(harness, liisa, GOAL)
    await press(harness, liisa, "➖ No date")
    # A week's handover of Liisa to Matti: everyone is told; Matti sees her by her own name.
    await say(harness, kaisa, "/handover")
    await press(harness, kaisa, "☑️ Choose clients")
    await press(harness, kaisa, "▶️ Continue")
    await press(harness, kaisa, f"⬜ {LIISA}")
    await press(harness, kaisa, "▶️ Continue")
    await _tap(harness, kaisa, _first_label(kaisa, "Matti"))
    await press(harness, kaisa, "📅 Today")
    await press(harness, kaisa, "📅 1 week")
    await press(harness, kaisa, "✅ Confirm")
    await say(harness, kaisa, "/handover")
    await say(harness, liisa, "Who reads this now?")
    await say(harness, matti, "/clients")
    await say(harness, matti, "/handover")
    # A pause set by the coach, told to the client; the client's own schedule.
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {PEKKA}")
    await press(harness, kaisa, "⏸️ Pause")
    await press(harness, kaisa, "📍 Today")
    await press(harness, kaisa, "🗓️ Two weeks")
    await press(harness, kaisa, "🏥 Hospital")
    await say(harness, pekka, "/schedule")
    await say(harness, pekka, "/pause")
    # Pekka moves to Matti for good.
    await say(harness, kaisa, "/transfer")
    await press(harness, kaisa, "☑️ Choose clients")
    await press(harness, kaisa, "▶️ Continue")
    await press(harness, kaisa, f"⬜ {PEKKA}")
    await press(harness, kaisa, "▶️ Continue")
    await _tap(harness, kaisa, _first_label(kaisa, "Matti"))
    await press(harness, kaisa, "✅ Confirm")
    await say(harness, pekka, "Hello new coach")
    # The closing of Liisa's coaching, its summary approved, the PDF downloaded.
    clock.set(clock.now() + dt.timedelta(days=10))
    await harness.tick()
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, f"👤 {LIISA}")
    await press(harness, kaisa, "🏁 End the coaching")
    await press(harness, kaisa, "🎓 Studies")
    await press(harness, kaisa, "✅ Yes, end the coaching")
    await _tap(harness, kaisa, "✍️ Write my sentence")
    await say(harness, kaisa, f"{LIISA} did well & more")
    await _tap(harness, kaisa, f"📨 Send to {LIISA}")
    await _tap(harness, liisa, "👍 Yes, it is right")
    await _tap(harness, kaisa, "📄 Download the summary")
    await _tap(harness, kaisa, "📄 English")
    [document] = [m for m in kaisa.bot_messages() if m.kind == "document"]
    text = pdf_text(harness, document)
    for name in (LIISA, visible(KAISA), visible(ORGANISATION), visible(GOAL)):
        assert visible(name) in text, (name, text)
    await say(harness, liisa, "Thank you <3")
    _ok(harness, caplog, "Kaisa", "Liisa", "Pekka", "Matti", "Walk")


def _first_label(user: SandboxUser, anchor: str) -> str:
    for message in reversed(user.bot_messages()):
        for label in message.button_labels:
            if anchor in label:
                return label
    raise LookupError(anchor)
