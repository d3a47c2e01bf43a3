"""Small goals: adding, proposing and accepting them, their steps, progress and letting them go,
and when the next progress question is due.

A goal is the client's own. One the client adds is agreed at once; one a coach proposes waits for
the client's yes. Everything that happens to a goal is kept as a GoalEvent. A goal that is let go
keeps its reason and is never called a failure.

Progress questions come at the client's chosen rhythm (weekly by default), only on a day the
client has a check-in, and at most one goal question a day per client. A goal past its target
date is raised with the client once, gently, instead of the progress question.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.models.coaching import Coaching, CoachingStatus, GoalArea
from bot.models.flags import Flag, FlagKind
from bot.models.goals import Goal, GoalEvent, GoalEventKind, GoalStatus, GoalStep
from bot.models.people import Person
from bot.services import access, flags
from bot.services.days import end_of_day, local_day, zone_of
from bot.services.errors import DomainError
from bot.text.i18n import N_

MAX_TITLE = 300
MAX_REASON = 500
ACTIVE = (GoalStatus.AGREED, GoalStatus.IN_PROGRESS)
OPEN = (GoalStatus.PROPOSED, *ACTIVE)
RHYTHMS = (7, 14, 28)  # how often the progress question may come, in days
# Progress answers the client can give to the progress question.
PROGRESS = (
    GoalEventKind.STEP_DONE,
    GoalEventKind.SOME_PROGRESS,
    GoalEventKind.STUCK,
    GoalEventKind.REACHED,
)
# When nothing tells the next check-in day, look again a day later.
RETRY_AFTER = dt.timedelta(days=1)


class EmptyGoal(DomainError):
    def __init__(self) -> None:
        super().__init__("empty goal", user_message=N_("Please write the goal in a few words."))


class GoalTooLong(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "goal too long",
            user_message=N_("That is a bit long. Please write it in at most 300 characters."),
        )


class GoalNotOpen(DomainError):
    """The goal is no longer in the state the button assumed (reached, let go, answered)."""

    def __init__(self, goal_id: int) -> None:
        super().__init__(
            f"goal {goal_id} is not open",
            user_message=N_("This goal has moved on already. /goals shows where it stands."),
        )


@dataclass(frozen=True, slots=True)
class DueQuestion:
    """A goal question that has just been claimed, with what sending it needs."""

    goal_id: int
    client_id: int
    chat_id: int
    locale: str
    title: str
    overdue: bool


def _clean(text: str, limit: int) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise EmptyGoal()
    if len(cleaned) > limit:
        raise GoalTooLong()
    return cleaned


def first_question_at(
    now: dt.datetime, *, every_days: int, target_date: dt.date | None, timezone: str
) -> dt.datetime:
    """When the next progress question is due: after the rhythm, or the day after the target
    date if that comes first (then the date is raised with the client)."""
    due = now + dt.timedelta(days=every_days)
    if target_date is not None:
        passed = end_of_day(
            dt.datetime.combine(target_date, dt.time(12, 0), tzinfo=dt.UTC), timezone
        )
        if passed > now:
            due = min(due, passed)
    return due


async def _timezone(session: AsyncSession, client_id: int) -> str:
    return zone_of(await session.get(Person, client_id))


async def _coaching_id(session: AsyncSession, client_id: int) -> int | None:
    return (
        await session.exec(
            select(Coaching.id)
            .where(
                Coaching.client_id == client_id,
                col(Coaching.status).in_([CoachingStatus.ACTIVE, CoachingStatus.ONBOARDING]),
            )
            .order_by(col(Coaching.created_at).desc(), col(Coaching.id).desc())
        )
    ).first()


async def _event(
    session: AsyncSession,
    *,
    goal: Goal,
    kind: GoalEventKind,
    actor_id: int | None,
    now: dt.datetime,
    note: str | None = None,
    step_id: int | None = None,
) -> None:
    assert goal.id is not None
    session.add(
        GoalEvent(
            goal_id=goal.id,
            kind=kind,
            actor_id=actor_id,
            step_id=step_id,
            note=note,
            created_at=now,
        )
    )
    await session.flush()


async def add_goal(
    session: AsyncSession,
    *,
    client_id: int,
    area: GoalArea,
    title: str,
    now: dt.datetime,
    target_date: dt.date | None = None,
) -> Goal:
    """The client's own goal, agreed from the start."""
    title = _clean(title, MAX_TITLE)
    timezone = await _timezone(session, client_id)
    goal = Goal(
        client_id=client_id,
        coaching_id=await _coaching_id(session, client_id),
        area=area,
        title=title,
        target_date=target_date,
        status=GoalStatus.AGREED,
        proposed_by_id=client_id,
        next_progress_at=first_question_at(
            now, every_days=7, target_date=target_date, timezone=timezone
        ),
        created_at=now,
        updated_at=now,
    )
    session.add(goal)
    await session.flush()
    await _event(session, goal=goal, kind=GoalEventKind.PROPOSED, actor_id=client_id, now=now)
    await _event(session, goal=goal, kind=GoalEventKind.ACCEPTED, actor_id=client_id, now=now)
    return goal


