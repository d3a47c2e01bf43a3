"""A client's own data, end to end: /mydata sends everything stored about them as a JSON
document (and nobody else's), /forget erases it after a plain-words yes, tells the coach, and
leaves the person a stranger.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.devtools.harness import Harness
from bot.models import (
    AuditEvent,
    Checkin,
    CheckinPause,
    CheckinSchedule,
    CheckinStatus,
    ClosingSummary,
    Coaching,
    CoachNote,
    Consent,
    ConsentSubject,
    DisclosedItem,
    Disclosure,
    Employer,
    Flag,
    FlagKind,
    FollowUpAudience,
    FollowUpContact,
    FollowUpPlan,
    Goal,
    GoalArea,
    GoalEvent,
    GoalEventKind,
    GoalStatus,
    GoalStep,
    Meeting,
    OutboxMessage,
    Person,
    Placement,
    PlacementKind,
    PlanEmphasis,
    Preference,
    RelayedMessage,
    RelayStatus,
    Sleep,
)
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from tests.support.actors import say, texts
from tests.support.traces import assert_no_trace, tables_holding
from tests.support.world import A_ID, B_ID, X_ID, World, build_world

pytestmark = pytest.mark.asyncio

SECRET = "Lisu-secret"  # every piece of A's content carries it
OTHERS = ["Bert-secret", "EMPLOYER-ONLY", str(X_ID), str(B_ID), "Virtanen"]


async def seed_life(session: AsyncSession, world: World, now: dt.datetime) -> None:
    """A few weeks of client A's coaching, and a little of client B's."""
    a, b, x = world.ids["a"], world.ids["b"], world.ids["x"]
    coaching = (await session.exec(select(Coaching).where(Coaching.client_id == a))).one()
    employer = Employer(organisation_id=world.organisation_id, name="Firma Oy", created_at=now)
    session.add(employer)
    await session.flush()
    schedule = CheckinSchedule(
        client_id=a,
        local_time=dt.time(8, 30),
        # Not due while the test runs: the dispatcher would add a check-in of its own.
        next_due_at=now + dt.timedelta(days=1),
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    await session.flush()
    session.add_all(
        [
            CheckinPause(
                client_id=a,
                starts_on=dt.date(2026, 4, 1),
                ends_on=dt.date(2026, 4, 3),
                created_by_id=a,
                created_at=now,
            ),
            Checkin(
                client_id=a,
                schedule_id=schedule.id,
                due_at=now - dt.timedelta(days=1),
                window_ends_at=now - dt.timedelta(hours=10),
                status=CheckinStatus.ANSWERED,
                answered_at=now - dt.timedelta(days=1),
                sleep=Sleep.BADLY,
                mood=2,
                note=f"{SECRET} checkin: slept on the sofa",
                extra_answers={"task": f"{SECRET} task: fix the bike"},
                questions=["sleep", "mood", "note"],
                created_at=now,
                updated_at=now,
            ),
            Checkin(
                client_id=b,
                due_at=now - dt.timedelta(days=1),
                window_ends_at=now - dt.timedelta(hours=10),
                note="Bert-secret checkin: headache",
                created_at=now,
                updated_at=now,
            ),
            PlanEmphasis(
                coaching_id=coaching.id or 0,
                client_id=a,
                area=GoalArea.EVERYDAY_LIFE,
                level=3,
                reason=f"{SECRET} emphasis: more rhythm",
                set_by_id=x,
                agreed_with_client=True,
                created_at=now,
            ),
            ClosingSummary(
                coaching_id=coaching.id or 0,
                content={"summary": f"{SECRET} summary"},
                created_at=now,
            ),
            CoachNote(client_id=a, coach_id=x, text=f"{SECRET} note: did <b>great</b> & more"),
            CoachNote(client_id=b, coach_id=x, text="Bert-secret note: private to Bert"),
            Consent(
                client_id=a,
                subject=ConsentSubject.EMPLOYER_LINK,
                employer_id=employer.id,
                text_version="c-1",
                given_at=now,
            ),
            Flag(client_id=a, kind=FlagKind.LOW_MOOD, details={"checkins": [1]}, raised_at=now),
            Preference(person_id=a, encouragement=False, updated_at=now),
            FollowUpPlan(client_id=a, updated_at=now),
        ]
    )
    goal = Goal(
        client_id=a,
        coaching_id=coaching.id,
        area=GoalArea.COMPETENCE,
        title=f"{SECRET} goal: a hot-work card",
        status=GoalStatus.IN_PROGRESS,
        proposed_by_id=a,
        created_at=now,
        updated_at=now,
    )
    placement = Placement(
        client_id=a,
        employer_id=employer.id or 0,
        job_title=f"{SECRET} job: warehouse assistant",
        start_date=dt.date(2026, 5, 4),
        kind=PlacementKind.WAGE_SUBSIDISED,
        created_at=now,
        updated_at=now,
    )
    session.add_all([goal, placement])
    await session.flush()
    step = GoalStep(goal_id=goal.id or 0, title=f"{SECRET} step: book the course")
    session.add(step)
    await session.flush()
    session.add_all(
        [
            GoalEvent(goal_id=goal.id or 0, kind=GoalEventKind.PROPOSED, actor_id=a),
            GoalEvent(
                goal_id=goal.id or 0,
                kind=GoalEventKind.STEP_DONE,
                actor_id=x,
                step_id=step.id,
                note=f"{SECRET} event: booked!",
            ),
            Disclosure(
                client_id=a,
                employer_id=employer.id,
                what=DisclosedItem.FIRST_NAME,
                details={"note": "ids only"},
            ),
            Meeting(
                client_id=a,
                placement_id=placement.id,
                employer_id=employer.id,
                starts_at=now + dt.timedelta(days=70),
                place=f"{SECRET} place: the lobby",
            ),
            FollowUpContact(
                client_id=a,
                placement_id=placement.id,
                audience=FollowUpAudience.EMPLOYEE,
                due_at=now + dt.timedelta(days=80),
                answers={"how": f"{SECRET} pulse: fine"},
            ),
            FollowUpContact(
                client_id=a,
                placement_id=placement.id,
                audience=FollowUpAudience.EMPLOYER,
                due_at=now + dt.timedelta(days=80),
                answers={"how": "EMPLOYER-ONLY answer"},
            ),
        ]
    )


async def talk(harness: Harness, world: World) -> None:
    """Clients A and B write to their coach Kaisa; she answers both."""
    await say(harness, world.a, f"{SECRET} msg: the interview went well <3 & thanks")
    await world.a.send_photo(caption=f"{SECRET} photo: my new badge")
    await say(harness, world.b, "Bert-secret msg: please keep this between us")
    x_messages = world.x.bot_messages()
    copy_a = next(m for m in x_messages if m.visible_text.startswith(f"{SECRET} msg"))
    copy_b = next(m for m in x_messages if m.visible_text.startswith("Bert-secret"))
    await world.x.send_text(f"{SECRET} reply: great news!", reply_to=copy_a)
    await world.x.send_text("Bert-secret reply: of course", reply_to=copy_b)
    await harness.settle()


async def _document(harness: Harness, user: SandboxUser) -> tuple[SandboxMessage, bytes]:
    await user.send_command("mydata")
    await harness.settle()
    sent = user.last_bot_message()
    assert sent is not None and sent.kind == "document", texts(user.bot_messages()[-2:])
    assert sent.file_id is not None
    stored = harness.sandbox.state.files.get(sent.file_id)
    assert stored is not None
    return sent, stored.data


def _iso_moments(value: Any) -> list[str]:
    """Every value under a key that names a moment, to check they are ISO 8601."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and key in {"date", "due", "raised", "given", "exported_at"}:
                found.append(item)
            found.extend(_iso_moments(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_iso_moments(item))
    return found


async def test_mydata_sends_everything_about_the_client_and_nothing_else(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    async with harness.db.session() as session:
        await seed_life(session, world, clock.now())
    await talk(harness, world)

    sent, raw = await _document(harness, world.a)
    stored = harness.sandbox.state.files.get(sent.file_id or "")
    assert stored is not None and stored.file_name == "my-data-2026-03-02.json"
    assert "Here is everything I have saved about you" in (sent.caption or "")
    text = raw.decode("utf-8")
    assert "\n  " in text  # pretty-printed
    assert "Työpaja Helmi" in text  # UTF-8 as such, not \u escapes
    data = json.loads(text)

    assert data["profile"]["name"] == "Lisu"
    assert (data["profile"]["language"], data["profile"]["timezone"]) == ("en", "Europe/Helsinki")
    assert [r["role"] for r in data["profile"]["roles"]] == ["client"]
    [coaching] = data["coachings"]
    assert coaching["status"] == "active" and coaching["agreement_version"] == "2026-11"
    assert coaching["coaches"][0]["coach"] == "Kaisa"
    assert coaching["plan_emphasis_history"][0]["reason"] == f"{SECRET} emphasis: more rhythm"
    assert coaching["closing_summaries"][0]["content"] == {"summary": f"{SECRET} summary"}
    assert data["names_your_coaches_gave_you"] == [
        {
            "coach": "Kaisa",
            "name": "Liisa",
            "since": data["names_your_coaches_gave_you"][0]["since"],
        }
    ]
    assert data["checkin_schedules"][0]["time"] == "08:30"
    assert data["checkin_pauses"][0]["from"] == "2026-04-01"
    [checkin] = data["checkins"]
    assert checkin["note"] == f"{SECRET} checkin: slept on the sofa"
    assert checkin["other_answers"] == {"task": f"{SECRET} task: fix the bike"}
    assert (checkin["sleep"], checkin["mood"]) == ("badly", 2)
    [goal] = data["goals"]
    assert goal["title"] == f"{SECRET} goal: a hot-work card" and goal["proposed_by"] == "you"
    assert goal["steps"][0]["title"] == f"{SECRET} step: book the course"
    assert [(e["kind"], e["by"]) for e in goal["events"]] == [
        ("proposed", "you"),
        ("step_done", "Kaisa"),
    ]
    assert data["notes_about_you"][0]["text"] == f"{SECRET} note: did <b>great</b> & more"
    assert data["notes_about_you"][0]["coach"] == "Kaisa"
    messages = data["messages"]
    assert [(m["direction"], m["kind"], m["text"]) for m in messages] == [
        ("to_your_coach", "text", f"{SECRET} msg: the interview went well <3 & thanks"),
        ("to_your_coach", "photo", f"{SECRET} photo: my new badge"),
        ("from_your_coach", "text", f"{SECRET} reply: great news!"),
    ]
    assert all(m["coach"] == "Kaisa" for m in messages)
    assert data["consents"][0]["employer"] == "Firma Oy"
    assert data["disclosures"][0]["what"] == "first_name"
    assert data["placements"][0]["job_title"] == f"{SECRET} job: warehouse assistant"
    assert data["meetings"][0]["place"] == f"{SECRET} place: the lobby"
    assert [c["answers"] for c in data["follow_up"]["contacts"]] == [
        {"how": f"{SECRET} pulse: fine"}
    ]
    assert data["flags"][0]["kind"] == "low_mood" and "details" not in data["flags"][0]
    assert data["preferences"]["encouragement"] is False
    # Moments are ISO 8601 in the client's timezone (Helsinki is UTC+2 in March).
    moments = _iso_moments(data)
    assert moments and all(dt.datetime.fromisoformat(m).tzinfo is not None for m in moments)
    assert data["exported_at"] == "2026-03-02T09:00:00+02:00"
    # Nobody else's data: not B's, not the employer's answers, no Telegram ids, no full names.
    assert_no_trace([text], OTHERS)

    async with harness.db.session() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.event == "data.exported"))
        ).all()
    assert [(e.actor_id, e.subject_id, e.details) for e in events] == [
        (world.ids["a"], world.ids["a"], {})
    ]

    # Client B's document holds B's line and none of A's.
    _sent_b, raw_b = await _document(harness, world.b)
    data_b = json.loads(raw_b)
    assert [m["text"] for m in data_b["messages"]] == [
        "Bert-secret msg: please keep this between us",
        "Bert-secret reply: of course",
    ]
    assert_no_trace([raw_b.decode("utf-8")], [SECRET, "Liisa", "Lisu", str(A_ID)])


