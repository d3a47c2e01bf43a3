"""Read access ends, end to end: a coach's sight of a client after the coaching closes (during the
follow-up, and after it, when only the door stays open), of a client who has moved on to another
organisation, and of a client they stood in for once the handover is over.

Each case goes over everything a coach reads a client through: the list (/clients), the card,
the chart, the goals, the plan, a note, /inbox, /caseload, the summary for the purchaser (the
coach's export of a client) and /mydata, and the forged buttons of each (callback_data made up
with the client's id). What must not be seen is marked with words planted in the client's data.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models import (
    Checkin,
    CheckinStatus,
    Coaching,
    CoachingStatus,
    CoachNote,
    Goal,
    GoalArea,
    GoalStatus,
    Membership,
    PlanEmphasis,
    RelayDirection,
    RelayedMessage,
    Role,
    Sleep,
)
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import enrolment, handover, people
from tests.support.actors import say, texts
from tests.support.traces import assert_no_trace
from tests.support.world import A_ID, ORGANISATION, World, build_world

pytestmark = pytest.mark.asyncio

DAY = dt.timedelta(days=1)
# Words planted in client A's coaching with Kaisa (X).
CHECKIN_WORDS = "Lisu-checkin-secret"
GOAL_WORDS = "Lisu-goal-secret"
PLAN_WORDS = "Lisu-plan-secret"
NOTE_WORDS = "Lisu-note-secret"
MESSAGE_WORDS = "Lisu-message-secret"
COACHING_TRACES = [GOAL_WORDS, PLAN_WORDS, NOTE_WORDS, MESSAGE_WORDS, CHECKIN_WORDS]
REFUSALS = {"This is not available to you.", "This button no longer works."}
VERSO = "Verso Säätiö"
W_ID = 7_700_021


async def _plant(harness: Harness, world: World, clock: ManualClock) -> None:
    """A's coaching with X: an answered check-in, a goal, the plan, a note and a message."""
    a, x = world.ids["a"], world.ids["x"]
    now = clock.now()
    async with harness.db.session() as session:
        coaching = (await session.exec(select(Coaching).where(Coaching.client_id == a))).one()
        session.add(
            Checkin(
                client_id=a,
                due_at=now - DAY,
                window_ends_at=now - DAY + dt.timedelta(hours=10),
                status=CheckinStatus.ANSWERED,
                sent_at=now - DAY,
                answered_at=now - DAY + dt.timedelta(minutes=5),
                mood=1,
                sleep=Sleep.BADLY,
                note=f"{CHECKIN_WORDS}: I cried all night",
                created_at=now - DAY,
                updated_at=now - DAY,
            )
        )
        session.add(
            Goal(
                client_id=a,
                coaching_id=coaching.id,
                area=GoalArea.EVERYDAY_LIFE,
                title=f"{GOAL_WORDS} wake up at eight",
                status=GoalStatus.AGREED,
                proposed_by_id=a,
                created_at=now - DAY,
                updated_at=now - DAY,
            )
        )
        session.add(
            PlanEmphasis(
                coaching_id=coaching.id or 0,
                client_id=a,
                area=GoalArea.EVERYDAY_LIFE,
                level=3,
                reason=f"{PLAN_WORDS} more rhythm",
                set_by_id=x,
                agreed_with_client=True,
                created_at=now - DAY,
            )
        )
        session.add(
            CoachNote(
                client_id=a,
                coach_id=x,
                text=f"{NOTE_WORDS}: talked about the debts",
                created_at=now - DAY,
                updated_at=now - DAY,
            )
        )
    await say(harness, world.a, f"{MESSAGE_WORDS}: I am scared of the letter")