async def propose(
    session: AsyncSession,
    *,
    coach_id: int,
    client_id: int,
    area: GoalArea,
    title: str,
    now: dt.datetime,
) -> Goal:
    """A coach proposes a goal; it waits for the client's yes and asks nothing until then."""
    if coach_id == client_id:
        raise access.AccessDenied("a coach proposes goals to others")
    await access.require_goal(session, person_id=coach_id, client_id=client_id, now=now, act=True)
    goal = Goal(
        client_id=client_id,
        coaching_id=await _coaching_id(session, client_id),
        area=area,
        title=_clean(title, MAX_TITLE),
        status=GoalStatus.PROPOSED,
        proposed_by_id=coach_id,
        created_at=now,
        updated_at=now,
    )
    session.add(goal)
    await session.flush()
    await _event(session, goal=goal, kind=GoalEventKind.PROPOSED, actor_id=coach_id, now=now)
    return goal


async def goal_for(
    session: AsyncSession, *, goal_id: int, person_id: int, now: dt.datetime, act: bool = False
) -> Goal:
    """A goal the person may see (or change, with act=True); anything else is refused."""
    goal = await session.get(Goal, goal_id, populate_existing=True)
    if goal is None:
        raise access.AccessDenied(f"no goal {goal_id}")
    view = await access.require_goal(
        session, person_id=person_id, client_id=goal.client_id, now=now, act=act
    )
    if not access.holds_goal(view, goal):
        # A goal of the client's time with another organisation is not this coach's to see.
        raise access.AccessDenied(f"goal {goal_id} is outside person {person_id}'s view")
    return goal


async def own_goal(session: AsyncSession, *, goal_id: int, client_id: int) -> Goal:
    """A goal of this client, for the client's own buttons (a forged id is refused)."""
    goal = await session.get(Goal, goal_id, populate_existing=True)
    if goal is None or goal.client_id != client_id:
        raise access.AccessDenied(f"goal {goal_id} is not client {client_id}'s")
    return goal


async def answer_proposal(
    session: AsyncSession, *, goal_id: int, client_id: int, accept: bool, now: dt.datetime
) -> Goal:
    """The client says yes (the goal is agreed) or no thanks (it is let go, kindly)."""
    goal = await own_goal(session, goal_id=goal_id, client_id=client_id)
    if goal.status != GoalStatus.PROPOSED:
        raise GoalNotOpen(goal_id)
    if accept:
        goal.status = GoalStatus.AGREED
        goal.next_progress_at = first_question_at(
            now,
            every_days=goal.progress_every_days,
            target_date=goal.target_date,
            timezone=await _timezone(session, client_id),
        )
        kind = GoalEventKind.ACCEPTED
    else:
        goal.status = GoalStatus.LET_GO
        goal.next_progress_at = None
        goal.let_go_reason = N_("Not now, thank you")
        kind = GoalEventKind.DECLINED
    goal.updated_at = now
    await session.flush()
    await _event(session, goal=goal, kind=kind, actor_id=client_id, now=now)
    return goal


async def let_go(
    session: AsyncSession, *, goal_id: int, person_id: int, reason: str, now: dt.datetime
) -> Goal:
    """The client or their coach lets a goal go, with a reason; its history stays."""
    goal = await goal_for(session, goal_id=goal_id, person_id=person_id, now=now, act=True)
    if goal.status not in OPEN:
        raise GoalNotOpen(goal_id)
    reason = _clean(reason, MAX_REASON)
    goal.status = GoalStatus.LET_GO
    goal.let_go_reason = reason
    goal.next_progress_at = None
    goal.updated_at = now
    await session.flush()
    await _event(
        session, goal=goal, kind=GoalEventKind.LET_GO, actor_id=person_id, now=now, note=reason
    )
    return goal


