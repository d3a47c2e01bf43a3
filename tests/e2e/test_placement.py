"""After placement, end to end: the coach records work from the card, the client is asked for
consent in plain words, no link exists before a yes, the employer joins through a one-time link,
/consents lists what was shared and takes a consent back at once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.consent import Consent, DisclosedItem, Disclosure
from bot.models.invites import Invite, InviteKind
from bot.models.placements import EmployerContact, Placement, PlacementContact, PlacementKind
from bot.runtime.clock import ManualClock
from bot.services import invites
from tests.support.actors import everything, labels, press, say
from tests.support.employer_world import employer_link, join, open_card, record_placement
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def test_a_placement_is_recorded_and_the_client_is_asked_in_plain_words(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    await record_placement(harness, desk)
    async with harness.db.session() as session:
        [placement] = (await session.exec(select(Placement))).all()
    assert placement.client_id == desk.ids["pekka"]
    assert placement.job_title == "Gardener" and placement.is_current
    assert placement.kind == PlacementKind.WAGE_SUBSIDISED
    assert placement.hours_per_week == 30
    assert placement.start_date.weekday() == 0 and placement.start_date > clock.now().date()

    question = desk.pekka.last_bot_message()
    assert question is not None and question.text is not None
    assert "Gardener at Puutarha <Oy> & Co" in question.text
    assert "will see:" in question.text and "will never see:" in question.text
    assert "your check-ins or your mood" in question.text
    assert labels(question) == [
        "✅ Yes, I allow it",
        "❌ No, I do not allow it",
        "💬 I want to talk with my coach first",
    ]

    # No consent yet: no link.
    assert await employer_link(harness, desk) is None
    assert "has not said yes" in everything(desk.kaisa)
    async with harness.db.session() as session:
        employer_invites = (
            await session.exec(select(Invite).where(Invite.kind == InviteKind.EMPLOYER))
        ).all()
    assert employer_invites == []

    # The card shows the current placement.
    await open_card(harness, desk.kaisa, "Pekka")
    card = desk.kaisa.last_bot_message()
    assert card is not None and "💼 Work: Gardener at Puutarha &lt;Oy&gt; &amp; Co" not in (
        card.text or ""
    )
    assert "💼 Work: Gardener at Puutarha <Oy> & Co" in (card.text or "")
    assert "Contact person: Sari Salo" in (card.text or "")


async def test_talk_first_and_no_tell_the_coach_and_give_no_link(
    harness: Harness, desk: Desk
) -> None:
    await record_placement(harness, desk)
    await press(harness, desk.pekka, "💬 I want to talk with my coach first")
    assert "wants to talk with you before saying yes or no" in everything(desk.kaisa)
    await press(harness, desk.pekka, "❌ No, I do not allow it")
    assert "Pekka said no" in everything(desk.kaisa)
    assert await employer_link(harness, desk) is None
    async with harness.db.session() as session:
        assert (await session.exec(select(Consent))).all() == []


async def test_consent_then_link_then_join_then_revocation(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    await record_placement(harness, desk)
    await press(harness, desk.pekka, "✅ Yes, I allow it")
    assert "Pekka said yes" in everything(desk.kaisa)
    async with harness.db.session() as session:
        [consent] = (await session.exec(select(Consent))).all()
    assert consent.client_id == desk.ids["pekka"] and consent.revoked_at is None
    assert consent.given_at == clock.now() and consent.text_version == "employer-1"

    token = await employer_link(harness, desk)
    assert token is not None
    async with harness.db.session() as session:
        [invite] = (
            await session.exec(select(Invite).where(Invite.kind == InviteKind.EMPLOYER))
        ).all()
    assert invite.token_hash == invites.token_hash(token) and invite.consent_id == consent.id
    assert invite.expires_at == clock.now() + dt.timedelta(days=7)

    boss = harness.sandbox.add_user(first_name="Sari", last_name="Salo", language_code="en")
    await join(harness, boss, token)
    welcome = everything(boss)
    assert "contact person of Puutarha &lt;Oy&gt; &amp; Co" not in welcome
    assert "contact person of Puutarha <Oy> & Co" in welcome
    assert "Your employee is Bert. Their job coach is Kaisa Virtanen." in welcome
    assert "/ask" in welcome
    assert "Sari Salo from Puutarha <Oy> & Co joined" in everything(desk.kaisa)
    async with harness.db.session() as session:
        contacts = (await session.exec(select(EmployerContact))).all()
        links = (await session.exec(select(PlacementContact))).all()
        shared = (await session.exec(select(Disclosure).order_by(col(Disclosure.id)))).all()
    # The contact the coach named is the one who joined.
    assert len(contacts) == 1 and len(links) == 1
    assert [d.what for d in shared] == [DisclosedItem.FIRST_NAME, DisclosedItem.COACH_NAME]
    assert all(d.consent_id == consent.id for d in shared)

    # The link works once.
    other = harness.sandbox.add_user(first_name="Other", language_code="en")
    await join(harness, other, token)
    assert "already been used" in everything(other)

    # Free text from the employer gets a hint.
    [hint] = await say(harness, boss, "How is Bert doing?")
    assert "/ask" in (hint.text or "")

    spare = await employer_link(harness, desk)
    assert spare is not None

    # /consents lists the consent and what was shared.
    [listing] = await say(harness, desk.pekka, "/consents")
    assert "Puutarha <Oy> & Co: yes since" in (listing.text or "")
    assert "your first name" in (listing.text or "")
    assert "your coach's name" in (listing.text or "")
    before_boss = len(boss.bot_messages())
    await press(harness, desk.pekka, "🚫 Take back: Puutarha <Oy> & Co")
    assert "Taken back" in everything(desk.pekka)
    async with harness.db.session() as session:
        [consent] = (await session.exec(select(Consent))).all()
    assert consent.revoked_at == clock.now()
    async with harness.db.session() as session:
        assert (await session.exec(select(PlacementContact))).all() == []
    ended = [m.text for m in boss.bot_messages()[before_boss:]]
    assert ended == ["The link with the job coaching has ended."]
    assert "took back their consent for Puutarha <Oy> & Co" in everything(desk.kaisa)

    # A link made before the revocation and not used no longer works; no new link is given.
    late = harness.sandbox.add_user(first_name="Late", language_code="en")
    await join(harness, late, spare)
    assert "no longer valid" in everything(late)
    assert "Bert" not in everything(late)
    assert await employer_link(harness, desk) is None


async def test_a_new_placement_makes_the_old_one_not_current(harness: Harness, desk: Desk) -> None:
    await record_placement(harness, desk, employer="First Oy", contact=None)
    await record_placement(harness, desk, employer="Second Oy", contact=None)
    async with harness.db.session() as session:
        rows = (await session.exec(select(Placement).order_by(col(Placement.id)))).all()
    assert [p.is_current for p in rows] == [False, True]
    await open_card(harness, desk.kaisa, "Pekka")
    card = desk.kaisa.last_bot_message()
    assert card is not None and "Second Oy" in (card.text or "")
    assert "First Oy" not in (card.text or "")


async def test_a_client_cannot_answer_or_revoke_for_another_client(
    harness: Harness, desk: Desk
) -> None:
    await record_placement(harness, desk)
    await press(harness, desk.pekka, "✅ Yes, I allow it")
    async with harness.db.session() as session:
        [placement] = (await session.exec(select(Placement))).all()
        [consent] = (await session.exec(select(Consent))).all()
    [own] = await say(harness, desk.liisa, "/consents")
    assert own.text == "You have not given consent to any employer."
    before = len(desk.liisa.bot_messages())
    await press(harness, desk.liisa, data=f"cn:r:{consent.id}", message=own)
    await press(harness, desk.liisa, data=f"cn:n:{placement.id}", message=own)
    seen = [m.text for m in desk.liisa.bot_messages()[before:]]
    assert seen == ["This is not available to you.", "This is not available to you."]
    async with harness.db.session() as session:
        [consent] = (await session.exec(select(Consent))).all()
    assert consent.revoked_at is None
    assert "Puutarha" not in everything(desk.liisa) and "Bert" not in everything(desk.liisa)


async def test_a_second_contact_person_joins_under_the_same_consent(
    harness: Harness, desk: Desk
) -> None:
    await record_placement(harness, desk)
    await press(harness, desk.pekka, "✅ Yes, I allow it")
    first = await employer_link(harness, desk)
    second = await employer_link(harness, desk)
    assert first is not None and second is not None and first != second
    sari = harness.sandbox.add_user(first_name="Sari", last_name="Salo", language_code="en")
    timo = harness.sandbox.add_user(first_name="Timo", last_name="Tammi", language_code="en")
    await join(harness, sari, first)
    await join(harness, timo, second)
    assert "Your employee is Bert." in everything(timo)
    async with harness.db.session() as session:
        assert len((await session.exec(select(Consent))).all()) == 1
        assert len((await session.exec(select(EmployerContact))).all()) == 2
        assert len((await session.exec(select(PlacementContact))).all()) == 2
    for boss in (sari, timo):
        [prompt] = await say(harness, boss, "/ask")
        assert "about Bert" in (prompt.text or "")
