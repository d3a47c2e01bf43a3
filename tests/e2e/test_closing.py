"""Closing a coaching, end to end: the coach ends it from the card with an outcome, the check-ins
stop and the client is told kindly; the summary is drafted from facts only, the client approves it
or asks for a change (a new version), and only the approved version can be downloaded, as a PDF
that holds the goals and the outcome. Only the coach who acts for the client may close or
download; forged buttons are refused; a client answers only their own summary.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from pypdf import PdfReader
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.messages.closing_pdf import render
from bot.models.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.models.coaching import (
    AssignmentKind,
    ClosingSummary,
    CoachAssignment,
    Coaching,
    CoachingStatus,
    CoachNote,
    GoalArea,
    Outcome,
    PlanEmphasis,
    SummaryStatus,
)
from bot.models.flows import FlowState
from bot.models.goals import Goal, GoalEvent, GoalEventKind, GoalStatus
from bot.models.people import Person
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from tests.support.desk_world import Desk, build, everything, labels, press, say, texts

pytestmark = pytest.mark.asyncio

SECRET = "Secret-words"
DAY = dt.timedelta(days=1)


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def _coaching_of(harness: Harness, client_id: int) -> Coaching:
    async with harness.db.session() as session:
        return (await session.exec(select(Coaching).where(Coaching.client_id == client_id))).one()


async def _seed(harness: Harness, desk: Desk, start: dt.datetime) -> int:
    """Forty days of Liisa's coaching: a plan, goals, check-ins, a note; returns the schedule."""
    liisa = desk.ids["liisa"]
    coaching = await _coaching_of(harness, liisa)
    assert coaching.id is not None
    async with harness.db.session() as session:
        schedule = CheckinSchedule(
            client_id=liisa,
            local_time=dt.time(9, 0),
            weekdays="1234567",
            timezone="Europe/Helsinki",
            next_due_at=start + 41 * DAY - dt.timedelta(hours=1),
        )
        session.add(schedule)
        await session.flush()
        assert schedule.id is not None
        statuses = [
            CheckinStatus.ANSWERED,
            CheckinStatus.ANSWERED,
            CheckinStatus.ANSWERED,
            CheckinStatus.PARTIAL,
            CheckinStatus.MISSED,
            CheckinStatus.MISSED,
            CheckinStatus.CANCELLED,
        ]
        for day, status in enumerate(statuses, start=1):
            due = start + day * DAY
            answered = status in (CheckinStatus.ANSWERED, CheckinStatus.PARTIAL)
            session.add(
                Checkin(
                    client_id=liisa,
                    schedule_id=schedule.id,
                    due_at=due,
                    window_ends_at=due + dt.timedelta(hours=10),
                    status=status,
                    sent_at=due,
                    answered_at=due + dt.timedelta(minutes=3) if answered else None,
                    mood=4 if answered else None,
                    note=f"{SECRET} in a check-in" if answered else None,
                )
            )
        # Today's check-in was sent and waits for an answer when the coaching is closed.
        today = start + 40 * DAY - dt.timedelta(hours=1)
        session.add(
            Checkin(
                client_id=liisa,
                schedule_id=schedule.id,
                due_at=today,
                window_ends_at=today + dt.timedelta(hours=10),
                status=CheckinStatus.SENT,
                sent_at=today,
            )
        )
        for days, area, level in [
            (0, GoalArea.EVERYDAY_LIFE, 3),
            (5, GoalArea.EMPLOYMENT, 2),
            (20, GoalArea.EVERYDAY_LIFE, 1),
        ]:
            session.add(
                PlanEmphasis(
                    coaching_id=coaching.id,
                    client_id=liisa,
                    area=area,
                    level=level,
                    reason=f"{SECRET} in a reason",
                    set_by_id=desk.ids["kaisa"],
                    agreed_with_client=True,
                    created_at=start + days * DAY,
                )
            )
        reached = Goal(
            client_id=liisa,
            coaching_id=coaching.id,
            area=GoalArea.EVERYDAY_LIFE,
            title="Wake up at 8 every day",
            status=GoalStatus.REACHED,
            reached_at=start + 15 * DAY,
            created_at=start + DAY,
        )
        session.add(reached)
        session.add(
            Goal(
                client_id=liisa,
                coaching_id=coaching.id,
                area=GoalArea.COMPETENCE,
                title="Get a hot-work card",
                status=GoalStatus.IN_PROGRESS,
                created_at=start + 2 * DAY,
            )
        )
        session.add(
            Goal(
                client_id=liisa,
                coaching_id=coaching.id,
                area=GoalArea.EMPLOYMENT,
                title="A proposal never accepted",
                status=GoalStatus.PROPOSED,
                created_at=start + 3 * DAY,
            )
        )
        await session.flush()
        assert reached.id is not None
        session.add(
            GoalEvent(
                goal_id=reached.id,
                kind=GoalEventKind.REACHED,
                note=f"{SECRET} in a goal event",
                created_at=start + 15 * DAY,
            )
        )
        session.add(
            CoachNote(client_id=liisa, coach_id=desk.ids["kaisa"], text=f"{SECRET} in a note")
        )
    return schedule.id


