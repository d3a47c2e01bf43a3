"""Closing a coaching: the outcome, the end of check-ins, and the purchaser's summary.

The coach who answers for a client closes the coaching with an outcome. The coaching becomes
closed, the client's check-in times stop and their open check-ins are called off; messages keep
reaching the coach (routing keeps closed coachings). A summary for the purchaser is drafted as
facts, not text: the period, the plan's emphasis over time, the goals and which were reached, how
many check-ins were answered of those due, the outcome, and one sentence of the coach's own if
they add one. Nothing the client wrote in messages or check-ins, and no coach note, goes into it.

The client reads the summary and approves it or asks for a change; a change request goes to the
coach, who may adjust their sentence and send it again as a new version. Only an approved version
may be downloaded, and only by the coach who answers for the client now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.models.coaching import (
    ClosingSummary,
    Coaching,
    CoachingStatus,
    GoalArea,
    Outcome,
    PlanEmphasis,
    SummaryStatus,
)
from bot.models.goals import Goal, GoalEvent, GoalEventKind, GoalStatus
from bot.models.people import Locale, Organisation, Person
from bot.services import access, people
from bot.services.days import local_day, zone_of
from bot.services.errors import STALE_BUTTON, DomainError
from bot.text.i18n import N_

MAX_SENTENCE = 500
# As long as a Telegram message can be: the client's words reach the coach whole.
MAX_CHANGE_REQUEST = 4096

NOT_OPEN = N_("This coaching is not open any more.")
NOTHING_TO_SEND = N_("There is no summary to send right now.")
SENTENCE_TOO_LONG = N_("Please write at most 500 characters.")

# Goals the client agreed to; a proposal the client never accepted is not theirs to report.
_REPORTED_GOALS = [
    GoalStatus.AGREED,
    GoalStatus.IN_PROGRESS,
    GoalStatus.REACHED,
    GoalStatus.LET_GO,
]
# Check-ins that were due and asked: cancelled and never-sent ones do not count.
_DUE_CHECKINS = [
    CheckinStatus.SENT,
    CheckinStatus.ANSWERED,
    CheckinStatus.PARTIAL,
    CheckinStatus.MISSED,
]
_ANSWERED_CHECKINS = [CheckinStatus.ANSWERED, CheckinStatus.PARTIAL]

# The answer to a press of a button that no longer works (bot/services/errors.py).
STALE = STALE_BUTTON


class ClosingError(DomainError):
    """A closing step that cannot be taken now (a stale button, a closed coaching)."""


class NotApprovedYet(DomainError):
    """The coach asked for the summary before the client approved it."""

    def __init__(self, detail: str, *, status: SummaryStatus | None) -> None:
        super().__init__(detail)
        self.status = status


@dataclass(frozen=True, slots=True)
class Closed:
    """A coaching just closed, with its first draft."""

    coaching: Coaching
    summary: ClosingSummary
    client: Person


async def open_coaching(session: AsyncSession, *, client_id: int) -> Coaching | None:
    """The client's active coaching, the one that can be closed."""
    rows = await session.exec(
        select(Coaching)
        .where(Coaching.client_id == client_id, Coaching.status == CoachingStatus.ACTIVE)
        .order_by(col(Coaching.created_at).desc(), col(Coaching.id).desc())
    )
    return rows.first()


async def closed_coaching(session: AsyncSession, *, client_id: int) -> Coaching | None:
    """The client's most recently closed coaching."""
    rows = await session.exec(
        select(Coaching)
        .where(Coaching.client_id == client_id, Coaching.status == CoachingStatus.CLOSED)
        .order_by(col(Coaching.closed_at).desc(), col(Coaching.id).desc())
    )
    return rows.first()


async def latest_summary(session: AsyncSession, *, coaching_id: int) -> ClosingSummary | None:
    """The newest version of a coaching's summary."""
    rows = await session.exec(
        select(ClosingSummary)
        .where(ClosingSummary.coaching_id == coaching_id)
        .order_by(col(ClosingSummary.version).desc())
    )
    return rows.first()


def _day(when: dt.datetime | None, timezone: str) -> str | None:
    return local_day(when, timezone).isoformat() if when is not None else None


