"""The organisation at a glance, for its admins: counts only, never a person.

Clients by phase, check-ins answered per week, flags raised and the time to their first answer,
goals agreed and reached per area, outcomes of closed coachings, follow-up answers 3, 6 and 12
months after a placement began. Every cell knows how many people it describes; a cell of fewer
than SMALL_CELL people is withheld ("fewer than 7"), and so is a cell whose value could be had
by subtraction from cells that are shown (see `withhold`): a group of six is never shown, not
even as the difference of two larger ones.

The figures are counted in the database, a handful of grouped queries, so that an organisation
of thousands of clients is summed in a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.models.checkins import Checkin
from bot.models.coaching import Coaching, CoachingStatus, GoalArea, Outcome
from bot.models.flags import Flag
from bot.models.goals import Goal, GoalStatus
from bot.models.placements import FollowUpAudience, FollowUpContact, FollowUpStatus, Placement

SMALL_CELL = 7
WEEKS = 8
FLAG_DAYS = 90
# Follow-up contacts counted as "at 3, 6 and 12 months" after the placement began: days after.
FOLLOW_UP_WINDOWS = {3: (60, 135), 6: (136, 270), 12: (271, 455)}
PHASES = (
    CoachingStatus.ONBOARDING,
    CoachingStatus.ACTIVE,
    CoachingStatus.CLOSED,
    CoachingStatus.DECLINED,
)
_AGREED = [GoalStatus.AGREED, GoalStatus.IN_PROGRESS, GoalStatus.REACHED, GoalStatus.LET_GO]


@dataclass(frozen=True, slots=True)
class Sum:
    """`whole` is the sum of `parts`, and of further people not shown when `hidden_rest`."""

    whole: str
    parts: tuple[str, ...]
    hidden_rest: bool = False


@dataclass
class Figures:
    """The organisation's figures by cell key: how many people each describes, and its value
    when that is not the count of people (a share, hours)."""

    people: dict[str, int] = field(default_factory=dict)
    values: dict[str, float | None] = field(default_factory=dict)
    sums: list[Sum] = field(default_factory=list)
    weeks: list[dt.datetime] = field(default_factory=list)
    withheld: set[str] = field(default_factory=set)

    def shown(self, key: str) -> bool:
        return key in self.people and key not in self.withheld


def withhold(people: dict[str, int], sums: Sequence[Sum], *, small: int = SMALL_CELL) -> set[str]:
    """The cells to withhold: each of fewer than `small` people (but more than none), and then,
    until nothing changes, more cells wherever a sum lets a small group be worked out:

    - the whole is shown and the parts not shown add up to 1 to small-1 people (whole minus the
      shown parts): the smallest shown part is withheld too, or the whole if no part is left;
    - the whole is withheld while every part is shown (their sum would give it): the smallest
      shown part is withheld.
    """
    hidden = {key for key, n in people.items() if 0 < n < small}
    changed = True
    while changed:
        changed = False
        for rule in sums:
            if rule.whole not in people:
                continue
            shown_parts = [p for p in rule.parts if p in people and p not in hidden]
            smallest = min(shown_parts, key=lambda p: (people[p], p), default=None)
            if rule.whole not in hidden:
                rest = people[rule.whole] - sum(people[p] for p in shown_parts)
                if 0 < rest < small:
                    hidden.add(smallest if smallest is not None else rule.whole)
                    changed = True
            elif not rule.hidden_rest and len(shown_parts) == len(rule.parts) and smallest:
                hidden.add(smallest)
                changed = True
    return hidden


def _newest_coachings(organisation_id: int) -> SelectOfScalar[int | None]:
    """The newest coaching of each client in the organisation (as a subquery of ids)."""
    return (
        select(func.max(col(Coaching.id)))
        .where(Coaching.organisation_id == organisation_id)
        .group_by(col(Coaching.client_id))
    )


async def figures(session: AsyncSession, *, organisation_id: int, now: dt.datetime) -> Figures:
    """Every figure of the organisation's view, with the cells to withhold."""
    found = Figures()
    newest = _newest_coachings(organisation_id)
    clients = select(Coaching.client_id).where(col(Coaching.id).in_(newest))

    # Clients by phase, and the outcomes of those whose coaching has closed.
    for status, outcome, n in (
        await session.exec(
            select(Coaching.status, Coaching.outcome, func.count())
            .where(col(Coaching.id).in_(newest))
            .group_by(col(Coaching.status), col(Coaching.outcome))
        )
    ).all():
        key = f"phase.{CoachingStatus(status).value}"
        found.people[key] = found.people.get(key, 0) + int(n)
        if status == CoachingStatus.CLOSED:
            okey = f"outcome.{Outcome(outcome).value if outcome else 'none'}"
            found.people[okey] = found.people.get(okey, 0) + int(n)
    for phase in PHASES:
        found.people.setdefault(f"phase.{phase.value}", 0)
    for outcome in Outcome:
        found.people.setdefault(f"outcome.{outcome.value}", 0)
    found.sums.append(
        Sum(
            whole="phase.closed",
            parts=tuple(f"outcome.{o.value}" for o in Outcome),
            hidden_rest=found.people.get("outcome.none", 0) > 0,
        )
    )
    found.people.pop("outcome.none", None)

    # Check-ins answered per week: the clients asked, and the share of check-ins answered.
    starts = [now - dt.timedelta(days=7 * (WEEKS - week)) for week in range(WEEKS)]
    found.weeks = starts
    # One pass over the eight weeks, each check-in put in its week by a CASE of plain
    # comparisons (the same SQL on SQLite and PostgreSQL).
    week_of = sa.case(
        *[
            (col(Checkin.due_at) < start + dt.timedelta(days=7), i)
            for i, start in enumerate(starts)
        ],
        else_=WEEKS,
    ).label("week")
    # Grouped by client first, in the order of the index on (client, due time): no sorting of
    # the whole window; the weeks are summed here from one row per client and week.
    counted: dict[int, tuple[int, int, int]] = {}
    for _client, week, total, answered in (
        await session.exec(
            select(
                col(Checkin.client_id),
                week_of,
                func.count(col(Checkin.sent_at)),
                func.count(col(Checkin.answered_at)),
            )
            .where(
                # By client and time (the index on both); a check-in asked is one sent.
                col(Checkin.client_id).in_(clients),
                col(Checkin.due_at) >= starts[0],
                col(Checkin.due_at) < now,
            )
            # By the output column's name: PostgreSQL would not take the CASE written twice as
            # the same expression (its bound parameters are numbered apart).
            .group_by(col(Checkin.client_id), sa.literal_column("week"))
        )
    ).all():
        if not total:
            continue
        people, asked, said = counted.get(int(week), (0, 0, 0))
        counted[int(week)] = (people + 1, asked + int(total), said + int(answered))
    for week in range(WEEKS):
        people, total, answered = counted.get(week, (0, 0, 0))
        found.people[f"week.{week}.clients"] = people
        found.people[f"week.{week}.share"] = people
        found.values[f"week.{week}.share"] = answered / total if total else None

    # Flags raised in the last FLAG_DAYS days and the time to their first answer.
    since = now - dt.timedelta(days=FLAG_DAYS)
    rows = (
        await session.exec(
            select(Flag.client_id, Flag.raised_at, Flag.acknowledged_at, Flag.done_at).where(
                col(Flag.client_id).in_(clients), col(Flag.raised_at) >= since
            )
        )
    ).all()
    waits = [
        (min(t for t in (ack, done) if t is not None) - raised).total_seconds() / 3600
        for _c, raised, ack, done in rows
        if ack is not None or done is not None
    ]
    answered_clients = {c for c, _r, ack, done in rows if ack is not None or done is not None}
    found.people["flags.raised"] = len({c for c, *_rest in rows})
    found.values["flags.raised"] = len(rows)
    found.people["flags.median"] = found.people["flags.p90"] = len(answered_clients)
    found.values["flags.median"] = _percentile(waits, 0.5)
    found.values["flags.p90"] = _percentile(waits, 0.9)

    # Goals agreed and reached per area: the clients with one.
    coachings = select(Coaching.id).where(Coaching.organisation_id == organisation_id)
    for area, status_group, n in await _goal_counts(session, coachings):
        found.people[f"goals.{area}.{status_group}"] = n
    for area in GoalArea:
        agreed, reached = f"goals.{area.value}.agreed", f"goals.{area.value}.reached"
        found.people.setdefault(agreed, 0)
        found.people.setdefault(reached, 0)
        found.sums.append(Sum(whole=agreed, parts=(reached,), hidden_rest=True))

    # Follow-up answers 3, 6 and 12 months after the placement began.
    contacts = (
        await session.exec(
            select(
                col(FollowUpContact.client_id),
                col(FollowUpContact.due_at),
                col(FollowUpContact.status),
                col(Placement.start_date),
            )
            .join(Placement, col(Placement.id) == col(FollowUpContact.placement_id))
            .where(
                col(FollowUpContact.client_id).in_(clients),
                FollowUpContact.audience == FollowUpAudience.EMPLOYEE,
                col(FollowUpContact.status).in_(
                    [FollowUpStatus.SENT, FollowUpStatus.ANSWERED, FollowUpStatus.UNANSWERED]
                ),
            )
        )
    ).all()
    reached_people: dict[int, set[int]] = defaultdict(set)
    answered_people: dict[int, set[int]] = defaultdict(set)
    for client_id, due_at, status, start_date in contacts:
        days = (due_at.date() - start_date).days
        for months, (low, high) in FOLLOW_UP_WINDOWS.items():
            if low <= days <= high:
                reached_people[months].add(client_id)
                if status == FollowUpStatus.ANSWERED:
                    answered_people[months].add(client_id)
    for months in FOLLOW_UP_WINDOWS:
        asked_key, answered_key = f"followup.{months}.asked", f"followup.{months}.answered"
        found.people[asked_key] = len(reached_people[months])
        found.people[answered_key] = len(answered_people[months])
        found.sums.append(Sum(whole=asked_key, parts=(answered_key,), hidden_rest=True))

    found.withheld = withhold(found.people, found.sums)
    return found


async def _goal_counts(
    session: AsyncSession, coachings: SelectOfScalar[int] | SelectOfScalar[None]
) -> Iterable[tuple[str, str, int]]:
    result = []
    for group, statuses in (("agreed", _AGREED), ("reached", [GoalStatus.REACHED])):
        for area, n in (
            await session.exec(
                select(Goal.area, func.count(sa.distinct(col(Goal.client_id))))
                .where(col(Goal.coaching_id).in_(coachings), col(Goal.status).in_(statuses))
                .group_by(col(Goal.area))
            )
        ).all():
            result.append((GoalArea(area).value, group, int(n)))
    return result


def _percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
