"""Follow-up after placement end to end, clock injected: the employee's contacts taper from weekly
to every three months, three unanswered ones tighten the rhythm back to weekly and flag the coach,
and the follow-up ends 36 months on; the client can stop the questions; the employer's contact
and the employee's paired pulse, whose mismatch reaches only the coach.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.coaching import Coaching, CoachingStatus
from bot.models.consent import Consent, ConsentSubject
from bot.models.flags import Flag, FlagKind
from bot.models.people import Person
from bot.models.placements import (
    Employer,
    EmployerContact,
    FollowUpContact,
    FollowUpPlan,
    FollowUpStatus,
    Placement,
    PlacementContact,
    PlacementKind,
)
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import followup
from tests.support.actors import everything, labels, press, say
from tests.support.moments import utc
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio
QUESTION = "👋 Hello! A short question from your coaching about how work is going."
EMPLOYER_QUESTION = "👋 Hello! A short question about Lisu's work."
HELSINKI = ZoneInfo("Europe/Helsinki")
START = dt.date(2026, 3, 2)


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    clock.set(utc(2026, 2, 27, 8, 0))  # Friday before the start, 10:00 in Helsinki
    return await build(harness, clock.now())


async def _place(harness: Harness, desk: Desk, client: str, now: dt.datetime) -> tuple[int, int]:
    """A current placement starting on START; returns (placement id, employer id)."""
    async with harness.db.session() as session:
        employer = Employer(name="Kahvila <Kuppi & Co>", organisation_id=desk.organisation_id)
        session.add(employer)
        await session.flush()
        assert employer.id is not None
        placement = Placement(
            client_id=desk.ids[client],
            employer_id=employer.id,
            job_title="Kitchen helper",
            start_date=START,
            kind=PlacementKind.WAGE_SUBSIDISED,
            is_current=True,
            created_at=now,
            updated_at=now,
        )
        session.add(placement)
        await session.flush()
        assert placement.id is not None
        return placement.id, employer.id


async def _due(harness: Harness) -> dt.datetime | None:
    async with harness.db.session() as session:
        return await followup.next_due(session)


def _questions(user: SandboxUser) -> list[SandboxMessage]:
    return [m for m in user.bot_messages() if (m.text or "").startswith(QUESTION)]


async def _answer(harness: Harness, user: SandboxUser, *labels_: str) -> None:
    message = _questions(user)[-1]
    for label in labels_:
        await press(harness, user, label, message=message)


def _days(times: list[dt.datetime]) -> list[str]:
    return [t.astimezone(HELSINKI).strftime("%Y-%m-%d %H:%M") for t in times]


async def test_contacts_taper_tighten_after_silence_and_end_after_36_months(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    liisa, kaisa = desk.liisa, desk.kaisa
    await _place(harness, desk, "liisa", clock.now())
    # Nobody called start_follow_up: the dispatcher notices the placement itself.
    await harness.tick()
    silent = {"2027-03-15", "2027-06-15", "2027-09-15"}
    asked: list[dt.datetime] = []
    for _step in range(200):
        due = await _due(harness)
        if due is None:
            break
        clock.set(max(due, clock.now()))
        before = len(_questions(liisa))
        await harness.tick()
        if len(_questions(liisa)) > before:
            asked.append(clock.now())
            if _days([clock.now()])[0][:10] not in silent:
                await _answer(harness, liisa, "🙂 Good", "👍 Just right", "🙂 Good")
    assert await _due(harness) is None
    assert _days(asked) == [
        # Weekly in the first month after the start (2 March) ...
        "2026-03-09 10:00",
        "2026-03-16 10:00",
        "2026-03-23 10:00",
        "2026-03-30 10:00",
        # ... every two weeks in months 2-3 ...
        "2026-04-06 10:00",
        "2026-04-20 10:00",
        "2026-05-04 10:00",
        "2026-05-18 10:00",
        "2026-06-01 10:00",
        # ... monthly to month 12 ...
        "2026-06-15 10:00",
        "2026-07-15 10:00",
        "2026-08-15 10:00",
        "2026-09-15 10:00",
        "2026-10-15 10:00",
        "2026-11-15 10:00",
        "2026-12-15 10:00",
        "2027-01-15 10:00",
        "2027-02-15 10:00",
        # ... then every three months; these three go unanswered ...
        "2027-03-15 10:00",
        "2027-06-15 10:00",
        "2027-09-15 10:00",
        # ... and a week after the third, the rhythm is weekly again for a month ...
        "2027-09-29 10:00",
        "2027-10-06 10:00",
        "2027-10-13 10:00",
        "2027-10-20 10:00",
        "2027-10-27 10:00",
        # ... then tapers again to every three months, until 36 months from the start.
        "2028-01-27 10:00",
        "2028-04-27 10:00",
        "2028-07-27 10:00",
        "2028-10-27 10:00",
        "2029-01-27 10:00",
    ]
    # The question is three taps, in the client's language.
    first = _questions(liisa)[0]
    assert labels(first) == [
        "🙂 Good",
        "😐 So-so",
        "😣 Hard",
        "📞 I want my coach to contact me",
        "🔕 No more follow-up questions",
    ]
    assert first.text == f"{QUESTION}\n\n💼 How is work going?"
    # The coach heard about the silence once.
    silence = [
        m for m in kaisa.bot_messages() if "has not answered the last follow-up" in (m.text or "")
    ]
    assert len(silence) == 1
    async with harness.db.session() as session:
        flags = (
            await session.exec(select(Flag).where(Flag.kind == FlagKind.FOLLOWUP_SILENCE))
        ).all()
        answers = (
            await session.exec(
                select(FollowUpContact.answers).where(FollowUpContact.answered_at.is_not(None))  # type: ignore[union-attr]
            )
        ).all()
        coaching = (
            await session.exec(select(Coaching).where(Coaching.client_id == desk.ids["liisa"]))
        ).one()
    assert len(flags) == 1 and flags[0].client_id == desk.ids["liisa"]
    assert {"work": "good", "workload": "ok", "along": "good"} in answers
    # The coaching remembers when its follow-up ends: 36 months on, and the answer window.
    assert coaching.follow_up_until is not None
    assert coaching.follow_up_until.astimezone(HELSINKI) == dt.datetime(
        2029, 3, 9, 10, 0, tzinfo=HELSINKI
    )
    # Nothing more comes, a year on.
    count = len(liisa.bot_messages())
    clock.set(utc(2030, 3, 1, 8, 0))
    await harness.tick()
    assert len(liisa.bot_messages()) == count


async def test_the_client_can_stop_the_questions_and_start_them_again(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    pekka = desk.pekka
    placement_id, _employer = await _place(harness, desk, "pekka", clock.now())
    async with harness.db.session() as session:
        await followup.start_follow_up(
            session, client_id=desk.ids["pekka"], placement_id=placement_id, now=clock.now()
        )
    # Started again later (the placement saved twice): nothing is scheduled twice.
    async with harness.db.session() as session:
        await followup.start_follow_up(
            session,
            client_id=desk.ids["pekka"],
            placement_id=placement_id,
            now=utc(2026, 3, 4, 8, 0),
        )
    clock.set(utc(2026, 3, 9, 8, 0))
    await harness.tick()
    assert len(_questions(pekka)) == 1
    await press(harness, pekka, "🔕 No more follow-up questions", message=_questions(pekka)[0])
    assert "🔕 Okay. No more follow-up questions from me." in everything(pekka)
    count = len(pekka.bot_messages())
    for month in range(3, 13):
        clock.set(utc(2026, month, 28, 8, 0))
        await harness.tick()
    assert len(pekka.bot_messages()) == count

    shown = await say(harness, pekka, "/settings")
    assert "📮 Follow-up questions about work: off" in (shown[-1].text or "")
    await press(harness, pekka, "🔔 Follow-up questions on", message=shown[-1])
    assert "📮 Follow-up questions about work: on" in (pekka.last_bot_message().text or "")  # type: ignore[union-attr]
    # The next one on the rhythm after today (28 Dec 2026): monthly, 15 January.
    clock.set(utc(2027, 1, 15, 7, 59))
    await harness.tick()
    assert _questions(pekka) == []
    clock.set(utc(2027, 1, 15, 8, 0))
    await harness.tick()
    assert len(_questions(pekka)) == 1


async def test_employer_contact_and_paired_pulse_mismatch_reach_only_the_coach(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    liisa, kaisa = desk.liisa, desk.kaisa
    erkki = harness.sandbox.add_user(first_name="Erkki", language_code="en")
    harness.sandbox.mark_started(erkki.id)
    placement_id, employer_id = await _place(harness, desk, "liisa", clock.now())
    now = clock.now()
    async with harness.db.session() as session:
        person = Person(
            telegram_user_id=erkki.id,
            chat_id=erkki.id,
            display_name="Erkki Esimies",
            locale="en",
            locale_chosen=True,
        )
        session.add(person)
        await session.flush()
        assert person.id is not None
        contact = EmployerContact(employer_id=employer_id, person_id=person.id, active_from=now)
        session.add(contact)
        await session.flush()
        assert contact.id is not None
        session.add(PlacementContact(placement_id=placement_id, contact_id=contact.id))
        session.add(
            Consent(
                client_id=desk.ids["liisa"],
                subject=ConsentSubject.EMPLOYER_LINK,
                employer_id=employer_id,
                text_version="test",
                given_at=now,
            )
        )
        await followup.start_follow_up(
            session, client_id=desk.ids["liisa"], placement_id=placement_id, now=now
        )

    # Two weeks after the start: the employer's question and the employee's, about one period.
    clock.set(utc(2026, 3, 16, 8, 0))
    await harness.tick()
    asked = [m for m in erkki.bot_messages() if (m.text or "").startswith(EMPLOYER_QUESTION)]
    assert len(asked) == 1
    assert asked[0].text == (
        f"{EMPLOYER_QUESTION}\n\n"
        "How is the work going? Is there anything the coach could help with?"
    )
    assert labels(asked[0]) == [
        "✅ All good",
        "🤔 Some concerns",
        "⚠️ Serious concerns",
        "📞 Please contact me",
    ]
    assert len(_questions(liisa)) == 2  # the first week's, and this one
    await _answer(harness, liisa, "😣 Hard", "🏋️ Too much", "😐 So-so")
    await press(harness, erkki, "✅ All good", message=asked[0])
    assert "💚 Thank you for your answer." in everything(erkki)

    # The coach is told in working hours (it is Monday 10:00): the two see the work differently.
    await harness.tick()
    assert any(
        "the employee and the employer see the work very differently" in (m.text or "")
        for m in kaisa.bot_messages()
    )
    async with harness.db.session() as session:
        pair = (
            await session.exec(
                select(FollowUpContact)
                .where(col(FollowUpContact.paired_with_id).is_not(None))
                .order_by(col(FollowUpContact.id))
            )
        ).all()
        kinds = (await session.exec(select(Flag.kind))).all()
    assert len(pair) == 1 and pair[0].answers["work"] == "hard"
    assert FlagKind.PULSE_MISMATCH in kinds

    # The employer asks to be contacted: a flag to the coach.
    await press(harness, erkki, "📞 Please contact me")
    assert "✓ I asked the coach to contact you." in everything(erkki)
    await harness.tick()
    assert any("their employer asks for guidance" in (m.text or "") for m in kaisa.bot_messages())

    # A month after the start, the pair again: the employee's own question comes with it.
    for when in (utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0), utc(2026, 4, 2, 7, 0)):
        clock.set(when)
        await harness.tick()
    assert len(erkki.bot_messages()) == 2
    assert (erkki.last_bot_message().text or "").startswith(EMPLOYER_QUESTION)  # type: ignore[union-attr]
    # Weekly on 9, 23 and 30 March (16 March was answered) and the pulse of 2 April.
    assert len(_questions(liisa)) == 4

    # The client revokes the consent: the employer's open question no longer takes answers.
    async with harness.db.session() as session:
        consent = (await session.exec(select(Consent))).one()
        consent.revoked_at = clock.now()
    await press(harness, erkki, "🤔 Some concerns", message=erkki.last_bot_message())
    assert erkki.callback_answers[-1] == "This question is no longer open."

    # Neither side saw the other's answer, and the employer saw nothing else about the client.
    employer_seen = everything(erkki)
    for word in ("Hard", "Too much", "So-so", "Liisa", "Kitchen", "mood"):
        assert word not in employer_seen
    client_seen = everything(liisa)
    for word in ("All good", "concerns", "Erkki", "contact you", "differently"):
        assert word not in client_seen


async def test_a_closed_coaching_without_a_placement_is_followed_from_the_closing_day(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    cilla = desk.cilla
    async with harness.db.session() as session:
        coaching = (
            await session.exec(select(Coaching).where(Coaching.client_id == desk.ids["cilla"]))
        ).one()
        coaching.status = CoachingStatus.CLOSED
        coaching.closed_at = clock.now()  # Friday 27 February
    await harness.tick()
    clock.set(utc(2026, 3, 6, 7, 59))
    await harness.tick()
    assert _questions(cilla) == []
    clock.set(utc(2026, 3, 6, 8, 0))
    await harness.tick()
    assert len(_questions(cilla)) == 1
    await _answer(harness, cilla, "😐 So-so", "🪶 Too little")
    await press(harness, cilla, "📞 I want my coach to contact me")
    assert "✓ I told your coach. They will contact you soon." in everything(cilla)
    async with harness.db.session() as session:
        kinds = (
            await session.exec(select(Flag.kind).where(Flag.client_id == desk.ids["cilla"]))
        ).all()
    assert kinds == [FlagKind.CONTACT_REQUEST]

    # The worst answers on workload and getting along tighten the rhythm and tell the coach.
    clock.set(utc(2026, 3, 13, 8, 0))
    await harness.tick()
    await _answer(harness, cilla, "😐 So-so", "🏋️ Too much", "😣 Hard")
    assert "I told your coach. They will be in touch." in everything(cilla)
    async with harness.db.session() as session:
        worse = (await session.exec(select(Flag).where(Flag.kind == FlagKind.FOLLOWUP_WORSE))).all()
        plan = await session.get(FollowUpPlan, desk.ids["cilla"])
    assert len(worse) == 1 and plan is not None and plan.tightened_at == clock.now()


async def test_a_new_placement_on_the_same_day_replaces_the_follow_up_and_the_bot_goes_quiet(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    first, _employer = await _place(harness, desk, "liisa", clock.now())
    async with harness.db.session() as session:
        assert await followup.start_follow_up(
            session, client_id=desk.ids["liisa"], placement_id=first, now=clock.now()
        )
    async with harness.db.session() as session:
        placement = await session.get(Placement, first)
        assert placement is not None
        placement.is_current = False
    second, _other = await _place(harness, desk, "liisa", clock.now())
    async with harness.db.session() as session:
        # The same start date gives the same due times: they belong to the new placement now.
        assert await followup.start_follow_up(
            session, client_id=desk.ids["liisa"], placement_id=second, now=clock.now()
        )
    await harness.tick()  # settles: the dispatcher has nothing left to do and goes idle
    async with harness.db.session() as session:
        scheduled = (
            await session.exec(
                select(FollowUpContact.placement_id).where(
                    FollowUpContact.client_id == desk.ids["liisa"],
                    FollowUpContact.status == FollowUpStatus.SCHEDULED,
                )
            )
        ).all()
    assert scheduled and set(scheduled) == {second}