async def record_progress(
    session: AsyncSession,
    *,
    goal_id: int,
    client_id: int,
    kind: GoalEventKind,
    now: dt.datetime,
) -> Goal:
    """The client's answer to how the goal goes: a step done, some progress, stuck or reached."""
    if kind not in PROGRESS:
        raise DomainError(f"not a progress answer: {kind}")
    goal = await own_goal(session, goal_id=goal_id, client_id=client_id)
    if goal.status not in ACTIVE:
        raise GoalNotOpen(goal_id)
    step_id = None
    if kind == GoalEventKind.STEP_DONE:
        step = (
            await session.exec(
                select(GoalStep)
                .where(GoalStep.goal_id == goal_id, col(GoalStep.done_at).is_(None))
                .order_by(col(GoalStep.position), col(GoalStep.id))
            )
        ).first()
        if step is not None:
            step.done_at = now
            step_id = step.id
    if kind == GoalEventKind.REACHED:
        goal.status = GoalStatus.REACHED
        goal.reached_at = now
        goal.next_progress_at = None
    elif kind != GoalEventKind.STUCK:
        goal.status = GoalStatus.IN_PROGRESS
    goal.updated_at = now
    await session.flush()
    await _event(session, goal=goal, kind=kind, actor_id=client_id, now=now, step_id=step_id)
    return goal


async def tell_coach_stuck(
    session: AsyncSession, *, goal_id: int, client_id: int, now: dt.datetime
) -> Flag | None:
    """The client is stuck and wants their coach to know: a non-urgent flag, one while open."""
    goal = await own_goal(session, goal_id=goal_id, client_id=client_id)
    return await flags.raise_flag(
        session,
        client_id=client_id,
        kind=FlagKind.GOAL_STUCK,
        now=now,
        source=("goal", goal_id),
        details={"goal_id": goal.id},
    )


async def add_step(
    session: AsyncSession, *, goal_id: int, client_id: int, title: str, now: dt.datetime
) -> GoalStep:
    """A small step towards the goal, in the client's own words, after the ones there are."""
    goal = await own_goal(session, goal_id=goal_id, client_id=client_id)
    if goal.status not in OPEN:
        raise GoalNotOpen(goal_id)
    last = (
        await session.exec(
            select(sa.func.max(GoalStep.position)).where(GoalStep.goal_id == goal_id)
        )
    ).one()
    step = GoalStep(
        goal_id=goal_id,
        title=_clean(title, MAX_TITLE),
        position=(last or 0) + 1,
        created_at=now,
    )
    session.add(step)
    await session.flush()
    await _event(
        session,
        goal=goal,
        kind=GoalEventKind.EDITED,
        actor_id=client_id,
        now=now,
        note="step added",
        step_id=step.id,
    )
    return step


async def set_target(
    session: AsyncSession,
    *,
    goal_id: int,
    client_id: int,
    target_date: dt.date | None,
    now: dt.datetime,
) -> Goal:
    """A new target date (or none); a new date may be raised again once it passes."""
    goal = await own_goal(session, goal_id=goal_id, client_id=client_id)
    if goal.status not in OPEN:
        raise GoalNotOpen(goal_id)
    goal.target_date = target_date
    goal.overdue_raised_at = None
    if goal.status in ACTIVE:
        goal.next_progress_at = first_question_at(
            now,
            every_days=goal.progress_every_days,
            target_date=target_date,
            timezone=await _timezone(session, client_id),
        )
    goal.updated_at = now
    await session.flush()
    await _event(
        session,
        goal=goal,
        kind=GoalEventKind.EDITED,
        actor_id=client_id,
        now=now,
        note=f"target {target_date.isoformat() if target_date else 'none'}",
    )
    return goal


async def set_rhythm(
    session: AsyncSession, *, goal_id: int, client_id: int, every_days: int, now: dt.datetime
) -> Goal:
    """How often the client wants the progress question for this goal."""
    if every_days not in RHYTHMS:
        raise DomainError(f"not a rhythm: {every_days}")
    goal = await own_goal(session, goal_id=goal_id, client_id=client_id)
    if goal.status not in OPEN:
        raise GoalNotOpen(goal_id)
    goal.progress_every_days = every_days
    if goal.status in ACTIVE:
        goal.next_progress_at = first_question_at(
            now,
            every_days=every_days,
            target_date=goal.target_date if goal.overdue_raised_at is None else None,
            timezone=await _timezone(session, client_id),
        )
    goal.updated_at = now
    await session.flush()
    return goal


async def goals_of(
    session: AsyncSession, *, client_id: int, view: access.View | None = None
) -> list[Goal]:
    """All the client's goals (that the view holds): open ones first, then reached and let go,
    oldest first."""
    stmt = select(Goal).where(Goal.client_id == client_id)
    if view is not None:
        stmt = stmt.where(access.goal_clause(view))
    rows = (await session.exec(stmt.order_by(col(Goal.created_at), col(Goal.id)))).all()
    order = {status: i for i, status in enumerate([*OPEN, GoalStatus.REACHED])}
    return sorted(rows, key=lambda g: order.get(g.status, len(order)))


async def steps_of(session: AsyncSession, *, goal_id: int) -> list[GoalStep]:
    return list(
        (
            await session.exec(
                select(GoalStep)
                .where(GoalStep.goal_id == goal_id)
                .order_by(col(GoalStep.position), col(GoalStep.id))
            )
        ).all()
    )


