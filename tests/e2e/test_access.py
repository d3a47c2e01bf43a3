"""Who may see what, end to end: client A versus client B, coach X versus coach Y, an admin who
is not the client's coach, and a stranger. Every forbidden case is refused with a translated
answer that leaves no trace of the object (no name, no text), and changes nothing.

Forged buttons name objects of client A: the Reply button under A's message to X (`rp`), the
choice of recipient (`to`), A's own erasure (`fg`), X's invite (`inv`), and the desk's buttons
(`cl`, `nt`, `ho`, `ch`, and `cs` that closes a coaching) when the desk is there; an action nobody
handles is refused as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlmodel import col, select
from telegram.ext import CommandHandler

from bot.devtools.harness import Harness
from bot.models import (
    AssignmentKind,
    CoachAssignment,
    CoachNote,
    FlowState,
    Invite,
    Person,
    RelayDirection,
    RelayedMessage,
)
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from tests.support.actors import say, texts
from tests.support.traces import assert_no_trace
from tests.support.world import A_ID, World, build_world

pytestmark = pytest.mark.asyncio

SECRET = "Lisu-secret"
TRACES = ["Liisa", "Lisu", SECRET, str(A_ID)]
REFUSALS = {"This is not available to you.", "This button no longer works."}


@dataclass
class Objects:
    """Client A's things that others will try to reach."""

    message_id: int  # A's message to X
    assignment_id: int  # A's coaching with X
    invite_id: int  # an open invite of X's
    handover_id: int  # X hands B to Y next week


async def _setup(harness: Harness, clock: ManualClock) -> tuple[World, Objects]:
    world = await build_world(harness, clock)
    a, x = world.ids["a"], world.ids["x"]
    async with harness.db.session() as session:
        session.add(CoachNote(client_id=a, coach_id=x, text=f"{SECRET} note about A"))
        session.add(CoachNote(client_id=world.ids["b"], coach_id=x, text="a note about B"))
    await say(harness, world.a, f"{SECRET}: I need help with the rent")
    await say(harness, world.x, "/invite Maija")
    async with harness.db.session() as session:
        message = (
            await session.exec(
                select(RelayedMessage).where(
                    RelayedMessage.client_id == a,
                    RelayedMessage.direction == RelayDirection.CLIENT_TO_COACH,
                )
            )
        ).one()
        assignment = (
            await session.exec(select(CoachAssignment).where(CoachAssignment.client_id == a))
        ).one()
        invite = (await session.exec(select(Invite))).one()
        b_assignment = (
            await session.exec(
                select(CoachAssignment).where(CoachAssignment.client_id == world.ids["b"])
            )
        ).one()
        handover = CoachAssignment(
            coaching_id=b_assignment.coaching_id,
            client_id=world.ids["b"],
            coach_id=world.ids["y"],
            kind=AssignmentKind.SUBSTITUTE,
            valid_from=clock.now() + dt.timedelta(days=7),
            valid_until=clock.now() + dt.timedelta(days=14),
            created_by_id=x,
        )
        session.add(handover)
        await session.flush()
    assert message.id and assignment.id and invite.id and handover.id
    return world, Objects(message.id, assignment.id, invite.id, handover.id)


def _forgeries(world: World, objects: Objects, stamp: int, version: int) -> list[str]:
    a = world.ids["a"]
    return [
        f"rp:{objects.message_id}",
        f"to:{a}:{version}",
        f"fg:yes:{a}:{stamp}",
        f"fg:no:{a}:{stamp}",
        f"inv:rv:{objects.invite_id}",
        f"cl:c:{a}:0",
        f"cl:w:{a}",
        f"nt:n:{a}",
        f"ch:c:{a}",
        f"ho:x:{objects.assignment_id}",
        f"ho:x:{objects.handover_id}",
        f"ho:y:{objects.handover_id}",
        f"ob:{version}:yes",
        f"cs:o:{a}",
        f"cs:y:{a}:studies",
        f"cs:v:{a}",
        f"cs:l:{a}:fi",
        f"zz:{a}",
    ]