async def test_a_coach_gets_only_their_own_profile(harness: Harness, clock: ManualClock) -> None:
    world = await build_world(harness, clock)
    async with harness.db.session() as session:
        await seed_life(session, world, clock.now())
    await talk(harness, world)
    sent, raw = await _document(harness, world.x)
    assert sent.caption == "📄 Here is everything I have saved about you."
    data = json.loads(raw)
    assert set(data) == {"format", "exported_at", "profile", "preferences"}
    assert data["profile"]["name"] == "Kaisa Virtanen"
    assert [r["role"] for r in data["profile"]["roles"]] == ["coach"]
    assert_no_trace([raw.decode("utf-8")], [SECRET, "Bert-secret", "Liisa", "Pekka"])


async def test_a_stranger_gets_no_document(harness: Harness, clock: ManualClock) -> None:
    world = await build_world(harness, clock)
    answer = await say(harness, world.stranger, "/mydata")
    assert [m.kind for m in answer] == ["text"]
    assert "you need an invite link from your job coach" in answer[0].visible_text
    answer = await say(harness, world.stranger, "/forget")
    assert "you need an invite link from your job coach" in answer[0].visible_text


async def _ask_to_forget(harness: Harness, user: SandboxUser) -> SandboxMessage:
    answer = await say(harness, user, "/forget")
    question = answer[-1]
    assert question.button_labels == ["🗑️ Yes, erase everything", "↩️ No, keep"]
    return question