async def _press(harness: Harness, user: SandboxUser, data: str) -> list[str]:
    """Press a made-up button on a message in the user's own chat; what they were shown."""
    anchor = user.last_bot_message()
    if anchor is None:
        anchor = (await say(harness, user, "/help"))[-1]
    before_messages, before_answers = len(user.bot_messages()), len(user.callback_answers)
    edits = anchor.edit_count
    await user.press(data=data, message=anchor)
    await harness.settle()
    shown = [
        *[m.visible_text for m in user.bot_messages()[before_messages:]],
        *[str(a) for a in user.callback_answers[before_answers:]],
    ]
    # A message edited in place by the press counts as shown too.
    [now_anchor] = [m for m in user.bot_messages() if m.message_id == anchor.message_id]
    if now_anchor.edit_count > edits:
        shown.append(now_anchor.visible_text)
    return shown


def _forgeries(client_id: int) -> list[str]:
    """Every button that reads or acts on a client from the coach's desk."""
    return [
        f"cl:c:{client_id}:0",  # the card
        f"cl:w:{client_id}",  # write to the client
        f"ch:c:{client_id}",  # the chart
        f"cg:v:{client_id}",  # the goals
        f"cg:a:{client_id}",  # propose a goal
        f"pl:v:{client_id}",  # the plan
        f"nt:n:{client_id}",  # write a note
        f"cs:v:{client_id}",  # the summary for the purchaser
        f"cs:l:{client_id}:en",  # download it
        f"sc:{client_id}:v",  # check-in times
        f"pa:{client_id}:v",  # a pause
        f"pm:n:{client_id}",  # record a placement
        f"pm:l:{client_id}",  # an employer link
        f"mt:n:{client_id}",  # a meeting with the employer
        f"cw:y:{client_id}",  # coping at work in the plan
    ]


async def _all_refused(
    harness: Harness, coach: SandboxUser, client_id: int, traces: list[str]
) -> None:
    for data in _forgeries(client_id):
        shown = await _press(harness, coach, data)
        assert any(s in REFUSALS for s in shown), f"{data}: not refused, shown {shown!r}"
        assert_no_trace(shown, traces)
        assert not any(m.kind in ("photo", "document") for m in coach.bot_messages()[-2:]), data


async def _close_from_the_card(harness: Harness, world: World) -> None:
    """X ends A's coaching from the card, the ordinary way; the dispatcher starts the follow-up."""
    await say(harness, world.x, "/clients")
    for label in ("👤 Liisa", "🏁 End the coaching", "🎓 Studies", "✅ Yes, end the coaching"):
        await world.x.press(label)
        await harness.settle()
    await harness.tick()


async def _coaching_of(harness: Harness, client_id: int, organisation: str) -> Coaching:
    async with harness.db.session() as session:
        org = await people.ensure_organisation(
            session,
            name=organisation,
            now=dt.datetime.now(dt.UTC),
            timezone="Europe/Helsinki",
            locale="en",
        )
        return (
            await session.exec(
                select(Coaching).where(
                    Coaching.client_id == client_id, Coaching.organisation_id == org.id
                )
            )
        ).one()


async def _card(harness: Harness, coach: SandboxUser, client_id: int) -> SandboxMessage:
    await say(harness, coach, "/clients")
    await coach.press(data=f"cl:c:{client_id}:0", message=coach.bot_messages()[-1])
    await harness.settle()
    card = coach.bot_messages()[-1]
    return card


async def _caseload_caption(harness: Harness, coach: SandboxUser) -> str:
    shown = await say(harness, coach, "/caseload")
    return shown[-1].caption or shown[-1].visible_text