async def _emphasis(
    session: AsyncSession, *, coaching_id: int, timezone: str
) -> list[dict[str, Any]]:
    """Per area, in the thesis's order: the level from each day it was set (the day's last)."""
    rows = await session.exec(
        select(PlanEmphasis)
        .where(PlanEmphasis.coaching_id == coaching_id)
        .order_by(col(PlanEmphasis.created_at), col(PlanEmphasis.id))
    )
    by_area: dict[GoalArea, list[dict[str, Any]]] = {}
    for row in rows.all():
        day = _day(row.created_at, timezone)
        levels = by_area.setdefault(GoalArea(row.area), [])
        if levels and levels[-1]["from"] == day:
            levels[-1]["level"] = row.level
        elif not levels or levels[-1]["level"] != row.level:
            levels.append({"from": day, "level": row.level})
    return [{"area": str(area), "levels": by_area[area]} for area in GoalArea if area in by_area]


async def _goals(
    session: AsyncSession, *, coaching: Coaching, timezone: str
) -> list[dict[str, Any]]:
    """The client's agreed goals of this coaching, and the day each reached goal was reached."""
    rows = await session.exec(
        select(Goal)
        .where(
            Goal.client_id == coaching.client_id,
            sa.or_(
                col(Goal.coaching_id) == coaching.id,
                col(Goal.coaching_id).is_(None),
            ),
            col(Goal.status).in_(_REPORTED_GOALS),
        )
        .order_by(col(Goal.created_at), col(Goal.id))
    )
    goals = list(rows.all())
    reached_events: dict[int, dt.datetime] = {}
    ids = [g.id for g in goals if g.id is not None]
    if ids:
        events = await session.exec(
            select(GoalEvent)
            .where(col(GoalEvent.goal_id).in_(ids), GoalEvent.kind == GoalEventKind.REACHED)
            .order_by(col(GoalEvent.created_at))
        )
        for event in events.all():
            reached_events[event.goal_id] = event.created_at
    found = []
    for goal in goals:
        reached = goal.status == GoalStatus.REACHED
        reached_at = goal.reached_at or (reached_events.get(goal.id) if goal.id else None)
        found.append(
            {
                "title": goal.title,
                "area": str(goal.area),
                "status": str(goal.status),
                "reached": reached,
                "reached_on": _day(reached_at, timezone) if reached else None,
            }
        )
    return found


async def _adherence(
    session: AsyncSession, *, client_id: int, start: dt.datetime, end: dt.datetime
) -> dict[str, int]:
    """Check-ins in the period and how many got an answer: every scheduled one that was asked,
    and every one the client started and answered (one they started and left unanswered was
    never due)."""
    rows = await session.exec(
        select(Checkin.status).where(
            Checkin.client_id == client_id,
            sa.or_(
                col(Checkin.schedule_id).is_not(None),
                col(Checkin.status).in_(_ANSWERED_CHECKINS),
            ),
            col(Checkin.due_at) >= start,
            col(Checkin.due_at) <= end,
            col(Checkin.status).in_(_DUE_CHECKINS),
        )
    )
    statuses = list(rows.all())
    answered = sum(1 for status in statuses if status in _ANSWERED_CHECKINS)
    return {"due": len(statuses), "answered": answered}


async def draft_content(
    session: AsyncSession, *, coaching: Coaching, coach_id: int, now: dt.datetime
) -> dict[str, Any]:
    """The facts of the summary of a closed coaching, as the coach's desk names the client."""
    assert coaching.id is not None
    client = await session.get(Person, coaching.client_id)
    coach = await session.get(Person, coach_id)
    organisation = await session.get(Organisation, coaching.organisation_id)
    timezone = zone_of(client)
    start = coaching.agreement_accepted_at or coaching.started_at or coaching.created_at
    end = coaching.closed_at or now
    name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=coaching.client_id)
    return {
        "client": name or "?",
        "coach": (coach.display_name if coach else None) or "?",
        "organisation": organisation.name if organisation else "",
        "start": _day(start, timezone),
        "end": _day(end, timezone),
        "outcome": str(coaching.outcome) if coaching.outcome else None,
        "emphasis": await _emphasis(session, coaching_id=coaching.id, timezone=timezone),
        "goals": await _goals(session, coaching=coaching, timezone=timezone),
        "checkins": await _adherence(session, client_id=coaching.client_id, start=start, end=end),
        "coach_sentence": None,
    }


