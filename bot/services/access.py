"""Who may see what, decided in one place.

- A client sees only their own data.
- A coach reads a client through a coaching they are assigned to now, while they work in its
  organisation: as the responsible coach, or as a substitute while a handover runs (a
  substitute's sight ends with the handover; the responsible coach keeps read access during it,
  and the substitute acts). A coach who left the organisation reads none of its clients.
- Open coaching (joining, or active): the coach sees everything of the client's time with their
  organisation: check-ins, goals, plan, notes, messages, flags.
- Closed coaching, while its follow-up runs (until `follow_up_until`, and at least
  CLOSING_PERIOD after closing, so that the summary for the purchaser can be finished): the coach
  sees what following a former client up needs: the name, the status, goals, plan, notes (and
  may write one), messages and flags. Not the check-ins: the daily answers about mood, sleep and
  getting up served the coaching, and the chart and the caseload picture are drawn from them.
  The follow-up's own questions reach the coach as flags when the answers call for a human.
- After the follow-up: nothing but the door (bot/services/after_coaching.py and routing.py). The
  coach who answers a former client gets their new messages with the name they know them by, and
  may answer them and the flags those messages raise; /inbox shows those new messages. Nothing
  of the coaching: no card, chart, goals, plan, notes, older messages, exports or summary.
- Access never crosses organisations. A client's coachings, in the order they began (declined
  ones do not count), form stays: runs of coachings in one organisation. A coach sees the data of
  their stay only: from the start of the stay (its first coaching's creation; everything before
  it when it is the client's first) and, for goals and the plan, of the stay's coachings; notes
  of the stay's coaches only. A closed coaching gives no sight once any later coaching has begun:
  a client who joins another organisation is invisible to the first organisation's coaches from
  then on, and so is everything they do there. Two organisations coaching one person at the same
  time each keep their own notes, goals, plan and messages; the check-ins of that time are the
  client's one rhythm and both see them.
- An admin manages the coaches of their own organisation but does not read clients' data
  unless they are also that client's coach; an admin who answers a former client (their coach
  left) has the door only. A backup who takes over an escalated flag stands in as a substitute
  for a short, stated time (bot/services/flags.py) and sees what a substitute sees.
- Employers see nothing of a client's check-ins, moods, notes or goals or messages. An employer
  contact may act only on the placements they are linked to, and only while the client's consent
  for that employer stands.

Handlers call these functions for every object a command or a button names; a refusal is a
DomainError with a translated message that names nothing of the object. Services that read a
client's rows for a coach take the View and filter with its clauses (checkin_clause, note_clause,
goal_clause, plan_clause, flag_clause, holds_message), so that every reader applies the same rule.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin
from bot.models.coaching import (
    AssignmentKind,
    CoachAssignment,
    Coaching,
    CoachingStatus,
    CoachNote,
    PlanEmphasis,
)
from bot.models.consent import Consent, ConsentSubject
from bot.models.flags import Flag
from bot.models.goals import Goal
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.people import Membership, Person, Role
from bot.models.placements import EmployerContact, Placement, PlacementContact
from bot.services import routing
from bot.services.assignments import LIVE, OPEN, member_at, valid_at
from bot.services.errors import DomainError
from bot.text.i18n import N_

NOT_AVAILABLE = N_("This is not available to you.")
# How long after closing the coach keeps the follow-up's sight even without a follow-up (the
# client opted out of it): time to finish the summary for the purchaser with the client.
CLOSING_PERIOD = dt.timedelta(days=30)


class AccessDenied(DomainError):
    """The person may not see or touch this; the answer names nothing of it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, user_message=NOT_AVAILABLE)


class Sight(enum.IntEnum):
    """How much of a client a person sees (more is higher)."""

    FOLLOW_UP = 1  # a closed coaching whose follow-up runs: no check-ins
    COACHING = 2  # an open coaching: everything of the stay
    OWN = 3  # the client themself