async def events_of(session: AsyncSession, *, goal_id: int) -> list[GoalEvent]:
    return list(
        (
            await session.exec(
                select(GoalEvent)
                .where(GoalEvent.goal_id == goal_id)
                .order_by(col(GoalEvent.created_at), col(GoalEvent.id))
            )
        ).all()
    )


async def claim_due(
    session: AsyncSession, *, now: dt.datetime, limit: int = 500
) -> list[DueQuestion]:
    """Claim the goal questions due now: one per client and day, on a day with a check-in.

    A due goal whose client has no check-in today, or was asked about a goal today already, moves
    on to the client's next check-in. Each move is a compare-and-set, so two workers never ask
    the same question twice.
    """
    connection = await session.connection()
    due = (
        await connection.execute(
            sa.select(
                col(Goal.id),
                col(Goal.client_id),
                col(Goal.title),
                col(Goal.next_progress_at),
                col(Goal.target_date),
                col(Goal.overdue_raised_at),
                col(Goal.progress_every_days),
            )
            .where(col(Goal.status).in_(ACTIVE), col(Goal.next_progress_at) <= now)
            .order_by(col(Goal.next_progress_at), col(Goal.id))
            .limit(limit)
        )
    ).all()
    if not due:
        return []
    client_ids = sorted({row[1] for row in due})
    persons = {
        p.id: p
        for p in (await session.exec(select(Person).where(col(Person.id).in_(client_ids)))).all()
    }
    checkin_days: dict[int, list[dt.datetime]] = defaultdict(list)
    for client_id, due_at in (
        await session.exec(
            select(Checkin.client_id, Checkin.due_at).where(
                col(Checkin.client_id).in_(client_ids),
                col(Checkin.due_at) <= now,
                col(Checkin.due_at) > now - dt.timedelta(days=1, hours=2),
                col(Checkin.status) != CheckinStatus.CANCELLED,
            )
        )
    ).all():
        checkin_days[client_id].append(due_at)
    asked = dict(
        (
            await session.exec(
                select(Goal.client_id, sa.func.max(Goal.progress_asked_at))
                .where(col(Goal.client_id).in_(client_ids))
                .group_by(col(Goal.client_id))
            )
        ).all()
    )
    next_checkin = dict(
        (
            await session.exec(
                select(CheckinSchedule.client_id, sa.func.min(CheckinSchedule.next_due_at))
                .where(
                    col(CheckinSchedule.client_id).in_(client_ids),
                    col(CheckinSchedule.active).is_(True),
                )
                .group_by(col(CheckinSchedule.client_id))
            )
        ).all()
    )
    claimed: list[DueQuestion] = []
    chosen: set[int] = set()
    for goal_id, client_id, title, old, target, raised, every in due:
        assert goal_id is not None
        person = persons.get(client_id)
        timezone = zone_of(person)
        today = local_day(now, timezone)
        has_checkin = any(local_day(d, timezone) == today for d in checkin_days[client_id])
        last_asked = asked.get(client_id)
        asked_today = last_asked is not None and local_day(last_asked, timezone) == today
        values: dict[str, object]
        question: DueQuestion | None = None
        if (
            person is not None
            and person.chat_id is not None
            and has_checkin
            and not asked_today
            and client_id not in chosen
        ):
            overdue = target is not None and target < today and raised is None
            values = {
                "next_progress_at": first_question_at(
                    now,
                    every_days=every,
                    target_date=None if overdue or raised is not None else target,
                    timezone=timezone,
                ),
                "progress_asked_at": now,
            }
            if overdue:
                values["overdue_raised_at"] = now
            question = DueQuestion(
                goal_id=goal_id,
                client_id=client_id,
                chat_id=person.chat_id,
                locale=person.locale,
                title=title,
                overdue=overdue,
            )
        else:
            following = next_checkin.get(client_id)
            if following is None or following <= now:
                following = now + RETRY_AFTER
            values = {"next_progress_at": following}
        result = await session.exec(
            sa.update(Goal)
            .where(col(Goal.id) == goal_id, col(Goal.next_progress_at) == old)
            .values(**values, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if question is not None and result.rowcount:
            chosen.add(client_id)
            claimed.append(question)
    return claimed


async def log_overdue(session: AsyncSession, *, goal_ids: Sequence[int], now: dt.datetime) -> None:
    """Keep in each goal's history that its passed date was raised with the client."""
    for goal_id in goal_ids:
        session.add(GoalEvent(goal_id=goal_id, kind=GoalEventKind.OVERDUE_RAISED, created_at=now))
    await session.flush()


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """The earliest moment a goal question falls due."""
    return (
        await session.exec(
            select(sa.func.min(Goal.next_progress_at)).where(col(Goal.status).in_(ACTIVE))
        )
    ).one()
