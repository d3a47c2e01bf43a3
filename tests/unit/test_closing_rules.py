"""The rules of closing a coaching, without Telegram: who may close, what closing stops, how the
summary's versions move between the coach and the client, and who may download which.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.flows.closing import file_name
from bot.models.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.models.coaching import Coaching, CoachingStatus, Outcome, SummaryStatus
from bot.runtime.db import Database
from bot.services import access, closing, routing
from bot.services.closing import ClosingError, NotApprovedYet
from tests.support.world import add_client, add_coach

NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # Monday 09:00 in Helsinki
LATER = NOW + dt.timedelta(days=30)


async def test_closing_stops_check_ins_and_keeps_the_line_to_the_coach(db: Database) -> None:
    async with db.session() as session:
        kaisa = await add_coach(session, telegram_user_id=1, name="Kaisa", now=NOW)
        olli = await add_coach(session, telegram_user_id=2, name="Olli", now=NOW)
        liisa = await add_client(
            session, coach_id=kaisa, telegram_user_id=11, own_name="L", given_name="Liisa", now=NOW
        )
        schedule = CheckinSchedule(
            client_id=liisa, local_time=dt.time(9), next_due_at=LATER + dt.timedelta(hours=1)
        )
        session.add(schedule)
        await session.flush()
        answered = Checkin(
            client_id=liisa,
            schedule_id=schedule.id,
            due_at=LATER - dt.timedelta(hours=2),
            window_ends_at=LATER + dt.timedelta(hours=8),
            status=CheckinStatus.PARTIAL,
            answered_at=LATER - dt.timedelta(hours=1),
        )
        waiting = Checkin(
            client_id=liisa,
            due_at=LATER - dt.timedelta(hours=1),
            window_ends_at=LATER + dt.timedelta(hours=8),
            status=CheckinStatus.SENT,
        )
        # One the client started on a weekend from the keyboard, and answered.
        own = Checkin(
            client_id=liisa,
            due_at=LATER - dt.timedelta(days=3),
            window_ends_at=LATER - dt.timedelta(days=3) + dt.timedelta(hours=8),
            status=CheckinStatus.ANSWERED,
            answered_at=LATER - dt.timedelta(days=3),
        )
        session.add_all([answered, waiting, own])
        await session.flush()

        with pytest.raises(access.AccessDenied):
            await closing.close_coaching(
                session, coach_id=olli, client_id=liisa, outcome=Outcome.OTHER, now=LATER
            )
        closed = await closing.close_coaching(
            session, coach_id=kaisa, client_id=liisa, outcome=Outcome.WAGE_SUBSIDISED, now=LATER
        )
        assert closed.coaching.status == CoachingStatus.CLOSED
        assert closed.summary.version == 1 and closed.summary.status == SummaryStatus.DRAFT
        assert closed.summary.content["outcome"] == "wage_subsidised"
        # Both answered ones count, also the one the client started; the one waiting for an
        # answer is called off.
        assert closed.summary.content["checkins"] == {"due": 2, "answered": 2}
        await session.refresh(schedule)
        await session.refresh(waiting)
        await session.refresh(answered)
        assert not schedule.active and schedule.next_due_at is None
        assert waiting.status == CheckinStatus.CANCELLED
        assert answered.status == CheckinStatus.PARTIAL

        # Closed twice: refused, nothing new drafted.
        with pytest.raises(ClosingError) as refused:
            await closing.close_coaching(
                session, coach_id=kaisa, client_id=liisa, outcome=Outcome.OTHER, now=LATER
            )
        assert refused.value.user_message == closing.NOT_OPEN
        # The client still reaches their coach, who still sees them.
        coach = await routing.current_coach(session, client_id=liisa, now=LATER)
        assert coach is not None and coach.id == kaisa
        assert await access.can_read_client(session, viewer_id=kaisa, client_id=liisa, now=LATER)
        coachings = (await session.exec(select(Coaching))).all()
        assert [c.status for c in coachings] == [CoachingStatus.CLOSED]


async def test_versions_move_between_coach_and_client_and_only_approved_is_downloaded(
    db: Database,
) -> None:
    async with db.session() as session:
        kaisa = await add_coach(session, telegram_user_id=1, name="Kaisa", now=NOW)
        liisa = await add_client(
            session, coach_id=kaisa, telegram_user_id=11, own_name="L", given_name="Liisa", now=NOW
        )
        pekka = await add_client(
            session, coach_id=kaisa, telegram_user_id=12, own_name="P", given_name="Pekka", now=NOW
        )
        closed = await closing.close_coaching(
            session, coach_id=kaisa, client_id=liisa, outcome=Outcome.STUDIES, now=LATER
        )
        draft = closed.summary
        assert draft.id is not None

        with pytest.raises(NotApprovedYet):
            await closing.approved_summary(session, coach_id=kaisa, client_id=liisa, now=LATER)
        # A draft is not the client's to answer yet.
        with pytest.raises(ClosingError):
            await closing.approve(session, client_id=liisa, summary_id=draft.id, now=LATER)
        with pytest.raises(ClosingError) as too_long:
            await closing.set_sentence(
                session, coach_id=kaisa, summary_id=draft.id, sentence="x" * 501, now=LATER
            )
        assert too_long.value.user_message == closing.SENTENCE_TOO_LONG
        # On a draft the sentence changes in place.
        same = await closing.set_sentence(
            session, coach_id=kaisa, summary_id=draft.id, sentence=" Well done. ", now=LATER
        )
        assert same.id == draft.id and same.content["coach_sentence"] == "Well done."

        sent, client = await closing.send_to_client(
            session, coach_id=kaisa, summary_id=draft.id, now=LATER
        )
        assert sent.id == draft.id and sent.status == SummaryStatus.SENT and client.id == liisa
        # While the client reads it, the coach does not change it.
        with pytest.raises(ClosingError):
            await closing.set_sentence(
                session, coach_id=kaisa, summary_id=draft.id, sentence="Other", now=LATER
            )
        # Another client cannot answer it.
        with pytest.raises(access.AccessDenied):
            await closing.approve(session, client_id=pekka, summary_id=draft.id, now=LATER)

        await closing.request_change(
            session, client_id=liisa, summary_id=draft.id, text="  Add my course  ", now=LATER
        )
        assert draft.status == SummaryStatus.CHANGE_REQUESTED
        assert draft.change_request == "  Add my course  "
        second = await closing.set_sentence(
            session, coach_id=kaisa, summary_id=draft.id, sentence="She took a course.", now=LATER
        )
        assert second.version == 2 and second.status == SummaryStatus.DRAFT
        assert second.content["coach_sentence"] == "She took a course."
        assert second.id is not None
        # The first version is no longer the one to work on or answer.
        with pytest.raises(ClosingError):
            await closing.send_to_client(session, coach_id=kaisa, summary_id=draft.id, now=LATER)
        await closing.send_to_client(session, coach_id=kaisa, summary_id=second.id, now=LATER)
        with pytest.raises(ClosingError):
            await closing.approve(session, client_id=liisa, summary_id=draft.id, now=LATER)
        await closing.approve(session, client_id=liisa, summary_id=second.id, now=LATER)

        downloaded = await closing.approved_summary(
            session, coach_id=kaisa, client_id=liisa, now=LATER
        )
        assert downloaded.id == second.id and downloaded.approved_at == LATER
        # Approved is final.
        with pytest.raises(ClosingError):
            await closing.set_sentence(
                session, coach_id=kaisa, summary_id=second.id, sentence="More", now=LATER
            )
        with pytest.raises(ClosingError):
            await closing.send_to_client(session, coach_id=kaisa, summary_id=second.id, now=LATER)


def test_the_file_name_carries_the_name_in_plain_letters() -> None:
    assert file_name("Liisa <L&L>", "2026-04-11") == "coaching-summary-liisa-l-l-2026-04-11.pdf"
    assert file_name("Åsa Öberg", "2026-04-11") == "coaching-summary-asa-oberg-2026-04-11.pdf"
    assert file_name("Алексей", "2026-04-11") == "coaching-summary-client-2026-04-11.pdf"