@dataclass(frozen=True, slots=True)
class View:
    """What one person may read of one client now, and of which time."""

    client_id: int
    sight: Sight
    organisation_ids: frozenset[int]  # empty for the client's own view
    coaching_ids: frozenset[int]  # the stay's coachings: their goals and plan
    coach_ids: frozenset[int]  # every coach ever assigned to them: their notes and messages
    since: dt.datetime | None  # the stay's data begins here (None: from the very start)
    follow_up_until: dt.datetime | None  # when a follow-up sight ends (None in coaching)

    @property
    def own(self) -> bool:
        return self.sight == Sight.OWN

    @property
    def checkins(self) -> bool:
        """May the check-ins (moods, sleep, getting up, their words) be read?"""
        return self.sight >= Sight.COACHING

    def covers(self, moment: dt.datetime) -> bool:
        return self.since is None or moment >= self.since


def own_view(client_id: int) -> View:
    """A client's view of themself: everything."""
    return View(
        client_id=client_id,
        sight=Sight.OWN,
        organisation_ids=frozenset(),
        coaching_ids=frozenset(),
        coach_ids=frozenset(),
        since=None,
        follow_up_until=None,
    )


_CLIENT_LINE = (RelayDirection.CLIENT_TO_COACH, RelayDirection.COACH_TO_CLIENT)


def _works_there(now: dt.datetime) -> sa.ColumnElement[bool]:
    """The assignment's coach works in the coaching's organisation now: a coach who has left it
    reads none of its clients, whatever their assignment rows say."""
    return (
        select(Membership.id)
        .where(
            col(Membership.person_id) == col(CoachAssignment.coach_id),
            col(Membership.organisation_id) == col(Coaching.organisation_id),
            col(Membership.role).in_([Role.COACH, Role.ADMIN]),
            member_at(now),
        )
        .exists()
    )


def sight_ends(coaching: Coaching) -> dt.datetime:
    """When a closed coaching stops giving its coaches sight: the end of its follow-up, and not
    before the closing period is over."""
    ended = coaching.closed_at or coaching.updated_at
    until = coaching.follow_up_until or ended
    return max(until, ended + CLOSING_PERIOD)


def _stays(coachings: Iterable[Coaching]) -> list[list[Coaching]]:
    """The client's coachings in the order they began, in runs of one organisation each."""
    joined = sorted(
        (c for c in coachings if c.status != CoachingStatus.DECLINED),
        key=lambda c: (c.created_at, c.id or 0),
    )
    stays: list[list[Coaching]] = []
    for coaching in joined:
        if stays and stays[-1][0].organisation_id == coaching.organisation_id:
            stays[-1].append(coaching)
        else:
            stays.append([coaching])
    return stays


def _sight_of(coaching: Coaching, latest: Coaching, now: dt.datetime) -> Sight | None:
    """What a coaching gives its coaches now."""
    if coaching.status in OPEN:
        return Sight.COACHING
    if coaching.status != CoachingStatus.CLOSED:
        return None
    # A closed coaching's sight ends with its follow-up, or as soon as another coaching began.
    if coaching.id != latest.id or now >= sight_ends(coaching):
        return None
    return Sight.FOLLOW_UP


