"""Declining the agreement takes away only what the invite added: a former client, or a person
known to another organisation, keeps everything they had; a coach cannot make themselves a
client with a client invite.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models import (
    Checkin,
    CheckinStatus,
    ClientName,
    Coaching,
    CoachingStatus,
    CoachNote,
    Invite,
    Membership,
    Person,
    Role,
)
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import people
from tests.support.actors import say
from tests.support.world import World, build_world

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def world(harness: Harness, clock: ManualClock) -> World:
    return await build_world(harness, clock)


async def _invite(harness: Harness, coach: SandboxUser, name: str) -> str:
    answer = (await say(harness, coach, f"/invite {name}"))[-1]
    match = re.search(r"\?start=([A-Za-z0-9_-]+)", answer.text or "")
    assert match, answer.text
    return match.group(1)


async def _open_and_decline(harness: Harness, user: SandboxUser, token: str) -> str:
    """Open the link, walk to the agreement and decline; the bot's last words to the person."""
    await user.send_command("start", token)
    await harness.settle()
    for label in ("🇬🇧 English", "▶️ Continue", "👍 I understand", "❌ No, I do not accept"):
        await user.press(label)
        await harness.settle()
    await user.press("❌ I do not join – delete my data")
    await harness.settle()
    last = user.last_bot_message()
    assert last is not None
    return last.text or ""


async def _history(harness: Harness, person_id: int) -> dict[str, object]:
    """What is kept of a person: their row, coachings, check-ins, notes, names and roles."""
    async with harness.db.session() as session:
        person = await session.get(Person, person_id)
        coachings = (
            await session.exec(
                select(Coaching.organisation_id, Coaching.status)
                .where(Coaching.client_id == person_id)
                .order_by(col(Coaching.id))
            )
        ).all()
        checkins = (
            await session.exec(select(Checkin.id).where(Checkin.client_id == person_id))
        ).all()
        notes = (
            await session.exec(select(CoachNote.text).where(CoachNote.client_id == person_id))
        ).all()
        names = (
            await session.exec(
                select(ClientName.coach_id, ClientName.name).where(
                    ClientName.client_id == person_id
                )
            )
        ).all()
        roles = (
            await session.exec(
                select(Membership.organisation_id, Membership.role, Membership.active_until).where(
                    Membership.person_id == person_id
                )
            )
        ).all()
    return {
        "person": (person.display_name, person.locale) if person else None,
        "coachings": sorted(coachings),
        "checkins": sorted(i for i in checkins if i is not None),
        "notes": sorted(notes),
        "names": sorted(names),
        "roles": sorted(roles, key=str),
    }


async def _give_history(harness: Harness, world: World, clock: ManualClock) -> None:
    """Client A has a check-in and a note from Kaisa."""
    now = clock.now()
    async with harness.db.session() as session:
        session.add(
            Checkin(
                client_id=world.ids["a"],
                due_at=now - dt.timedelta(days=2),
                window_ends_at=now - dt.timedelta(days=1),
                status=CheckinStatus.ANSWERED,
                mood=4,
                created_at=now,
                updated_at=now,
            )
        )
        session.add(CoachNote(client_id=world.ids["a"], coach_id=world.ids["x"], text="Good work."))