async def test_forget_erases_everything_tells_the_coach_and_leaves_a_stranger(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    a = world.ids["a"]
    async with harness.db.session() as session:
        await seed_life(session, world, clock.now())
    await talk(harness, world)

    # The question says what goes, that it is final, and that the coach is told.
    question = await _ask_to_forget(harness, world.a)
    words = question.visible_text
    assert "erase your check-ins, your messages, your goals" in words
    assert "This cannot be undone." in words
    assert "I tell Kaisa that you erased your data." in words
    # "No" keeps everything.
    await world.a.press("↩️ No, keep", message=question)
    await harness.settle()
    assert world.a.bot_messages()[-1].visible_text == (
        "OK. I erased nothing. Everything stays as it was."
    )
    async with harness.db.session() as session:
        assert await session.get(Person, a) is not None

    # While Kaisa cannot be reached, a message waits for her ...
    world.x.block_bot()
    await say(harness, world.a, f"{SECRET} held: call me please")
    async with harness.db.session() as session:
        held = (
            await session.exec(select(RelayedMessage).where(RelayedMessage.status == "held"))
        ).all()
    assert len(held) == 1 and held[0].client_id == a
    seen_by_x = len(world.x.bot_messages())

    # ... and then the client says yes.
    question = await _ask_to_forget(harness, world.a)
    yes = question.buttons[0][0].callback_data
    await world.a.press("🗑️ Yes, erase everything", message=question)
    await harness.settle()
    done = world.a.bot_messages()[-1]
    assert done.visible_text.startswith("✅ Done. I erased everything I had saved about you.")
    assert "I told Kaisa that you erased your data." in done.visible_text
    assert world.a.reply_keyboard is None  # the client's keyboard is gone
    closed = world.a.bot_messages()[-2]  # the question cannot be pressed again
    assert not closed.has_inline_keyboard
    assert closed.visible_text.endswith("✔️ 🗑️ Yes, erase everything")

    async with harness.db.session() as session:
        assert await session.get(Person, a) is None
        for table in (Checkin, RelayedMessage, Goal, CoachNote, Consent, Placement, Flag):
            rows = (await session.exec(select(table))).all()
            assert all(getattr(r, "client_id", None) != a for r in rows), table
        assert (await session.exec(select(GoalStep))).all() == []
        # Nothing the client wrote or was told is stored anywhere, not even in transport rows.
        assert await tables_holding(session, SECRET) == []
        # Only the notice to the coach names them, by the name the coach gave.
        assert await tables_holding(session, "Liisa") == ["outbox_message"]
        outbox_rows = (await session.exec(select(OutboxMessage))).all()
        naming = [r.purpose for r in outbox_rows if "Liisa" in json.dumps(r.payload)]
        assert naming == ["client-erased"]
        # What remains: that it happened, at whose request, without content.
        [erased] = (
            await session.exec(select(AuditEvent).where(AuditEvent.event == "person.erased"))
        ).all()
        assert (erased.object_id, erased.details) == (a, {"reason": "request"})
        # Client B's data is untouched.
        b_rows = (
            await session.exec(
                select(RelayedMessage.text).where(RelayedMessage.client_id == world.ids["b"])
            )
        ).all()
        assert "Bert-secret msg: please keep this between us" in b_rows
        b_notes = (
            await session.exec(select(CoachNote).where(CoachNote.client_id == world.ids["b"]))
        ).all()
        assert len(b_notes) == 1

    # Kaisa comes back: she hears of the erasure, by her name for the client, and never gets
    # the message that was waiting.
    world.x.unblock_bot()
    await harness.settle()
    new_for_x = texts(world.x.bot_messages()[seen_by_x:])
    assert new_for_x == [
        "🗑️ Liisa erased their data from the bot. Their check-ins, messages, goals and your "
        "notes about them are gone. I can no longer pass messages between you."
    ]

    # From now on the person is a stranger.
    seen_by_x = len(world.x.bot_messages())
    answer = await say(harness, world.a, "Hello again, it's me")
    assert "you need an invite link from your job coach" in answer[0].visible_text
    answer = await say(harness, world.a, "/start")
    assert "you need an invite link from your job coach" in answer[0].visible_text
    answer = await say(harness, world.a, "/mydata")
    assert [m.kind for m in answer] == ["text"]
    assert len(world.x.bot_messages()) == seen_by_x
    async with harness.db.session() as session:
        assert await tables_holding(session, "Hello again") == ["inbox_update"]

    # The old confirmation button erases nothing more and says so kindly.
    await world.a.press(data=yes, message=question)
    await harness.settle()
    assert world.a.callback_answers[-1] == "This button no longer works."


async def test_a_stale_or_forged_confirmation_erases_nothing(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    a = world.ids["a"]
    question = await _ask_to_forget(harness, world.a)
    yes = question.buttons[0][0].callback_data
    assert yes is not None and yes.startswith(f"fg:yes:{a}:")

    # Someone else presses a copy of it in their own chat.
    hello = await say(harness, world.b, "/help")
    before = len(world.b.bot_messages())
    await world.b.press(data=yes, message=hello[-1])
    await harness.settle()
    answer = texts(world.b.bot_messages()[before:])
    assert answer == ["This is not available to you."]
    assert_no_trace(answer + list(world.b.callback_answers), ["Liisa", "Lisu", str(a)])

    # The question is more than an hour old.
    clock.advance(dt.timedelta(hours=2))
    await world.a.press("🗑️ Yes, erase everything", message=question)
    await harness.settle()
    assert world.a.callback_answers[-1] == (
        "This question is too old. Send /forget again if you still want it."
    )
    async with harness.db.session() as session:
        assert await session.get(Person, a) is not None
        assert await session.get(Person, world.ids["b"]) is not None
        erased = (
            await session.exec(select(AuditEvent).where(col(AuditEvent.event) == "person.erased"))
        ).all()
    assert erased == []


async def test_a_coach_cannot_forget_themselves_here(harness: Harness, clock: ManualClock) -> None:
    world = await build_world(harness, clock)
    answer = await say(harness, world.x, "/forget")
    assert texts(answer) == [
        "/forget is for clients. You work here as a coach, so your account is closed by your "
        "organisation. Please ask your admin."
    ]
    assert not answer[0].has_inline_keyboard
    async with harness.db.session() as session:
        assert await session.get(Person, world.ids["x"]) is not None


async def test_held_messages_of_the_client_are_not_delivered_after_the_erasure(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    world.x.block_bot()
    await say(harness, world.a, f"{SECRET} while away")
    question = await _ask_to_forget(harness, world.a)
    await world.a.press("🗑️ Yes, erase everything", message=question)
    await harness.settle()
    world.x.unblock_bot()
    await harness.settle()
    assert_no_trace(texts(world.x.bot_messages()), [SECRET])
    assert [m.kind for m in world.x.bot_messages()] == ["text"]  # only the notice
    async with harness.db.session() as session:
        assert (
            await session.exec(
                select(RelayedMessage).where(RelayedMessage.status == RelayStatus.HELD)
            )
        ).all() == []