async def _views_of_rows(
    session: AsyncSession, rows: Sequence[tuple[int, int, int]], now: dt.datetime
) -> dict[tuple[int, int], View]:
    """Views per (coach, client) from valid assignment rows (coach, client, coaching)."""
    if not rows:
        return {}
    client_ids = sorted({client_id for _coach, client_id, _coaching in rows})
    coachings = (
        await session.exec(select(Coaching).where(col(Coaching.client_id).in_(client_ids)))
    ).all()
    by_client: dict[int, list[Coaching]] = defaultdict(list)
    for coaching in coachings:
        by_client[coaching.client_id].append(coaching)
    stay_of: dict[int, tuple[list[Coaching], dt.datetime | None]] = {}
    latest_of: dict[int, Coaching] = {}
    for client_id, found in by_client.items():
        stays = _stays(found)
        if not stays:
            continue
        latest_of[client_id] = stays[-1][-1]
        for index, stay in enumerate(stays):
            since = None if index == 0 else stay[0].created_at
            for coaching in stay:
                stay_of[coaching.id or 0] = (stay, since)
    grouped: dict[tuple[int, int], list[tuple[Coaching, Sight]]] = defaultdict(list)
    coachings_by_id = {c.id: c for c in coachings}
    for coach_id, client_id, coaching_id in rows:
        assigned = coachings_by_id.get(coaching_id)
        latest = latest_of.get(client_id)
        if assigned is None or latest is None or coaching_id not in stay_of:
            continue
        sight = _sight_of(assigned, latest, now)
        if sight is not None:
            grouped[(coach_id, client_id)].append((assigned, sight))
    if not grouped:
        return {}
    stay_coachings = {
        c.id or 0
        for entries in grouped.values()
        for assigned, _sight in entries
        for c in stay_of[assigned.id or 0][0]
    }
    coaches_of: dict[int, set[int]] = defaultdict(set)
    for coaching_id, coach_id in (
        await session.exec(
            select(CoachAssignment.coaching_id, CoachAssignment.coach_id).where(
                col(CoachAssignment.coaching_id).in_(sorted(stay_coachings))
            )
        )
    ).all():
        coaches_of[coaching_id].add(coach_id)
    views: dict[tuple[int, int], View] = {}
    for (coach_id, client_id), entries in grouped.items():
        theirs = [stay_of[assigned.id or 0] for assigned, _sight in entries]
        ids = frozenset(c.id or 0 for stay, _since in theirs for c in stay)
        starts = [since for _stay, since in theirs]
        sight = max(s for _c, s in entries)
        views[(coach_id, client_id)] = View(
            client_id=client_id,
            sight=sight,
            organisation_ids=frozenset(c.organisation_id for c, _s in entries),
            coaching_ids=ids,
            coach_ids=frozenset(c for i in ids for c in coaches_of.get(i, set())),
            since=None if any(s is None for s in starts) else min(s for s in starts if s),
            follow_up_until=(
                None
                if sight >= Sight.COACHING
                else max(sight_ends(c) for c, s in entries if s == Sight.FOLLOW_UP)
            ),
        )
    return views


async def views(
    session: AsyncSession,
    *,
    coach_id: int,
    now: dt.datetime,
    client_ids: Sequence[int] | None = None,
) -> dict[int, View]:
    """What this coach may read now, per client: the clients on their desk and how far."""
    stmt = (
        select(CoachAssignment.coach_id, CoachAssignment.client_id, CoachAssignment.coaching_id)
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.coach_id == coach_id,
            col(CoachAssignment.client_id) != coach_id,
            valid_at(now),
            col(Coaching.status).in_(LIVE),
            _works_there(now),
        )
    )
    if client_ids is not None:
        stmt = stmt.where(col(CoachAssignment.client_id).in_(list(client_ids)))
    rows = list((await session.exec(stmt)).all())
    found = await _views_of_rows(session, rows, now)
    return {client_id: view for (_coach, client_id), view in sorted(found.items())}


async def view_of(
    session: AsyncSession, *, viewer_id: int, client_id: int, now: dt.datetime
) -> View | None:
    """What the viewer may read of this client now (None: nothing but, maybe, the door)."""
    if viewer_id == client_id:
        return own_view(client_id)
    found = await views(session, coach_id=viewer_id, now=now, client_ids=[client_id])
    return found.get(client_id)