async def _open_card(harness: Harness, coach: SandboxUser, name: str) -> SandboxMessage:
    await say(harness, coach, "/clients")
    await press(harness, coach, f"👤 {name}")
    card = coach.bot_messages()[-1]
    return card


async def _close(harness: Harness, coach: SandboxUser, name: str, outcome: str) -> None:
    await _open_card(harness, coach, name)
    await press(harness, coach, "🏁 End the coaching")
    await press(harness, coach, outcome)
    await press(harness, coach, "✅ Yes, end the coaching")


async def _summaries(harness: Harness, client_id: int) -> list[ClosingSummary]:
    coaching = await _coaching_of(harness, client_id)
    async with harness.db.session() as session:
        rows = await session.exec(
            select(ClosingSummary)
            .where(ClosingSummary.coaching_id == coaching.id)
            .order_by(col(ClosingSummary.version))
        )
        return list(rows.all())


def _pdf_text(data: bytes) -> str:
    """The PDF's words, one space between them (table cells wrap their lines)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def _documents(harness: Harness, user: SandboxUser) -> list[tuple[SandboxMessage, bytes]]:
    found = []
    for message in user.bot_messages():
        if message.kind == "document":
            assert message.file_id is not None
            stored = harness.sandbox.state.files.get(message.file_id)
            assert stored is not None
            found.append((message, stored.data))
    return found


async def test_closing_drafts_a_summary_the_client_approves_before_the_coach_downloads_it(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    start = clock.now()
    schedule_id = await _seed(harness, desk, start)
    await say(harness, desk.liisa, f"{SECRET} in a message to Kaisa")
    clock.set(start + 40 * DAY)  # Saturday 11 April 2026, 10.00 in Helsinki
    kaisa, liisa = desk.kaisa, desk.liisa
    liisa_id = desk.ids["liisa"]

    card = await _open_card(harness, kaisa, "Liisa <L&L>")
    assert "🏁 End the coaching" in labels(card)
    await press(harness, kaisa, "🏁 End the coaching")
    picker = kaisa.bot_messages()[-1]
    assert picker.text == (
        "🏁 End the coaching of Liisa <L&L>.\n\nHow did the coaching end? Choose one."
    )
    assert labels(picker) == [
        "💼 Work on the open labour market",
        "🤝 Wage-subsidised work",
        "🎓 Studies",
        "🔀 Another service",
        "🔚 Ended for other reasons",
        "❌ Cancel",
    ]
    await press(harness, kaisa, "🎓 Studies")
    confirm = kaisa.bot_messages()[-1]
    assert (confirm.text or "").startswith(
        "End the coaching of Liisa <L&L>? How it ended: Studies."
    )
    # Nothing happens before the coach confirms.
    assert (await _coaching_of(harness, liisa_id)).status == CoachingStatus.ACTIVE
    liisa_before = len(liisa.bot_messages())
    await press(harness, kaisa, "✅ Yes, end the coaching")

    coaching = await _coaching_of(harness, liisa_id)
    assert coaching.status == CoachingStatus.CLOSED
    assert coaching.outcome == Outcome.STUDIES
    assert coaching.closed_at == clock.now()
    assert coaching.closed_by_id == desk.ids["kaisa"]
    async with harness.db.session() as session:
        schedule = await session.get(CheckinSchedule, schedule_id)
        assert schedule is not None and not schedule.active and schedule.next_due_at is None
        open_now = (
            await session.exec(
                select(Checkin).where(
                    Checkin.client_id == liisa_id,
                    col(Checkin.status).in_([CheckinStatus.SCHEDULED, CheckinStatus.SENT]),
                )
            )
        ).all()
        assert open_now == []

    [draft] = await _summaries(harness, liisa_id)
    assert draft.version == 1 and draft.status == SummaryStatus.DRAFT
    assert draft.content == {
        "client": "Liisa <L&L>",
        "coach": "Kaisa Virtanen",
        "organisation": "Työpaja Helmi",
        "start": "2026-03-02",
        "end": "2026-04-11",
        "outcome": "studies",
        "emphasis": [
            {
                "area": "everyday_life",
                "levels": [{"from": "2026-03-02", "level": 3}, {"from": "2026-03-22", "level": 1}],
            },
            {"area": "employment", "levels": [{"from": "2026-03-07", "level": 2}]},
        ],
        "goals": [
            {
                "title": "Wake up at 8 every day",
                "area": "everyday_life",
                "status": "reached",
                "reached": True,
                "reached_on": "2026-03-17",
            },
            {
                "title": "Get a hot-work card",
                "area": "competence",
                "status": "in_progress",
                "reached": False,
                "reached_on": None,
            },
        ],
        "checkins": {"due": 6, "answered": 4},
        "coach_sentence": None,
    }
    shown = kaisa.bot_messages()[-1]
    assert (shown.text or "").startswith("✓ The coaching of Liisa <L&L> has ended.")
    assert "🎯 Goals:\n✅ Wake up at 8 every day – reached on 17 Mar 2026\n" in (shown.text or "")
    assert labels(shown) == ["✍️ Write my sentence", "📨 Send to Liisa <L&L>"]

    # The client is told kindly, and nothing of the draft yet.
    ended = texts(liisa.bot_messages()[liisa_before:])
    assert ended == (
        "🌱 Your coaching has now ended. Thank you for the work you did!\n\n"
        "The daily check-ins stop now. Follow-up goes on: Kaisa may ask how you are doing "
        "now and then.\n\n"
        "You can still write to Kaisa here at any time."
    )

    # An old or repeated press does not close it again.
    for data in [f"cs:o:{liisa_id}", f"cs:y:{liisa_id}:other"]:
        await press(harness, kaisa, data=data, message=shown)
        assert kaisa.bot_messages()[-1].text == "This coaching is not open any more."
    assert len(await _summaries(harness, liisa_id)) == 1
    assert (await _coaching_of(harness, liisa_id)).outcome == Outcome.STUDIES

    # The coach cannot download a draft.
    waits = (
        "⏳ The summary is not approved yet. It waits for Liisa <L&L> to read and approve it. "
        "You can download it after that."
    )
    await press(harness, kaisa, data=f"cs:d:{liisa_id}", message=shown)
    assert kaisa.bot_messages()[-1].text == waits

    await press(harness, kaisa, "📨 Send to Liisa <L&L>", message=shown)
    first = liisa.bot_messages()[-1]
    assert (first.text or "").startswith(
        "📄 A summary of your coaching\n\n"
        "Kaisa wrote this summary for those who paid for your coaching (for example the "
        "employment office). It goes to them only if you say it is right.\n\n"
        "🗓️ Time: 2 Mar 2026 – 11 Apr 2026\n"
        "🏁 How it ended: Studies\n\n"
        "🧭 What we worked on:\n"
        "• Everyday life and managing one's affairs: significant (from 2 Mar 2026), "
        "slight (from 22 Mar 2026)\n"
        "• Finding work: moderate (from 7 Mar 2026)\n\n"
        "🎯 Goals:\n"
        "✅ Wake up at 8 every day – reached on 17 Mar 2026\n"
        "• Get a hot-work card – in progress\n\n"
        "✅ Check-ins: 4 of 6 check-ins answered (67 %).\n\n"
        "Is this right?"
    ), first.text
    assert labels(first) == ["👍 Yes, it is right", "✏️ Ask for a change"]
    assert SECRET not in everything(liisa)[-2000:]

    # Sent, not approved: still no download, in any language.
    await press(harness, kaisa, data=f"cs:l:{liisa_id}:en", message=shown)
    assert kaisa.bot_messages()[-1].text == waits
    assert await _documents(harness, kaisa) == []

    # The client asks for a change in their own words; the coach gets them.
    await press(harness, liisa, "✏️ Ask for a change", message=first)
    assert (liisa.bot_messages()[-1].text or "").startswith("✏️ What should change?")
    await say(harness, liisa, "Please say that I started the hot-work course")
    assert liisa.bot_messages()[-1].text == (
        "✓ Your coach got your words. You get a new version of the summary to read."
    )
    request = kaisa.bot_messages()[-1]
    assert request.text == (
        "✏️ Liisa <L&L> asks for a change in the summary:\n\n"
        "Please say that I started the hot-work course\n\n"
        "You can change your own sentence and send the summary again. "
        "Liisa <L&L> then gets a new version."
    )
    await press(harness, kaisa, "✍️ Write my sentence", message=request)
    await say(harness, kaisa, "Liisa started the hot-work card course in April.")
    revised = kaisa.bot_messages()[-1]
    assert "✍️ Kaisa adds: Liisa started the hot-work card course in April." in (revised.text or "")
    await press(harness, kaisa, "📨 Send to Liisa <L&L>", message=revised)

    first_version, second_version = await _summaries(harness, liisa_id)
    assert first_version.status == SummaryStatus.CHANGE_REQUESTED
    assert first_version.change_request == "Please say that I started the hot-work course"
    assert second_version.version == 2 and second_version.status == SummaryStatus.SENT
    assert second_version.content["coach_sentence"] == (
        "Liisa started the hot-work card course in April."
    )

    second = liisa.bot_messages()[-1]
    assert (second.text or "").startswith("📄 A new version of the summary of your coaching")
    assert "✍️ Kaisa adds: Liisa started the hot-work card course in April." in (second.text or "")
    # The first version's buttons no longer count.
    await press(harness, liisa, "👍 Yes, it is right", message=first)
    assert (await _summaries(harness, liisa_id))[0].status == SummaryStatus.CHANGE_REQUESTED
    await press(harness, liisa, "👍 Yes, it is right", message=second)
    assert liisa.bot_messages()[-1].text == (
        "👍 Thank you! You approved the summary. Your coach can now send it on."
    )
    [answered] = [m for m in liisa.bot_messages() if m.message_id == second.message_id]
    assert labels(answered) == [], "the buttons are gone once answered"
    assert (answered.text or "").endswith("Is this right?\n\n✔️ Approved")
    first_version, second_version = await _summaries(harness, liisa_id)
    assert first_version.status == SummaryStatus.CHANGE_REQUESTED
    assert second_version.status == SummaryStatus.APPROVED
    assert second_version.approved_at == clock.now()

    approved = kaisa.bot_messages()[-1]
    assert approved.text == "✅ Liisa <L&L> approved the summary. You can download it now."
    # The card of the closed coaching leads to the summary as well.
    card = await _open_card(harness, kaisa, "Liisa <L&L>")
    assert "Status: coaching ended, follow-up" in (card.text or "")
    assert "🏁 End the coaching" not in labels(card)
    await press(harness, kaisa, "📄 Summary for the purchaser", message=card)
    assert labels(kaisa.bot_messages()[-1]) == ["📄 Download the summary", "⬅️ Back to the card"]
    assert kaisa.bot_messages()[-1].text == (
        "✅ Liisa <L&L> approved the summary. You can download it."
    )
    # The coach picks the language: the client's (now Swedish) or their own.
    async with harness.db.session() as session:
        person = await session.get(Person, liisa_id)
        assert person is not None
        person.locale = "sv"
    await press(harness, kaisa, "📄 Download the summary", message=approved)
    languages = kaisa.bot_messages()[-1]
    assert languages.text == "In which language do you want the summary of Liisa <L&L>?"
    assert labels(languages) == ["📄 Svenska", "📄 English"]
    await press(harness, kaisa, "📄 English", message=languages)
    await press(harness, kaisa, "📄 Svenska", message=languages)

    [(english, english_pdf), (_swedish, swedish_pdf)] = await _documents(harness, kaisa)
    stored = harness.sandbox.state.files.get(english.file_id or "")
    assert stored is not None and stored.file_name == "coaching-summary-liisa-l-l-2026-04-11.pdf"
    assert english_pdf.startswith(b"%PDF")
    text = _pdf_text(english_pdf)
    for expected in [
        "Summary of the coaching",
        "Client: Liisa <L&L>",
        "Period: 2 Mar 2026 – 11 Apr 2026",
        "Outcome: Studies",
        "Wake up at 8 every day",
        "reached on 17 Mar 2026",
        "Get a hot-work card",
        "1 of 2 goals reached.",
        "4 of 6 check-ins answered (67 %).",
        "Liisa started the hot-work card course in April.",
        "Version 2.",
    ]:
        assert expected in text, (expected, text)
    # The reached goal is marked: a tick in DejaVu Sans, [x] in the core font.
    assert "✓ Wake up at 8 every day" in text or "[x] Wake up at 8 every day" in text
    assert "A proposal never accepted" not in text
    assert SECRET not in text
    swedish_text = _pdf_text(swedish_pdf)
    assert "Wake up at 8 every day" in swedish_text
    assert "Outcome: Studies" not in swedish_text
    assert "Summary of the coaching" not in swedish_text

    # The client's own data holds both versions and what they asked for.
    await say(harness, liisa, "/mydata")
    export = liisa.last_bot_message()
    assert export is not None and export.kind == "document" and export.file_id is not None
    stored_export = harness.sandbox.state.files.get(export.file_id)
    assert stored_export is not None
    [exported] = json.loads(stored_export.data)["coachings"]
    assert exported["status"] == "closed" and exported["outcome"] == "studies"
    assert [(s["version"], s["status"]) for s in exported["closing_summaries"]] == [
        (1, "change_requested"),
        (2, "approved"),
    ]
    assert exported["closing_summaries"][0]["your_change_request"] == (
        "Please say that I started the hot-work course"
    )

    # Messages still reach the coach after the closing.
    await say(harness, liisa, "Thank you for everything")
    assert "Thank you for everything" in texts(kaisa.bot_messages()[-2:])

    # No check-in comes the next morning.
    checkins_before = len(await _all_checkins(harness, liisa_id))
    clock.set(start + 41 * DAY)
    await harness.tick()
    assert len(await _all_checkins(harness, liisa_id)) == checkins_before


async def _all_checkins(harness: Harness, client_id: int) -> list[Checkin]:
    async with harness.db.session() as session:
        return list(
            (await session.exec(select(Checkin).where(Checkin.client_id == client_id))).all()
        )


async def test_the_pdf_is_laid_out_in_the_chosen_language_even_without_a_unicode_font() -> None:
    content: dict[str, Any] = {
        "client": "Åsa Öberg",
        "coach": "Kaisa Virtanen",
        "organisation": "Työpaja Helmi",
        "start": "2026-03-02",
        "end": "2026-04-11",
        "outcome": "wage_subsidised",
        "emphasis": [],
        "goals": [],
        "checkins": {"due": 0, "answered": 0},
        "coach_sentence": None,
        "approved_on": "2026-04-12",
        "version": 1,
    }
    for unicode in (True, False):
        text = _pdf_text(render(content, "en", unicode=unicode))
        assert "Client: Åsa Öberg" in text
        assert "Outcome: Wage-subsidised work" in text
        assert "No goals were set." in text
        assert "No check-ins were due." in text


def _refused(user: SandboxUser, before: int) -> None:
    shown = texts(user.bot_messages()[before:])
    answers = [str(a) for a in user.callback_answers]
    assert shown == "This is not available to you." or (
        shown == "" and "This is not available to you." in answers[-1]
    ), (shown, answers[-1:])


async def _forge(harness: Harness, user: SandboxUser, data: str) -> None:
    anchor = user.last_bot_message() or (await say(harness, user, "/help"))[-1]
    before = len(user.bot_messages())
    await press(harness, user, data=data, message=anchor)
    _refused(user, before)


async def test_only_the_coach_who_acts_for_the_client_closes_and_downloads(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    start = clock.now()
    liisa_id, pekka_id = desk.ids["liisa"], desk.ids["pekka"]
    # Another coach's forged buttons are refused and change nothing.
    for data in [
        f"cs:o:{liisa_id}",
        f"cs:k:{liisa_id}:studies",
        f"cs:y:{liisa_id}:studies",
        f"cs:v:{liisa_id}",
        f"cs:d:{liisa_id}",
        f"cs:l:{liisa_id}:en",
    ]:
        await _forge(harness, desk.olli, data)
    assert (await _coaching_of(harness, liisa_id)).status == CoachingStatus.ACTIVE
    assert "Liisa" not in everything(desk.olli)

    # Kaisa hands Pekka to Matti for a week: only Matti may end Pekka's coaching now.
    pekka_coaching = await _coaching_of(harness, pekka_id)
    assert pekka_coaching.id is not None
    async with harness.db.session() as session:
        session.add(
            CoachAssignment(
                coaching_id=pekka_coaching.id,
                client_id=pekka_id,
                coach_id=desk.ids["matti"],
                kind=AssignmentKind.SUBSTITUTE,
                valid_from=start,
                valid_until=start + 7 * DAY,
                created_by_id=desk.ids["kaisa"],
            )
        )
    card = await _open_card(harness, desk.kaisa, "Pekka")
    assert "🏁 End the coaching" not in labels(card)
    await _forge(harness, desk.kaisa, f"cs:y:{pekka_id}:other")
    assert (await _coaching_of(harness, pekka_id)).status == CoachingStatus.ACTIVE

    clock.set(start + DAY)
    await _close(harness, desk.matti, "Bert", "🔀 Another service")
    closed = await _coaching_of(harness, pekka_id)
    assert closed.status == CoachingStatus.CLOSED
    assert closed.outcome == Outcome.OTHER_SERVICE
    assert closed.closed_by_id == desk.ids["matti"]
    await press(harness, desk.matti, "📨 Send to Bert")
    [pekka_summary] = await _summaries(harness, pekka_id)
    assert pekka_summary.status == SummaryStatus.SENT

    # Liisa's summary is waiting for her too; Pekka cannot answer it, nor press a coach's button.
    await _close(harness, desk.kaisa, "Liisa <L&L>", "🎓 Studies")
    await press(harness, desk.kaisa, "📨 Send to Liisa <L&L>")
    [liisa_summary] = await _summaries(harness, liisa_id)
    assert liisa_summary.status == SummaryStatus.SENT
    for data in [
        f"cs:ok:{liisa_summary.id}",
        f"cs:ch:{liisa_summary.id}",
        f"cs:s:{liisa_summary.id}",
        f"cs:a:{liisa_summary.id}",
        f"cs:d:{liisa_id}",
        f"cs:l:{pekka_id}:en",
    ]:
        await _forge(harness, desk.pekka, data)
    [liisa_summary] = await _summaries(harness, liisa_id)
    assert liisa_summary.status == SummaryStatus.SENT
    assert "Liisa" not in everything(desk.pekka)
    async with harness.db.session() as session:
        assert await session.get(FlowState, pekka_id) is None

    # Pekka approves his own; only Matti, who acts for him now, may download it.
    await press(harness, desk.pekka, "👍 Yes, it is right")
    [pekka_summary] = await _summaries(harness, pekka_id)
    assert pekka_summary.status == SummaryStatus.APPROVED
    assert desk.matti.bot_messages()[-1].text == (
        "✅ Bert approved the summary. You can download it now."
    )
    await _forge(harness, desk.kaisa, f"cs:l:{pekka_id}:en")
    await _forge(harness, desk.olli, f"cs:l:{pekka_id}:en")
    assert await _documents(harness, desk.kaisa) == []
    await press(harness, desk.matti, "📄 Download the summary")
    await press(harness, desk.matti, "📄 English")
    [(_message, pdf)] = await _documents(harness, desk.matti)
    text = _pdf_text(pdf)
    assert "Outcome: Another service" in text and "Client: Bert" in text