async def _press_forged(harness: Harness, user: SandboxUser, data: str) -> list[str]:
    """Press a made-up button on a message in the user's own chat; what they were shown."""
    anchor = user.last_bot_message()
    if anchor is None:
        anchor = (await say(harness, user, "/help"))[-1]
    before_messages, before_answers = len(user.bot_messages()), len(user.callback_answers)
    await user.press(data=data, message=anchor)
    await harness.settle()
    return [
        *texts(user.bot_messages()[before_messages:]),
        *[str(a) for a in user.callback_answers[before_answers:]],
    ]


async def _pick_version(harness: Harness, user: SandboxUser, person_id: int) -> int:
    """Have a coach write a stray message, so a recipient choice (with its version) is open."""
    await say(harness, user, "a note to nobody in particular")
    async with harness.db.session() as session:
        flow = await session.get(FlowState, person_id)
    return flow.version if flow is not None else 1


async def _assert_nothing_changed(harness: Harness, world: World, objects: Objects) -> None:
    a = world.ids["a"]
    async with harness.db.session() as session:
        assert await session.get(Person, a) is not None
        to_a = (
            await session.exec(
                select(RelayedMessage).where(
                    RelayedMessage.client_id == a,
                    RelayedMessage.direction == RelayDirection.COACH_TO_CLIENT,
                )
            )
        ).all()
        assert to_a == []
        invite = await session.get(Invite, objects.invite_id)
        assert invite is not None and invite.revoked_at is None
        assignment = await session.get(CoachAssignment, objects.assignment_id)
        assert assignment is not None and assignment.valid_until is None
        handover = await session.get(CoachAssignment, objects.handover_id)
        assert handover is not None and handover.valid_until is not None
        assert handover.valid_until > handover.valid_from  # not cancelled
        flows = (await session.exec(select(FlowState))).all()
        assert all(str(f.data.get("client_id")) != str(a) for f in flows)
        notes = (await session.exec(select(CoachNote).where(CoachNote.client_id == a))).all()
        assert len(notes) == 1
    # Client A was told nothing by anyone but the bot's own confirmation.
    assert_no_trace(texts(world.a.bot_messages()), ["Ville", "Aino", "Bert", "Sami"])


def _refused(shown: list[str], data: str) -> None:
    assert any(s in REFUSALS for s in shown), f"{data}: not refused, shown {shown!r}"
    assert_no_trace(shown, TRACES)


async def test_coach_y_cannot_reach_coach_xs_client(harness: Harness, clock: ManualClock) -> None:
    world, objects = await _setup(harness, clock)
    version = await _pick_version(harness, world.y, world.ids["y"])
    stamp = int(clock.now().timestamp()) // 60
    for data in _forgeries(world, objects, stamp, version):
        _refused(await _press_forged(harness, world.y, data), data)
    # Nor through /inbox: A's message was for X.
    inbox = await say(harness, world.y, "/inbox")
    assert_no_trace(texts(inbox), TRACES)
    await _assert_nothing_changed(harness, world, objects)


async def test_coach_y_cannot_put_coach_xs_client_in_a_handover(
    harness: Harness, clock: ManualClock
) -> None:
    world, objects = await _setup(harness, clock)
    y, a = world.ids["y"], world.ids["a"]
    shown = texts(await say(harness, world.y, "/handover"))
    if not _has_command(harness, "handover"):
        pytest.skip("the desk's /handover is not there")
    await world.y.press("New handover")
    await harness.settle()
    async with harness.db.session() as session:
        flow = await session.get(FlowState, y)
    assert flow is not None and flow.step == "who"
    shown += await _press_forged(harness, world.y, f"hf:{flow.version}:pick")
    async with harness.db.session() as session:
        flow = await session.get(FlowState, y)
    assert flow is not None and flow.step == "pick"
    forged = await _press_forged(harness, world.y, f"hf:{flow.version}:t{a}")
    _refused(forged, "hf pick")
    assert_no_trace(shown, TRACES)
    async with harness.db.session() as session:
        flow = await session.get(FlowState, y)
    assert flow is None or a not in flow.data.get("picked", [])
    await _assert_nothing_changed(harness, world, objects)


