"""Invites and onboarding, end to end: a coach's one-time link, the client's way in through
language, privacy, the agreement and a check-in time, and the kind refusals of a bad link.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.checkins import CheckinSchedule
from bot.models.coaching import ClientName, Coaching, CoachingStatus
from bot.models.invites import Invite, InviteKind
from bot.models.people import Role
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import invites, people

pytestmark = pytest.mark.asyncio


async def _coach(harness: Harness, clock: ManualClock, name: str = "Kaisa Virtanen") -> SandboxUser:
    user = harness.sandbox.add_user(first_name=name.split(maxsplit=1)[0], language_code="en")
    harness.sandbox.mark_started(user.id)
    async with harness.db.session() as session:
        await people.add_coach(
            session,
            telegram_user_id=user.id,
            name=name,
            organisation_name="Työpaja Helmi",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
        )
    return user


async def _invite(harness: Harness, coach: SandboxUser, name: str = "Liisa") -> str:
    before = len(coach.bot_messages())
    await coach.send_text(f"/invite {name}")
    await harness.settle()
    [answer] = coach.bot_messages()[before:]
    match = re.search(
        r"https://t\.me/companion_test_bot\?start=([A-Za-z0-9_-]+)", answer.text or ""
    )
    assert match, answer.text
    return match.group(1)


async def _last(harness: Harness, user: SandboxUser) -> str:
    await harness.settle()
    message = user.last_bot_message()
    assert message is not None
    return message.text or ""


async def test_a_client_joins_through_their_coachs_link(
    harness: Harness, clock: ManualClock
) -> None:
    coach = await _coach(harness, clock)
    token = await _invite(harness, coach, "Liisa")
    assert len(token) >= 40
    async with harness.db.session() as session:
        stored = (await session.exec(select(Invite))).one()
    # Only a hash of the token is kept.
    assert stored.token_hash == invites.token_hash(token) and token not in stored.token_hash

    client = harness.sandbox.add_user(first_name="Lisu", language_code="fi")
    await client.send_command("start", token)
    await harness.settle()
    first = client.last_bot_message()
    assert first is not None
    assert first.button_labels == ["🇫🇮 Suomi", "🇸🇪 Svenska", "🇬🇧 English"]
    await client.press("🇬🇧 English")
    assert "Your job coach is Kaisa from Työpaja Helmi" in await _last(harness, client)
    await client.press("▶️ Continue")
    privacy = await _last(harness, client)
    assert "An employer never sees them." in privacy and "/forget" in privacy
    await client.press("👍 I understand")
    assert "Do you agree?" in await _last(harness, client)

    # The bot restarts in the middle: the client goes on where they were.
    await harness.restart_bot()
    await client.press("✅ Yes, I agree")
    assert "When is a good time for you?" in await _last(harness, client)
    await client.press("⏰ Another time")
    assert "for example 08:30" in await _last(harness, client)
    await client.send_text("half past eight")
    assert "I could not read a time there" in await _last(harness, client)
    await client.send_text("8.30")
    done = await _last(harness, client)
    assert done.startswith("All set, Lisu! ✅")
    assert "08:30" in done
    assert client.reply_keyboard == [["✅ Check in", "💬 Message my coach"], ["❓ Help"]]
    assert [m.text for m in coach.bot_messages()][-1] == (
        "✅ Liisa joined. They accepted the coaching agreement."
    )

    async with harness.db.session() as session:
        person = await people.person_by_telegram_id(session, telegram_user_id=client.id)
        assert person is not None and person.locale == "en"
        coaching = (await session.exec(select(Coaching))).one()
        schedule = (await session.exec(select(CheckinSchedule))).one()
        given = (await session.exec(select(ClientName))).one()
        stored = (await session.exec(select(Invite))).one()
    assert coaching.status == CoachingStatus.ACTIVE and coaching.agreement_accepted_at is not None
    assert (schedule.local_time, schedule.weekdays) == (dt.time(8, 30), "12345")
    assert given.name == "Liisa"
    assert stored.used_at is not None and stored.used_by_id == person.id


async def test_declining_the_agreement_stores_nothing_and_tells_the_coach(
    harness: Harness, clock: ManualClock
) -> None:
    coach = await _coach(harness, clock)
    token = await _invite(harness, coach, "Pekka")
    client = harness.sandbox.add_user(first_name="Pekka", language_code="en")
    await client.send_command("start", token)
    await harness.settle()
    await client.press("🇬🇧 English")
    await harness.settle()
    await client.press("▶️ Continue")
    await harness.settle()
    await client.press("👍 I understand")
    await harness.settle()
    await client.press("❌ No, I do not accept")
    assert "Are you sure?" in await _last(harness, client)
    await client.press("❌ Yes, I do not join")
    assert "You did not join" in await _last(harness, client)
    assert coach.bot_messages()[-1].text == (
        "Pekka did not accept the coaching agreement. Nothing about them was saved."
    )
    async with harness.db.session() as session:
        assert await people.person_by_telegram_id(session, telegram_user_id=client.id) is None
        assert (await session.exec(select(Coaching))).all() == []
    # From now on they are a stranger.
    await client.send_text("hello?")
    assert "invite link" in await _last(harness, client)


async def test_a_used_expired_revoked_or_mistyped_link_gets_a_kind_answer_naming_nobody(
    harness: Harness, clock: ManualClock
) -> None:
    coach = await _coach(harness, clock)
    used = await _invite(harness, coach, "Anna")
    first = harness.sandbox.add_user(first_name="Anna", language_code="en")
    await first.send_command("start", used)
    await harness.settle()

    other = harness.sandbox.add_user(first_name="Bertil", language_code="en")
    answers = {}
    await other.send_command("start", used)
    answers["used"] = await _last(harness, other)

    expiring = await _invite(harness, coach, "Cecilia")
    revoked = await _invite(harness, coach, "Daniel")
    before = len(coach.bot_messages())
    await coach.send_text("/invites")
    await harness.settle()
    listing = coach.bot_messages()[before]
    assert "Cecilia" in (listing.text or "") and "Daniel" in (listing.text or "")
    await coach.press("🚫 Revoke: Daniel", message=listing)
    await harness.settle()
    assert "Daniel" not in (coach.bot_messages()[before].text or "")  # the list was updated
    await other.send_command("start", revoked)
    answers["revoked"] = await _last(harness, other)

    clock.advance(dt.timedelta(days=8))
    await other.send_command("start", expiring)
    answers["expired"] = await _last(harness, other)
    await other.send_command("start", used[:-3] + "abc")
    answers["mistyped"] = await _last(harness, other)

    assert "already been used" in answers["used"]
    assert "no longer valid" in answers["revoked"]
    assert "too old" in answers["expired"]
    assert "does not work" in answers["mistyped"]
    for answer in answers.values():
        for name in ("Kaisa", "Virtanen", "Anna", "Cecilia", "Daniel", "Helmi"):
            assert name not in answer


async def test_guessing_links_is_slowed_down(harness: Harness, clock: ManualClock) -> None:
    coach = await _coach(harness, clock)
    good = await _invite(harness, coach, "Eero")
    guesser = harness.sandbox.add_user(first_name="Guess", language_code="en")
    for n in range(5):
        await guesser.send_command("start", f"{'x' * 40}{n:03d}")
        await harness.settle()
    assert "Too many tries" in await _last(harness, guesser)
    # Even a good link waits until the pause is over.
    await guesser.send_command("start", good)
    assert "Too many tries" in await _last(harness, guesser)
    clock.advance(dt.timedelta(minutes=16))
    await guesser.send_command("start", good)
    assert (await _last(harness, guesser)).startswith("Welcome!")


async def test_the_cli_makes_a_coach_link_that_makes_a_coach(
    harness: Harness, clock: ManualClock
) -> None:
    async with harness.db.session() as session:
        organisation = await people.ensure_organisation(
            session, name="Säätiö", now=clock.now(), timezone="Europe/Helsinki", locale="fi"
        )
        assert organisation.id is not None
        _invite_row, token = await invites.create(
            session,
            kind=InviteKind.COACH,
            organisation_id=organisation.id,
            now=clock.now(),
        )
    newcomer = harness.sandbox.add_user(first_name="Maija", last_name="Mäki", language_code="en")
    await newcomer.send_command("start", token)
    assert "Welcome, Maija Mäki! You are now a coach here." in await _last(harness, newcomer)
    async with harness.db.session() as session:
        person = await people.person_by_telegram_id(session, telegram_user_id=newcomer.id)
        assert person is not None
        roles = await people.roles_of(session, person_id=person.id or 0, now=clock.now())
    assert Role.COACH in roles


async def test_a_client_cannot_become_a_coach_through_a_coach_link(
    harness: Harness, clock: ManualClock
) -> None:
    """A coach link opened by someone in coaching (any organisation) makes nobody a coach."""
    coach = await _coach(harness, clock)
    active = harness.sandbox.add_user(first_name="Lisu", language_code="en")
    await active.send_command("start", await _invite(harness, coach, "Liisa"))
    await harness.settle()
    for label in ("🇬🇧 English", "▶️ Continue", "👍 I understand", "✅ Yes, I agree"):
        await active.press(label)
        await harness.settle()
    await active.press(index=0)  # the first check-in time offered
    assert "All set" in await _last(harness, active)
    joining = harness.sandbox.add_user(first_name="Pekka", language_code="en")
    await joining.send_command("start", await _invite(harness, coach, "Pekka"))
    await harness.settle()
    async with harness.db.session() as session:
        other = await people.ensure_organisation(
            session, name="Säätiö", now=clock.now(), timezone="Europe/Helsinki", locale="fi"
        )
        assert other.id is not None
        link, token = await invites.create(
            session, kind=InviteKind.COACH, organisation_id=other.id, now=clock.now()
        )

    for client, answer in (
        (active, "This link is for a new job coach. You are in job coaching as a client"),
        # Still joining: the bot goes on with their onboarding where they left it.
        (joining, "Which language do you want?"),
    ):
        await client.send_command("start", token)
        assert answer in await _last(harness, client)
        async with harness.db.session() as session:
            person = await people.person_by_telegram_id(session, telegram_user_id=client.id)
            assert person is not None and person.id is not None
            roles = await people.roles_of(session, person_id=person.id, now=clock.now())
        assert roles == {Role.CLIENT}
    async with harness.db.session() as session:
        coachings = (await session.exec(select(Coaching).order_by(col(Coaching.id)))).all()
        assert [c.status for c in coachings] == [CoachingStatus.ACTIVE, CoachingStatus.ONBOARDING]
        stored = await session.get(Invite, link.id)
        assert stored is not None and stored.used_at is None

    # The link still works for the coach it was meant for.
    newcomer = harness.sandbox.add_user(first_name="Maija", language_code="en")
    await newcomer.send_command("start", token)
    assert "You are now a coach here." in await _last(harness, newcomer)
