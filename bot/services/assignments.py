"""Who coaches whom, and when: the rules every question about an assignment or a membership
asks, in one place. An assignment is valid from its start until (not including) its end; a
coaching counts while it is being set up, runs, or has closed and is in follow-up; and while a
handover runs, the substitute answers for the client instead of the responsible coach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import col

from bot.models.coaching import AssignmentKind, CoachAssignment, CoachingStatus
from bot.models.people import Membership

# Coachings whose assignments still count: set up, running, or closed (the follow-up).
LIVE = (CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE, CoachingStatus.CLOSED)
# Coachings that are not over.
OPEN = (CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE)


def valid_at(now: dt.datetime) -> sa.ColumnElement[bool]:
    """The assignment holds at `now`."""
    return sa.and_(
        col(CoachAssignment.valid_from) <= now,
        sa.or_(col(CoachAssignment.valid_until).is_(None), col(CoachAssignment.valid_until) > now),
    )


def member_at(now: dt.datetime) -> sa.ColumnElement[bool]:
    """The membership (a role in an organisation) holds at `now`."""
    return sa.and_(
        col(Membership.active_from) <= now,
        sa.or_(col(Membership.active_until).is_(None), col(Membership.active_until) > now),
    )


def answering(assignments: Sequence[CoachAssignment]) -> CoachAssignment:
    """Of one coaching's assignments valid now (the newest first), the one whose coach answers
    for the client: a substitute while a handover runs, else the newest."""
    substitutes = [a for a in assignments if a.kind == AssignmentKind.SUBSTITUTE]
    return substitutes[0] if substitutes else assignments[0]