async def test_an_admin_who_is_not_the_coach_cannot_read_the_client(
    harness: Harness, clock: ManualClock
) -> None:
    world, objects = await _setup(harness, clock)
    version = await _pick_version(harness, world.admin, world.ids["admin"])
    stamp = int(clock.now().timestamp()) // 60
    for data in _forgeries(world, objects, stamp, version):
        _refused(await _press_forged(harness, world.admin, data), data)
    shown = [*texts(await say(harness, world.admin, "/inbox"))]
    shown += texts(await say(harness, world.admin, "/mydata"))
    assert_no_trace(shown, TRACES)
    await _assert_nothing_changed(harness, world, objects)


async def test_client_b_cannot_reach_client_as_things(harness: Harness, clock: ManualClock) -> None:
    world, objects = await _setup(harness, clock)
    stamp = int(clock.now().timestamp()) // 60
    for data in _forgeries(world, objects, stamp, 1):
        _refused(await _press_forged(harness, world.b, data), data)
    # B's coach commands are refused too, with the translated answer.
    for command in ("/inbox", "/invites", "/caseload"):
        shown = texts(await say(harness, world.b, command))
        assert shown == ["This is not available to you."], command
    # B's /progress is B's own chart, whatever follows the command.
    chart = await say(harness, world.b, f"/progress {world.ids['a']}")
    assert [m.kind for m in chart] == ["photo"]
    assert_no_trace(texts(chart), TRACES)
    # B's own notes, when the desk's /notes is there, hold only B's.
    if _has_command(harness, "notes"):
        shown = texts(await say(harness, world.b, "/notes"))
        assert any("a note about B" in s for s in shown)
        assert_no_trace(shown, TRACES)
    await _assert_nothing_changed(harness, world, objects)


async def test_a_stranger_gets_nothing(harness: Harness, clock: ManualClock) -> None:
    world, objects = await _setup(harness, clock)
    stamp = int(clock.now().timestamp()) // 60
    for data in _forgeries(world, objects, stamp, 1):
        _refused(await _press_forged(harness, world.stranger, data), data)
    for command in (
        "/mydata",
        "/forget",
        "/notes",
        "/inbox",
        "/clients",
        "/invite Eve",
        "/progress",
        "/caseload",
    ):
        shown = texts(await say(harness, world.stranger, command))
        assert shown, command
        assert_no_trace(shown, TRACES)
    async with harness.db.session() as session:
        assert (await session.exec(select(Invite))).all() != []
        strangers = (
            await session.exec(
                select(Person).where(col(Person.telegram_user_id) == world.stranger.id)
            )
        ).all()
    assert strangers == []  # nothing was stored about them
    await _assert_nothing_changed(harness, world, objects)


async def test_a_coach_still_reaches_their_own_client(harness: Harness, clock: ManualClock) -> None:
    """The control case: the same buttons work for the coach they were made for."""
    world, objects = await _setup(harness, clock)
    await world.x.press(data=f"rp:{objects.message_id}", message=world.x.bot_messages()[0])
    await harness.settle()
    assert world.x.bot_messages()[-1].visible_text == "Write your answer to Liisa. /cancel stops."
    await say(harness, world.x, "Let's look at it together on Monday.")
    assert world.a.bot_messages()[-1].visible_text == (
        "💬 Kaisa:\nLet's look at it together on Monday."
    )
    # Once X hands A over for good, the old Reply button no longer opens A for X.
    async with harness.db.session() as session:
        assignment = await session.get(CoachAssignment, objects.assignment_id)
        assert assignment is not None
        assignment.valid_until = clock.now() - dt.timedelta(minutes=1)
        session.add(
            CoachAssignment(
                coaching_id=assignment.coaching_id,
                client_id=assignment.client_id,
                coach_id=world.ids["y"],
                kind=assignment.kind,
                valid_from=clock.now() - dt.timedelta(minutes=1),
            )
        )
    shown = await _press_forged(harness, world.x, f"rp:{objects.message_id}")
    _refused(shown, "rp after transfer")


def _has_command(harness: Harness, name: str) -> bool:
    return any(
        isinstance(handler, CommandHandler) and name in handler.commands
        for handlers in harness.app.handlers.values()
        for handler in handlers
    )