async def visible_client_ids(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[int]:
    """The clients a coach may read now (see the module's rules)."""
    return sorted(await views(session, coach_id=coach_id, now=now))


async def readers_of_client(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> list[int]:
    """The coaches who may read this client now: responsible, and substitute during a handover."""
    rows = list(
        (
            await session.exec(
                select(
                    CoachAssignment.coach_id, CoachAssignment.client_id, CoachAssignment.coaching_id
                )
                .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
                .where(
                    CoachAssignment.client_id == client_id,
                    col(CoachAssignment.coach_id) != client_id,
                    valid_at(now),
                    col(Coaching.status).in_(LIVE),
                    _works_there(now),
                )
            )
        ).all()
    )
    found = await _views_of_rows(session, rows, now)
    return sorted({coach_id for coach_id, _client in found})


async def can_read_client(
    session: AsyncSession, *, viewer_id: int, client_id: int, now: dt.datetime
) -> bool:
    """May the viewer read this client's data? The client themself, or one of their coaches."""
    return await view_of(session, viewer_id=viewer_id, client_id=client_id, now=now) is not None


async def require_read(
    session: AsyncSession,
    *,
    viewer_id: int,
    client_id: int,
    now: dt.datetime,
    checkins: bool = False,
) -> View:
    """The viewer's view of the client, or a refusal; `checkins` asks for the check-ins too."""
    view = await view_of(session, viewer_id=viewer_id, client_id=client_id, now=now)
    if view is None or (checkins and not view.checkins):
        raise AccessDenied(f"person {viewer_id} may not read client {client_id}")
    return view


# -- the rule as clauses over a client's rows -------------------------------------------------


def _from(column: Mapped[dt.datetime], view: View) -> sa.ColumnElement[bool]:
    return sa.true() if view.since is None else column >= view.since


def checkin_clause(view: View) -> sa.ColumnElement[bool]:
    """The check-ins this view reads (none during a follow-up)."""
    if view.own:
        return sa.true()
    if not view.checkins:
        return sa.false()
    return _from(col(Checkin.due_at), view)


def note_clause(view: View) -> sa.ColumnElement[bool]:
    """The notes this view reads: the stay's, by the stay's coaches."""
    if view.own:
        return sa.true()
    return sa.and_(
        _from(col(CoachNote.created_at), view),
        sa.or_(
            col(CoachNote.coach_id).in_(sorted(view.coach_ids)),
            col(CoachNote.coach_id).is_(None),
        ),
    )


def goal_clause(view: View) -> sa.ColumnElement[bool]:
    """The goals this view reads: of the stay's coachings, or the client's own of its time."""
    if view.own:
        return sa.true()
    return sa.or_(
        col(Goal.coaching_id).in_(sorted(view.coaching_ids)),
        sa.and_(col(Goal.coaching_id).is_(None), _from(col(Goal.created_at), view)),
    )


def holds_goal(view: View, goal: Goal) -> bool:
    if view.own:
        return goal.client_id == view.client_id
    if goal.client_id != view.client_id:
        return False
    if goal.coaching_id is not None:
        return goal.coaching_id in view.coaching_ids
    return view.covers(goal.created_at)


def plan_clause(view: View) -> sa.ColumnElement[bool]:
    """The plan this view reads: the emphasis set in the stay's coachings."""
    if view.own:
        return sa.true()
    return col(PlanEmphasis.coaching_id).in_(sorted(view.coaching_ids))


def flag_clause(view: View) -> sa.ColumnElement[bool]:
    """The flags this view counts: raised in the stay."""
    if view.own:
        return sa.true()
    return _from(col(Flag.raised_at), view)


def holds_message(view: View, message: RelayedMessage) -> bool:
    """Is this message on the client's line within the view: of the stay, with its coaches?"""
    if message.client_id != view.client_id or message.direction not in _CLIENT_LINE:
        return False
    if view.own:
        return True
    counterpart = (
        message.recipient_id
        if message.direction == RelayDirection.CLIENT_TO_COACH
        else message.sender_id
    )
    return view.covers(message.created_at) and counterpart in view.coach_ids


# -- acting and answering ----------------------------------------------------------------------


async def can_answer_client(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> bool:
    """Is this the person who answers the client now (routing.current_coach): they may reply to
    the client's messages and take the flags those raise, even with the door only."""
    coach = await routing.current_coach(session, client_id=client_id, now=now)
    return coach is not None and coach.id == coach_id


async def require_answer(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> None:
    if not await can_answer_client(session, coach_id=coach_id, client_id=client_id, now=now):
        raise AccessDenied(f"person {coach_id} does not answer client {client_id}")


async def can_act_for_client(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> bool:
    """May this coach write to the client or about them now: the coach who answers for them,
    while they still see the client (in coaching or follow-up; not with the door only)?"""
    if not await can_answer_client(session, coach_id=coach_id, client_id=client_id, now=now):
        return False
    return await view_of(session, viewer_id=coach_id, client_id=client_id, now=now) is not None


async def require_act(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> None:
    if not await can_act_for_client(session, coach_id=coach_id, client_id=client_id, now=now):
        raise AccessDenied(f"coach {coach_id} may not act for client {client_id}")


async def acting_coach(session: AsyncSession, *, client_id: int, now: dt.datetime) -> Person | None:
    """The coach who answers for the client and still sees them: the one to tell about the
    client's goals, plan, pauses, consents and summary. None for a former client whose follow-up
    ended (whoever answers them by the door gets their messages and nothing more)."""
    coach = await routing.current_coach(session, client_id=client_id, now=now)
    if coach is None or coach.id is None:
        return None
    if await view_of(session, viewer_id=coach.id, client_id=client_id, now=now) is None:
        return None
    return coach


async def is_responsible(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> bool:
    """Is this coach the client's responsible coach (who may hand them over or transfer them)?"""
    rows = await session.exec(
        select(CoachAssignment.id)
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.coach_id == coach_id,
            CoachAssignment.client_id == client_id,
            CoachAssignment.kind == AssignmentKind.RESPONSIBLE,
            valid_at(now),
            col(Coaching.status).in_(LIVE),
        )
    )
    return rows.first() is not None


async def admin_organisations(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> list[int]:
    """The organisations in which the person is an admin."""
    rows = await session.exec(
        select(Membership.organisation_id).where(
            Membership.person_id == person_id,
            Membership.role == Role.ADMIN,
            member_at(now),
        )
    )
    return sorted(set(rows.all()))


def require_own(*, viewer_id: int, owner_id: int) -> None:
    """A person's own data (/mydata, /forget) is theirs alone: nobody else's id may be named."""
    if viewer_id != owner_id:
        raise AccessDenied(f"person {viewer_id} may not touch the own data of person {owner_id}")


async def can_manage_coach(
    session: AsyncSession, *, admin_id: int, coach_id: int, now: dt.datetime
) -> bool:
    """May this admin manage this coach: is the coach (now) in an organisation the admin runs?"""
    organisations = await admin_organisations(session, person_id=admin_id, now=now)
    if not organisations:
        return False
    rows = await session.exec(
        select(Membership.id).where(
            Membership.person_id == coach_id,
            col(Membership.role).in_([Role.COACH, Role.ADMIN]),
            col(Membership.organisation_id).in_(organisations),
            member_at(now),
        )
    )
    return rows.first() is not None


async def door_opened(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> dt.datetime | None:
    """From when the person who answers a former client by the door alone sees their messages:
    once the coaching's sight ended, for a coach of it; from the closing, for an admin who
    answers because the coach left. None when this person does not answer the client so now."""
    if not await can_answer_client(session, coach_id=coach_id, client_id=client_id, now=now):
        return None
    coachings = (await session.exec(select(Coaching).where(Coaching.client_id == client_id))).all()
    stays = _stays(coachings)
    if not stays:
        return None
    latest = stays[-1][-1]
    if latest.status != CoachingStatus.CLOSED:
        return None
    assigned = (
        await session.exec(
            select(CoachAssignment.id).where(
                CoachAssignment.coaching_id == latest.id, CoachAssignment.coach_id == coach_id
            )
        )
    ).first()
    return sight_ends(latest) if assigned is not None else latest.closed_at or latest.updated_at


async def can_read_message(
    session: AsyncSession, *, viewer_id: int, message: RelayedMessage, now: dt.datetime
) -> bool:
    """May the viewer see this relayed message (e.g. in /inbox or an export)?

    On the line between a client and their coach: the client; the coaches who read that client
    now, for a message of their stay with its coaches (a coach who handed the client over for good
    no longer does); and by the door, its own end, for messages since the door opened. On an
    employer's line: only its two ends, never the client it is about.
    """
    if message.direction in _CLIENT_LINE:
        view = await view_of(session, viewer_id=viewer_id, client_id=message.client_id, now=now)
        if view is not None and holds_message(view, message):
            return True
        if viewer_id not in (message.sender_id, message.recipient_id):
            return False
        opened = await door_opened(
            session, coach_id=viewer_id, client_id=message.client_id, now=now
        )
        return opened is not None and message.created_at >= opened
    if viewer_id == message.client_id:
        return False
    return viewer_id in (message.sender_id, message.recipient_id)


async def can_touch_goal(
    session: AsyncSession, *, person_id: int, client_id: int, now: dt.datetime, act: bool
) -> bool:
    """May this person see (act=False) or change (act=True) a goal of this client?

    The client themself always; a coach who may read the client may see it, and the coach who acts
    for the client now may propose one or let one go. Nobody else: an employer never sees goals.
    """
    if person_id == client_id:
        return True
    if act:
        return await can_act_for_client(session, coach_id=person_id, client_id=client_id, now=now)
    return await can_read_client(session, viewer_id=person_id, client_id=client_id, now=now)


async def require_goal(
    session: AsyncSession, *, person_id: int, client_id: int, now: dt.datetime, act: bool
) -> View:
    """The person's view of the client's goals, or a refusal (see can_touch_goal)."""
    view = await view_of(session, viewer_id=person_id, client_id=client_id, now=now)
    if view is None or not await can_touch_goal(
        session, person_id=person_id, client_id=client_id, now=now, act=act
    ):
        raise AccessDenied(f"person {person_id} may not touch the goals of client {client_id}")
    return view


def _contact_active(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(EmployerContact.active_from) <= now,
        sa.or_(
            col(EmployerContact.active_until).is_(None), col(EmployerContact.active_until) > now
        ),
    )


async def is_employer_contact(session: AsyncSession, *, person_id: int, now: dt.datetime) -> bool:
    """Does the person speak for some employer now?"""
    rows = await session.exec(
        select(EmployerContact.id).where(
            EmployerContact.person_id == person_id, _contact_active(now)
        )
    )
    return rows.first() is not None


async def employer_placements(
    session: AsyncSession, *, contact_person_id: int, now: dt.datetime
) -> list[int]:
    """The placements an employer contact may act on now: linked to them, and the client's
    consent for that employer standing. Nothing else of any client is theirs to see."""
    rows = await session.exec(
        select(Placement.id)
        .join(PlacementContact, col(PlacementContact.placement_id) == col(Placement.id))
        .join(EmployerContact, col(EmployerContact.id) == col(PlacementContact.contact_id))
        .join(
            Consent,
            sa.and_(
                col(Consent.client_id) == col(Placement.client_id),
                col(Consent.employer_id) == col(Placement.employer_id),
                col(Consent.subject) == ConsentSubject.EMPLOYER_LINK,
                col(Consent.revoked_at).is_(None),
            ),
        )
        .where(
            EmployerContact.person_id == contact_person_id,
            col(EmployerContact.employer_id) == col(Placement.employer_id),
            _contact_active(now),
        )
        .distinct()
    )
    return sorted(pid for pid in rows.all() if pid is not None)


async def can_employer_act(
    session: AsyncSession, *, contact_person_id: int, placement_id: int, now: dt.datetime
) -> bool:
    """May this employer contact act on this placement (ask about it, propose a meeting)?"""
    allowed = await employer_placements(session, contact_person_id=contact_person_id, now=now)
    return placement_id in allowed


async def require_employer_act(
    session: AsyncSession, *, contact_person_id: int, placement_id: int, now: dt.datetime
) -> None:
    if not await can_employer_act(
        session, contact_person_id=contact_person_id, placement_id=placement_id, now=now
    ):
        raise AccessDenied(
            f"employer contact {contact_person_id} may not act on placement {placement_id}"
        )


async def employer_placement_for(
    session: AsyncSession, *, contact_person_id: int, client_id: int, now: dt.datetime
) -> int | None:
    """The placement of this client the employer contact may act on now, if any."""
    for placement_id in await employer_placements(
        session, contact_person_id=contact_person_id, now=now
    ):
        placement = await session.get(Placement, placement_id)
        if placement is not None and placement.client_id == client_id:
            return placement_id
    return None