async def _stop_checkins(session: AsyncSession, *, client_id: int, now: dt.datetime) -> None:
    """No more check-ins: the times stop, and check-ins waiting for a first answer are off."""
    await session.exec(
        sa.update(CheckinSchedule)
        .where(col(CheckinSchedule.client_id) == client_id, col(CheckinSchedule.active).is_(True))
        .values(active=False, next_due_at=None, updated_at=now)
    )
    await session.exec(
        sa.update(Checkin)
        .where(
            col(Checkin.client_id) == client_id,
            col(Checkin.status).in_([CheckinStatus.SCHEDULED, CheckinStatus.SENT]),
            col(Checkin.answered_at).is_(None),
        )
        .values(status=CheckinStatus.CANCELLED, updated_at=now)
    )


async def close_coaching(
    session: AsyncSession,
    *,
    coach_id: int,
    client_id: int,
    outcome: Outcome,
    now: dt.datetime,
) -> Closed:
    """Close the client's coaching with an outcome and draft the first summary."""
    # Closing is acting for the client: the coach who answers for them now (a substitute
    # during a handover), never another coach's client named by a forged button.
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    coaching = await open_coaching(session, client_id=client_id)
    client = await session.get(Person, client_id)
    if coaching is None or coaching.id is None or client is None:
        raise ClosingError(f"client {client_id} has no active coaching", user_message=NOT_OPEN)
    coaching.status = CoachingStatus.CLOSED
    coaching.outcome = outcome
    coaching.closed_at = now
    coaching.closed_by_id = coach_id
    coaching.updated_at = now
    await session.flush()
    await _stop_checkins(session, client_id=client_id, now=now)
    content = await draft_content(session, coaching=coaching, coach_id=coach_id, now=now)
    summary = ClosingSummary(
        coaching_id=coaching.id,
        version=1,
        language=Locale(client.locale) if client.locale in set(Locale) else Locale.FI,
        content=content,
        status=SummaryStatus.DRAFT,
        created_by_id=coach_id,
        created_at=now,
    )
    session.add(summary)
    await session.flush()
    return Closed(coaching=coaching, summary=summary, client=client)


async def coach_summary(
    session: AsyncSession, *, coach_id: int, summary_id: int, now: dt.datetime
) -> tuple[ClosingSummary, Coaching]:
    """A summary the coach may work on: the newest version, of a client they act for."""
    summary = await session.get(ClosingSummary, summary_id)
    coaching = await session.get(Coaching, summary.coaching_id) if summary else None
    if summary is None or coaching is None:
        raise access.AccessDenied(f"summary {summary_id} does not exist")
    await access.require_act(session, coach_id=coach_id, client_id=coaching.client_id, now=now)
    latest = await latest_summary(session, coaching_id=coaching.id or 0)
    if latest is None or latest.id != summary.id:
        raise ClosingError(f"summary {summary_id} is not the newest", user_message=STALE)
    return summary, coaching


def _new_version(summary: ClosingSummary, *, coach_id: int, now: dt.datetime) -> ClosingSummary:
    return ClosingSummary(
        coaching_id=summary.coaching_id,
        version=summary.version + 1,
        language=summary.language,
        content=dict(summary.content),
        status=SummaryStatus.DRAFT,
        created_by_id=coach_id,
        created_at=now,
    )


async def set_sentence(
    session: AsyncSession,
    *,
    coach_id: int,
    summary_id: int,
    sentence: str | None,
    now: dt.datetime,
) -> ClosingSummary:
    """The coach's own sentence (or none): in place on a draft, else as a new version."""
    text = (sentence or "").strip() or None
    if text is not None and len(text) > MAX_SENTENCE:
        raise ClosingError("sentence too long", user_message=SENTENCE_TOO_LONG)
    summary, _coaching = await coach_summary(
        session, coach_id=coach_id, summary_id=summary_id, now=now
    )
    if summary.status in (SummaryStatus.APPROVED, SummaryStatus.SENT):
        # Sent: the client is reading it; approved: it is final.
        raise ClosingError(f"summary {summary_id} is {summary.status}", user_message=STALE)
    if summary.status == SummaryStatus.CHANGE_REQUESTED:
        summary = _new_version(summary, coach_id=coach_id, now=now)
        session.add(summary)
    summary.content = {**summary.content, "coach_sentence": text}
    await session.flush()
    return summary


