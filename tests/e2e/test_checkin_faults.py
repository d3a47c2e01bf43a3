"""Check-ins due for many clients at once, through the sandbox's faults (clock injected): 429s,
a 5xx streak, timeouts that drop the call and a client who blocked the bot → every reachable
client gets their check-in exactly once and the blocked one's coach is told once; timeouts after
the sandbox handled the call → every check-in arrives, duplicates no more than the timeouts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.models.checkins import Checkin
from bot.models.people import Reachability, ReachabilityState
from bot.models.transport import OutboxMessage
from bot.runtime.clock import ManualClock
from bot.sandbox import FaultKind, FloodLimits, SandboxMessage, SandboxUser
from bot.services import schedules

pytestmark = pytest.mark.asyncio

CLIENTS = 60
# Tuesday 3 March 2026: 07:59 and 08:00 in Helsinki (EET, UTC+2).
BEFORE = dt.datetime(2026, 3, 3, 5, 59, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC)
UNREACHABLE = "cannot get my messages right now"


@dataclass
class World:
    harness: Harness
    coach: SandboxUser
    clients: list[tuple[int, SandboxUser]]  # (person id, sandbox user)


def is_checkin(message: SandboxMessage) -> bool:
    """The check-in question: its buttons carry `ci:` callback data (any language)."""
    return any((b.callback_data or "").startswith("ci:") for row in message.buttons for b in row)


def checkins_in(user: SandboxUser) -> int:
    return sum(1 for m in user.bot_messages() if is_checkin(m))


@pytest.fixture
async def world(database_url: str, clock: ManualClock) -> AsyncIterator[World]:
    """60 clients of one coach with a check-in at 08:00 on weekdays; a bot that gives up on a
    call after half a second and would send faster than the sandbox allows."""
    clock.set(BEFORE)
    harness = await Harness.create(
        database_url=database_url,
        clock=clock,
        telegram_timeout_seconds=0.5,
        rate_global_per_second=200.0,
        rate_per_chat_per_second=20.0,
        rate_per_chat_burst=10,
    )
    harness.sandbox.hang_seconds = 3.0
    sandbox = harness.sandbox
    coach = sandbox.add_user(first_name="Kaisa", language_code="en")
    sandbox.mark_started(coach.id)
    users = [sandbox.add_user(first_name=f"Client{n}", language_code="en") for n in range(CLIENTS)]
    clients = []
    async with harness.db.session() as session:
        for n, user in enumerate(users):
            sandbox.mark_started(user.id)
            ids = await seed(
                session,
                coach_telegram_id=coach.id,
                coach_name="Kaisa",
                client_telegram_id=user.id,
                client_name=f"Client {n}",
                organisation_name="Workshop",
                locale="en",
                timezone="Europe/Helsinki",
                now=clock.now(),
            )
            await schedules.set_single_time(
                session,
                client_id=ids.client_id,
                local_time=dt.time(8, 0),
                timezone="Europe/Helsinki",
                now=clock.now(),
                weekdays="12345",
            )
            clients.append((ids.client_id, user))
    try:
        await harness.start_bot()
        await harness.settle()
        yield World(harness, coach, clients)
    finally:
        await harness.close()


async def _checkin_statuses(harness: Harness) -> Counter[str]:
    async with harness.db.session() as session:
        rows = (await session.exec(select(Checkin))).all()
    return Counter(str(c.status) for c in rows)


async def _outbox(harness: Harness) -> list[OutboxMessage]:
    async with harness.db.session() as session:
        return list((await session.exec(select(OutboxMessage))).all())


async def test_429s_5xx_dropped_timeouts_and_a_block_every_check_in_once_coach_told_once(
    world: World, clock: ManualClock
) -> None:
    harness, sandbox = world.harness, world.harness.sandbox
    blocked_id, blocked = world.clients[7]
    # The client blocked the bot and the bot has not heard of it (the my_chat_member update was
    # missed): the sender meets the 403 itself.
    sandbox.state.users[blocked.id].blocked = True
    # The sandbox allows far less than the bot tries (a burst of 429s), fails a streak of calls
    # with 5xx and drops three calls without an answer (not applied).
    sandbox.flood = FloodLimits(
        global_per_second=15, per_chat_per_second=1, per_chat_burst=2, per_group_per_minute=20
    )
    sandbox.fail_next(5, FaultKind.SERVER_ERROR, methods=["sendMessage"], status=502)
    sandbox.fail_next(3, FaultKind.SERVER_ERROR, methods=["sendMessage"], status=500)
    sandbox.fail_next(3, FaultKind.TIMEOUT_DROP, methods=["sendMessage"])

    clock.set(DUE)
    await harness.tick(timeout=90)

    for person_id, user in world.clients:
        expected = 0 if person_id == blocked_id else 1
        assert checkins_in(user) == expected, (person_id, user.bot_messages())
    assert blocked.bot_messages() == []
    notices = [m for m in world.coach.bot_messages() if UNREACHABLE in (m.text or "")]
    assert len(notices) == 1
    assert "Client 7" in (notices[0].text or "")
    # Every fault fired: the check-ins went through them, not around them.
    sends = Counter(c.status for c in sandbox.calls_to("sendMessage"))
    assert sends[429] >= 1, "the flood limit was never reached"
    assert sends[502] == 5 and sends[500] == 3
    assert sum(1 for c in sandbox.calls_to("sendMessage") if c.fault == "timeout_drop") == 3
    assert sends[403] == 1
    assert sandbox.faults_pending == 0

    by_purpose = {m.purpose: m for m in await _outbox(harness)}
    questions = [m for p, m in by_purpose.items() if p.startswith("checkin-question:")]
    assert Counter(str(m.status) for m in questions) == Counter({"sent": CLIENTS - 1, "held": 1})
    async with harness.db.session() as session:
        reach = await session.get(Reachability, blocked_id)
    assert reach is not None and reach.state == ReachabilityState.BLOCKED
    assert (await _checkin_statuses(harness))["sent"] == CLIENTS

    # Nothing more happens: no late duplicates, no second notice.
    await harness.tick(timeout=30)
    assert sum(checkins_in(u) for _pid, u in world.clients) == CLIENTS - 1
    assert len([m for m in world.coach.bot_messages() if UNREACHABLE in (m.text or "")]) == 1


async def test_timeouts_after_the_call_was_handled_duplicates_no_more_than_the_timeouts(
    world: World, clock: ManualClock
) -> None:
    harness, sandbox = world.harness, world.harness.sandbox
    # The sandbox delivers these calls but the answer never comes back: the sender cannot know
    # the check-in arrived, so it sends it again (at least once; a duplicate per timeout at most).
    sandbox.fail_next(4, FaultKind.TIMEOUT_HANG, methods=["sendMessage"])

    clock.set(DUE)
    await harness.tick(timeout=60)

    per_client = [checkins_in(user) for _pid, user in world.clients]
    assert min(per_client) >= 1, "a check-in was lost"
    timed_out = sum(1 for c in sandbox.calls_to("sendMessage") if c.fault == "timeout_hang")
    assert timed_out == 4
    duplicates = sum(n - 1 for n in per_client)
    assert duplicates <= timed_out
    assert sum(per_client) == CLIENTS + duplicates
    statuses = Counter(
        str(m.status) for m in await _outbox(harness) if m.purpose.startswith("checkin-question:")
    )
    assert statuses == Counter({"sent": CLIENTS})