async def test_a_former_client_who_declines_a_new_coaching_keeps_their_history(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    await _give_history(harness, world, clock)
    async with harness.db.session() as session:
        coaching = (
            await session.exec(select(Coaching).where(Coaching.client_id == world.ids["a"]))
        ).one()
        coaching.status = CoachingStatus.CLOSED
        coaching.closed_at = clock.now()
    before = await _history(harness, world.ids["a"])

    # Another coach of the same workshop invites her again; she says no this time.
    token = await _invite(harness, world.y, "Liisa V")
    seen_by_y = len(world.y.bot_messages())
    said = await _open_and_decline(harness, world.a, token)
    assert said == (
        "OK. You did not join this coaching. I removed only what this link started. "
        "Everything from before stays as it was. "
        "If you change your mind, ask your coach for a new link."
    )
    assert [m.text for m in world.y.bot_messages()[seen_by_y:]] == [
        "Liisa V did not accept the coaching agreement. I removed the new coaching. "
        "Their earlier coaching here stays as it was."
    ]
    assert await _history(harness, world.ids["a"]) == before
    # Her own notes are still hers to read.
    assert "Good work." in ((await say(harness, world.a, "/notes"))[-1].text or "")


async def test_a_client_of_another_organisation_who_declines_loses_nothing_there(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    await _give_history(harness, world, clock)
    other = harness.sandbox.add_user("Olli", language_code="en")
    harness.sandbox.mark_started(other.id)
    async with harness.db.session() as session:
        olli = await people.add_coach(
            session,
            telegram_user_id=other.id,
            name="Olli Outo",
            organisation_name="Säätiö Toinen",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
        )
    before = await _history(harness, world.ids["a"])

    token = await _invite(harness, other, "Lisa")
    seen_by_olli = len(other.bot_messages())
    said = await _open_and_decline(harness, world.a, token)
    assert "Everything from before stays as it was." in said
    # The other organisation learns nothing of her life elsewhere.
    assert [m.text for m in other.bot_messages()[seen_by_olli:]] == [
        "Lisa did not accept the coaching agreement. Nothing about them was saved."
    ]
    assert await _history(harness, world.ids["a"]) == before
    async with harness.db.session() as session:
        assert (
            await session.exec(select(ClientName).where(ClientName.coach_id == olli.id))
        ).all() == []
    # Her coaching with Kaisa goes on: her words still reach Kaisa.
    seen_by_x = len(world.x.bot_messages())
    await say(harness, world.a, "Still here!")
    assert "Still here!" in [m.text for m in world.x.bot_messages()[seen_by_x:]]


async def test_a_person_who_had_only_chosen_a_language_keeps_their_language(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    sami = world.stranger
    await say(harness, sami, "/language")
    await sami.press("🇸🇪 Svenska")
    await harness.settle()
    async with harness.db.session() as session:
        found = await people.person_by_telegram_id(session, telegram_user_id=sami.id)
    token = await _invite(harness, world.x, "Sami")
    said = await _open_and_decline(harness, sami, token)
    assert "ask your coach for a new link" in said
    async with harness.db.session() as session:
        after = await people.person_by_telegram_id(session, telegram_user_id=sami.id)
        coachings = (
            await session.exec(
                select(Coaching).where(Coaching.client_id == (after.id if after else 0))
            )
        ).all()
        roles = (
            await session.exec(
                select(Membership).where(Membership.person_id == (after.id if after else 0))
            )
        ).all()
    if found is None:
        assert after is None  # nothing was kept of a language choice: nothing to keep
    else:
        assert after is not None and after.display_name is None
        assert coachings == [] and roles == []


async def test_a_coach_cannot_make_themselves_a_client_with_a_client_invite(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    token = await _invite(harness, world.x, "Liisa")
    for coach in (world.x, world.y, world.admin):
        answer = (await say(harness, coach, f"/start {token}"))[-1]
        assert answer.text == (
            "This link is for a new client, and you work here as a coach. "
            "It did not make you a client. Send the link to the person it is for."
        )
    async with harness.db.session() as session:
        for key in ("x", "y", "admin"):
            assert (
                await session.exec(select(Coaching).where(Coaching.client_id == world.ids[key]))
            ).all() == []
            roles = await people.roles_of(session, person_id=world.ids[key], now=clock.now())
            assert Role.CLIENT not in roles
        invite = (await session.exec(select(Invite))).one()
        assert invite.used_at is None
    # The link still works for the person it is for.
    newcomer = harness.sandbox.add_user("Liisa", language_code="en")
    await newcomer.send_command("start", token)
    await harness.settle()
    assert newcomer.last_bot_message().button_labels == [  # type: ignore[union-attr]
        "🇫🇮 Suomi",
        "🇸🇪 Svenska",
        "🇬🇧 English",
    ]