async def test_a_former_coach_sees_the_follow_up_and_then_only_the_door(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    a = world.ids["a"]
    await _plant(harness, world, clock)
    await _close_from_the_card(harness, world)
    coaching = await _coaching_of(harness, a, ORGANISATION)
    assert coaching.status == CoachingStatus.CLOSED
    assert coaching.follow_up_until is not None and coaching.follow_up_until > clock.now()

    # During the follow-up: the name, goals, plan, notes and messages; no check-in answers.
    card = await _card(harness, world.x, a)
    shown = card.visible_text
    assert "Liisa" in shown and "Status: coaching ended, follow-up" in shown
    assert GOAL_WORDS in shown and NOTE_WORDS in shown
    assert "mood" not in shown and "slept" not in shown
    assert "📈 Chart" not in [b.text for row in card.buttons for b in row]
    chart = await _press(harness, world.x, f"ch:c:{a}")
    assert any(s in REFUSALS for s in chart), chart
    assert world.x.bot_messages()[-1].kind != "photo"
    goals = texts(await _shown_after(harness, world.x, f"cg:v:{a}"))
    assert any(GOAL_WORDS in t for t in goals)
    plan = texts(await _shown_after(harness, world.x, f"pl:v:{a}"))
    assert any(PLAN_WORDS in t for t in plan)
    inbox = texts(await say(harness, world.x, "/inbox"))
    assert any(MESSAGE_WORDS in t for t in inbox)
    # The caseload picture draws check-ins: only clients in coaching are on it.
    assert (await _caseload_caption(harness, world.x)).startswith("Check-ins of your 1 client:")

    # After the follow-up: nothing of the coaching, from any door of the desk.
    clock.set(coaching.follow_up_until + DAY)
    await harness.tick()
    listing = texts(await say(harness, world.x, "/clients"))
    assert listing and listing[0].startswith("👥 You have 1 client.")
    assert_no_trace(listing, ["Liisa", *COACHING_TRACES])
    await _all_refused(harness, world.x, a, ["Liisa", str(A_ID), *COACHING_TRACES])
    inbox = texts(await say(harness, world.x, "/inbox"))
    assert_no_trace(inbox, ["Liisa", *COACHING_TRACES])
    assert (await _caseload_caption(harness, world.x)).startswith("Check-ins of your 1 client:")
    mydata = await say(harness, world.x, "/mydata")
    for message in mydata:
        if message.kind == "document" and message.file_id:
            stored = harness.sandbox.state.files.get(message.file_id)
            assert stored is not None
            assert_no_trace([stored.data.decode("utf-8")], ["Liisa", *COACHING_TRACES])

    # The door stays open: a new message reaches X with the name, and X can answer it.
    await say(harness, world.a, "Door-words: can we talk again?")
    relayed = [m for m in world.x.bot_messages() if "Door-words" in m.visible_text]
    assert relayed, "the former client's new message did not reach the coach"
    headers = texts(world.x.bot_messages()[-3:])
    assert any("Liisa" in t for t in headers)
    async with harness.db.session() as session:
        door = (
            await session.exec(
                select(RelayedMessage)
                .where(
                    RelayedMessage.client_id == a,
                    RelayedMessage.direction == RelayDirection.CLIENT_TO_COACH,
                )
                .order_by(col(RelayedMessage.id).desc())
            )
        ).first()
    assert door is not None and door.recipient_id == world.ids["x"]
    await world.x.press(data=f"rp:{door.id}", message=world.x.bot_messages()[-1])
    await harness.settle()
    assert world.x.bot_messages()[-1].visible_text == "Write your answer to Liisa. /cancel stops."
    await say(harness, world.x, "Of course. Call me on Monday.")
    assert world.a.bot_messages()[-1].visible_text == "💬 Kaisa:\nOf course. Call me on Monday."
    # /inbox holds the new message, and still nothing of the coaching.
    inbox = texts(await say(harness, world.x, "/inbox"))
    assert any("Door-words" in t for t in inbox)
    assert_no_trace(inbox, COACHING_TRACES)

    # The one who answers by the door is told when the former client erases their data.
    await say(harness, world.a, "/forget")
    await world.a.press("🗑️ Yes, erase everything")
    await harness.settle()
    assert "I told Kaisa that you erased your data." in world.a.bot_messages()[-1].visible_text


async def _shown_after(harness: Harness, user: SandboxUser, data: str) -> list[SandboxMessage]:
    anchor = user.bot_messages()[-1]
    before = len(user.bot_messages())
    await user.press(data=data, message=anchor)
    await harness.settle()
    new = user.bot_messages()[before:]
    return new or [m for m in user.bot_messages() if m.message_id == anchor.message_id]


async def _join_verso(harness: Harness, world: World, clock: ManualClock) -> SandboxUser:
    """A accepts a coaching with Wilma (W) of another organisation, Verso."""
    wilma = harness.sandbox.add_user("Wilma", language_code="en", user_id=W_ID)
    harness.sandbox.mark_started(wilma.id)
    now = clock.now()
    async with harness.db.session() as session:
        coach = await people.add_coach(
            session,
            telegram_user_id=W_ID,
            name="Wilma Verso",
            organisation_name=VERSO,
            now=now - 60 * DAY,
            timezone="Europe/Helsinki",
            locale="en",
        )
        assert coach.id is not None
        world.ids["w"] = coach.id
        organisation = await people.ensure_organisation(
            session, name=VERSO, now=now, timezone="Europe/Helsinki", locale="en"
        )
        assert organisation.id is not None
        joined = await enrolment.start_coaching(
            session,
            telegram_user_id=A_ID,
            first_name="Lisu",
            locale="en",
            organisation_id=organisation.id,
            coach_id=coach.id,
            client_name="Lisa V",
            now=now,
        )
        await enrolment.accept_agreement(
            session, coaching_id=joined.coaching_id, client_id=world.ids["a"], now=now
        )
    return wilma


async def test_a_client_who_moves_to_another_organisation_leaves_nothing_behind_either_way(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    a = world.ids["a"]
    await _plant(harness, world, clock)
    await _close_from_the_card(harness, world)
    # A month into the follow-up, A joins a coaching at Verso.
    clock.set(clock.now() + 30 * DAY)
    await harness.tick()
    wilma = await _join_verso(harness, world, clock)
    now = clock.now()
    async with harness.db.session() as session:
        session.add(
            Checkin(
                client_id=a,
                due_at=now,
                window_ends_at=now + dt.timedelta(hours=10),
                status=CheckinStatus.ANSWERED,
                sent_at=now,
                answered_at=now + dt.timedelta(minutes=2),
                mood=2,
                note="Verso-checkin-secret: a hard week",
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            CoachNote(
                client_id=a,
                coach_id=world.ids["w"],
                text="Verso-note-secret: new start",
                created_at=now,
                updated_at=now,
            )
        )
    await say(harness, world.a, "Verso-message-secret: hello Wilma")
    verso_traces = ["Verso-checkin-secret", "Verso-note-secret", "Verso-message-secret"]

    # Kaisa's organisation sees nothing of A any more, not even a new message.
    assert_no_trace(texts(world.x.bot_messages()), verso_traces)
    assert any("Verso-message-secret" in m.visible_text for m in wilma.bot_messages())
    listing = texts(await say(harness, world.x, "/clients"))
    assert_no_trace(listing, ["Liisa", *verso_traces])
    await _all_refused(harness, world.x, a, ["Liisa", "Lisa V", *COACHING_TRACES, *verso_traces])
    assert_no_trace(texts(await say(harness, world.x, "/inbox")), ["Liisa", *verso_traces])
    assert (await _caseload_caption(harness, world.x)).startswith("Check-ins of your 1 client:")

    # Wilma sees her own coaching of A, and nothing of the coaching at the first organisation.
    card = await _card(harness, wilma, a)
    shown = card.visible_text
    assert "Lisa V" in shown and "Verso-note-secret" in shown and "mood 2/5" in shown
    assert "mood 1/5" not in shown
    assert_no_trace([shown], COACHING_TRACES)
    seen = texts(await _shown_after(harness, wilma, f"cg:v:{a}"))
    seen += texts(await _shown_after(harness, wilma, f"pl:v:{a}"))
    seen += texts(await say(harness, wilma, "/inbox"))
    assert any("Verso-message-secret" in t for t in seen)
    assert_no_trace(seen, COACHING_TRACES)
    # Nor by a goal of the first organisation's coaching, named by a forged button.
    async with harness.db.session() as session:
        first_goal = (await session.exec(select(Goal).where(Goal.client_id == a))).one()
    for data in (f"cg:l:{first_goal.id}", f"cg:lt:{first_goal.id}"):
        answers = await _press(harness, wilma, data)
        assert any(s in REFUSALS for s in answers), (data, answers)
        assert_no_trace(answers, COACHING_TRACES)


async def test_a_substitute_sees_nothing_once_the_handover_is_over(
    harness: Harness, clock: ManualClock
) -> None:
    """Ville (Y) stands in for Kaisa for Bert (B) for two days; then his sight of B ends. During
    the handover B's coaching closes: Y, as a substitute in the follow-up, sees no check-ins."""
    world = await build_world(harness, clock)
    b, x, y = world.ids["b"], world.ids["x"], world.ids["y"]
    now = clock.now()
    today = now.astimezone(ZoneInfo("Europe/Helsinki")).date()
    async with harness.db.session() as session:
        made = await handover.create_handover(
            session,
            coach_id=x,
            substitute_id=y,
            client_ids=[b],
            first_day=today,
            last_day=today + DAY,
            now=now,
        )
        ends = made.valid_until
        session.add(
            Checkin(
                client_id=b,
                due_at=now - DAY,
                window_ends_at=now - DAY + dt.timedelta(hours=10),
                status=CheckinStatus.ANSWERED,
                sent_at=now - DAY,
                answered_at=now - DAY + dt.timedelta(minutes=5),
                mood=2,
                note="Bert-checkin-secret",
                created_at=now - DAY,
                updated_at=now - DAY,
            )
        )
    await say(harness, world.b, "Bert-message-secret: where do I sign?")
    assert any("Bert-message-secret" in m.visible_text for m in world.y.bot_messages())
    card = await _card(harness, world.y, b)
    assert "Pekka" in card.visible_text and "mood 2/5" in card.visible_text

    # Y closes the coaching as the substitute; during the follow-up he sees no check-ins.
    for label in ("🏁 End the coaching", "🔀 Another service", "✅ Yes, end the coaching"):
        await world.y.press(label)
        await harness.settle()
    await harness.tick()
    card = await _card(harness, world.y, b)
    assert "Status: coaching ended, follow-up" in card.visible_text
    assert "mood" not in card.visible_text

    # The handover ends: nothing of B for Y, from any button, nor in /inbox.
    clock.set(ends + dt.timedelta(minutes=1))
    await harness.tick()
    traces = ["Pekka", "Bert-message-secret", "Bert-checkin-secret"]
    await _all_refused(harness, world.y, b, traces)
    assert_no_trace(texts(await say(harness, world.y, "/inbox")), traces)
    assert_no_trace(texts(await say(harness, world.y, "/clients")), traces)
    # Kaisa, whose client B was, still follows B up.
    card = await _card(harness, world.x, b)
    assert "Pekka" in card.visible_text and "Status: coaching ended, follow-up" in card.visible_text


async def test_a_coach_who_left_the_organisation_sees_none_of_its_clients(
    harness: Harness, clock: ManualClock
) -> None:
    """Kaisa left Työpaja Helmi for Verso (where she coaches now) before anyone transferred her
    clients: her desk holds none of them and every button of a client of hers is refused."""
    world = await build_world(harness, clock)
    await _plant(harness, world, clock)
    async with harness.db.session() as session:
        for membership in (
            await session.exec(select(Membership).where(Membership.person_id == world.ids["x"]))
        ).all():
            membership.active_until = clock.now()
        verso = await people.ensure_organisation(
            session, name=VERSO, now=clock.now(), timezone="Europe/Helsinki", locale="en"
        )
        assert verso.id is not None
        await people.grant_role(
            session,
            person_id=world.ids["x"],
            organisation_id=verso.id,
            role=Role.COACH,
            now=clock.now(),
        )
    clock.set(clock.now() + dt.timedelta(minutes=1))
    listing = texts(await say(harness, world.x, "/clients"))
    assert listing == ["You have no clients yet. /invite makes an invite link."]
    await _all_refused(harness, world.x, world.ids["a"], ["Liisa", *COACHING_TRACES])
    assert_no_trace(texts(await say(harness, world.x, "/inbox")), ["Liisa", *COACHING_TRACES])