async def send_to_client(
    session: AsyncSession, *, coach_id: int, summary_id: int, now: dt.datetime
) -> tuple[ClosingSummary, Person]:
    """Show the newest version to the client; after a change request, as a new version."""
    summary, coaching = await coach_summary(
        session, coach_id=coach_id, summary_id=summary_id, now=now
    )
    if summary.status == SummaryStatus.CHANGE_REQUESTED:
        summary = _new_version(summary, coach_id=coach_id, now=now)
        session.add(summary)
    elif summary.status != SummaryStatus.DRAFT:
        raise ClosingError(
            f"summary {summary_id} is {summary.status}", user_message=NOTHING_TO_SEND
        )
    summary.status = SummaryStatus.SENT
    summary.sent_at = now
    await session.flush()
    client = await session.get(Person, coaching.client_id)
    assert client is not None
    return summary, client


async def _client_summary(
    session: AsyncSession, *, client_id: int, summary_id: int
) -> tuple[ClosingSummary, Coaching]:
    """A summary waiting for this client's answer: their own, the newest, and sent."""
    summary = await session.get(ClosingSummary, summary_id)
    coaching = await session.get(Coaching, summary.coaching_id) if summary else None
    if summary is None or coaching is None:
        raise access.AccessDenied(f"summary {summary_id} does not exist")
    access.require_own(viewer_id=client_id, owner_id=coaching.client_id)
    latest = await latest_summary(session, coaching_id=coaching.id or 0)
    if latest is None or latest.id != summary.id or summary.status != SummaryStatus.SENT:
        raise ClosingError(f"summary {summary_id} waits for no answer", user_message=STALE)
    return summary, coaching


async def own_summary(session: AsyncSession, *, client_id: int, summary_id: int) -> ClosingSummary:
    """The client's own summary that waits for their answer (or a refusal)."""
    summary, _coaching = await _client_summary(session, client_id=client_id, summary_id=summary_id)
    return summary


async def approve(
    session: AsyncSession, *, client_id: int, summary_id: int, now: dt.datetime
) -> tuple[ClosingSummary, Coaching]:
    """The client says the summary is right: it may now be downloaded by their coach."""
    summary, coaching = await _client_summary(session, client_id=client_id, summary_id=summary_id)
    summary.status = SummaryStatus.APPROVED
    summary.approved_at = now
    await session.flush()
    return summary, coaching


async def request_change(
    session: AsyncSession, *, client_id: int, summary_id: int, text: str, now: dt.datetime
) -> tuple[ClosingSummary, Coaching]:
    """The client asks for a change in their own words; the coach hears of it."""
    summary, coaching = await _client_summary(session, client_id=client_id, summary_id=summary_id)
    summary.status = SummaryStatus.CHANGE_REQUESTED
    # Stored as written (only capped): these are the client's own words to their coach.
    summary.change_request = text[:MAX_CHANGE_REQUEST]
    summary.change_requested_at = now
    await session.flush()
    return summary, coaching


async def summary_for_coach(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> ClosingSummary | None:
    """The newest summary of the client's closed coaching, for the coach who acts for them."""
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    coaching = await closed_coaching(session, client_id=client_id)
    if coaching is None or coaching.id is None:
        return None
    return await latest_summary(session, coaching_id=coaching.id)


async def approved_summary(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> ClosingSummary:
    """The approved summary the coach may download, or NotApprovedYet."""
    summary = await summary_for_coach(session, coach_id=coach_id, client_id=client_id, now=now)
    if summary is None or summary.status != SummaryStatus.APPROVED:
        raise NotApprovedYet(
            f"client {client_id}'s summary is not approved",
            status=summary.status if summary else None,
        )
    return summary
