"""Everything stored about a person, as one document they can keep (/mydata).

`build_export` turns the database rows about one person into plain data (a dict of lists, strings,
numbers and booleans) ready for JSON. Moments are ISO 8601 in the person's own timezone, days are
ISO dates. Only what is about the person goes in: other people appear by first name only (the
coach who wrote a note), never by a Telegram id, a chat id or a row of someone else's. Someone who
was never a client (a coach asking about themselves) gets their profile and preferences. An
employer's contact person gets, besides, whom they speak for, the questions they asked and the
answers they got, the meetings they proposed and their answers to follow-up questions; the
employees appear by first name, as the contact knows them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinPause, CheckinSchedule
from bot.models.coaching import (
    ClientName,
    ClosingSummary,
    CoachAssignment,
    Coaching,
    CoachNote,
    PlanEmphasis,
)
from bot.models.consent import Consent, Disclosure
from bot.models.flags import Flag
from bot.models.goals import Goal, GoalEvent, GoalStep
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.people import Membership, Organisation, Person, Preference, Role
from bot.models.placements import (
    Employer,
    EmployerContact,
    FollowUpAudience,
    FollowUpContact,
    FollowUpPlan,
    Meeting,
    Placement,
    PlacementContact,
)
from bot.services import days, people
from bot.services.errors import DomainError

FORMAT = "companion-mydata/1"
YOU = "you"

_DIRECTIONS = {
    RelayDirection.CLIENT_TO_COACH: "to_your_coach",
    RelayDirection.COACH_TO_CLIENT: "from_your_coach",
}


def file_name(person_timezone: str, now: dt.datetime) -> str:
    """The document's name, dated in the person's own calendar: my-data-2026-03-02.json."""
    return f"my-data-{now.astimezone(_zone(person_timezone)).date().isoformat()}.json"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(days.default_zone())


class _Writer:
    """Formats values for the document and names other people by first name only."""

    def __init__(self, session: AsyncSession, person: Person) -> None:
        assert person.id is not None
        self.session = session
        self.person_id = person.id
        self.zone = _zone(person.timezone)
        self._names: dict[int, str | None] = {}
        self._employers: dict[int, str | None] = {}
        self._organisations: dict[int, str | None] = {}

    def moment(self, value: dt.datetime | None) -> str | None:
        return value.astimezone(self.zone).isoformat(timespec="seconds") if value else None

    @staticmethod
    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    @staticmethod
    def clock_time(value: dt.time | None) -> str | None:
        return value.strftime("%H:%M") if value else None

    async def who(self, person_id: int | None) -> str | None:
        """The word "you" for the person, else another person's first name (None if unknown)."""
        if person_id is None:
            return None
        if person_id == self.person_id:
            return YOU
        if person_id not in self._names:
            other = await self.session.get(Person, person_id)
            self._names[person_id] = people.first_name(other.display_name if other else None)
        return self._names[person_id]

    async def employer(self, employer_id: int | None) -> str | None:
        if employer_id is None:
            return None
        if employer_id not in self._employers:
            found = await self.session.get(Employer, employer_id)
            self._employers[employer_id] = found.name if found else None
        return self._employers[employer_id]

    async def organisation(self, organisation_id: int | None) -> str | None:
        if organisation_id is None:
            return None
        if organisation_id not in self._organisations:
            found = await self.session.get(Organisation, organisation_id)
            self._organisations[organisation_id] = found.name if found else None
        return self._organisations[organisation_id]


async def is_client_ever(session: AsyncSession, *, person_id: int) -> bool:
    """Has the person ever been a client (a coaching or a client role, past or present)?"""
    coaching = await session.exec(select(Coaching.id).where(Coaching.client_id == person_id))
    if coaching.first() is not None:
        return True
    role = await session.exec(
        select(Membership.id).where(
            Membership.person_id == person_id, Membership.role == Role.CLIENT
        )
    )
    return role.first() is not None


async def is_employer_contact_ever(session: AsyncSession, *, person_id: int) -> bool:
    """Has the person ever spoken for an employer (a contact now or in the past)?"""
    rows = await session.exec(
        select(EmployerContact.id).where(EmployerContact.person_id == person_id)
    )
    return rows.first() is not None


async def build_export(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> dict[str, Any]:
    """Everything stored about the person, as plain data for JSON."""
    person = await session.get(Person, person_id)
    if person is None:
        raise DomainError(f"person {person_id} has nothing to export")
    w = _Writer(session, person)
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": w.moment(now),
        "profile": await _profile(w, person),
        "preferences": await _preferences(w),
    }
    if await is_employer_contact_ever(session, person_id=person_id):
        document["as_employer_contact"] = await _as_employer_contact(w)
    if not await is_client_ever(session, person_id=person_id):
        return document
    document.update(
        {
            "coachings": await _coachings(w),
            "names_your_coaches_gave_you": await _given_names(w),
            "checkin_schedules": await _schedules(w),
            "checkin_pauses": await _pauses(w),
            "checkins": await _checkins(w),
            "goals": await _goals(w),
            "notes_about_you": await _notes(w),
            "messages": await _messages(w),
            "employer_questions_about_you": await _employer_questions(w),
            "consents": await _consents(w),
            "disclosures": await _disclosures(w),
            "placements": await _placements(w),
            "meetings": await _meetings(w),
            "follow_up": await _follow_up(w),
            "flags": await _flags(w),
        }
    )
    return document


async def _profile(w: _Writer, person: Person) -> dict[str, Any]:
    rows = await w.session.exec(
        select(Membership)
        .where(Membership.person_id == w.person_id)
        .order_by(col(Membership.active_from), col(Membership.id))
    )
    return {
        "name": person.display_name,
        "language": person.locale,
        "language_chosen_by_you": person.locale_chosen,
        "timezone": person.timezone,
        "known_since": w.moment(person.created_at),
        "roles": [
            {
                "role": str(m.role),
                "organisation": await w.organisation(m.organisation_id),
                "from": w.moment(m.active_from),
                "until": w.moment(m.active_until),
            }
            for m in rows.all()
        ],
    }


async def _preferences(w: _Writer) -> dict[str, Any] | None:
    found = await w.session.get(Preference, w.person_id)
    if found is None:
        return None
    return {
        "encouragement": found.encouragement,
        "working_days": found.working_days,
        "working_hours": [w.clock_time(found.working_start), w.clock_time(found.working_end)],
        "quiet_hours": [w.clock_time(found.quiet_start), w.clock_time(found.quiet_end)],
        "daily_digest": found.daily_digest,
        "changed": w.moment(found.updated_at),
    }


async def _coachings(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Coaching)
        .where(Coaching.client_id == w.person_id)
        .order_by(col(Coaching.created_at), col(Coaching.id))
    )
    result = []
    for coaching in rows.all():
        assignments = await w.session.exec(
            select(CoachAssignment)
            .where(CoachAssignment.coaching_id == coaching.id)
            .order_by(col(CoachAssignment.valid_from), col(CoachAssignment.id))
        )
        emphasis = await w.session.exec(
            select(PlanEmphasis)
            .where(PlanEmphasis.coaching_id == coaching.id)
            .order_by(col(PlanEmphasis.created_at), col(PlanEmphasis.id))
        )
        summaries = await w.session.exec(
            select(ClosingSummary)
            .where(ClosingSummary.coaching_id == coaching.id)
            .order_by(col(ClosingSummary.version))
        )
        result.append(
            {
                "organisation": await w.organisation(coaching.organisation_id),
                "status": str(coaching.status),
                "agreement_version": coaching.agreement_version,
                "agreement_accepted": w.moment(coaching.agreement_accepted_at),
                "started": w.moment(coaching.started_at),
                "closed": w.moment(coaching.closed_at),
                "outcome": str(coaching.outcome) if coaching.outcome else None,
                "follow_up_until": w.moment(coaching.follow_up_until),
                "coaches": [
                    {
                        "coach": await w.who(a.coach_id),
                        "kind": str(a.kind),
                        "from": w.moment(a.valid_from),
                        "until": w.moment(a.valid_until),
                    }
                    for a in assignments.all()
                ],
                "plan_emphasis_history": [
                    {
                        "date": w.moment(e.created_at),
                        "area": str(e.area),
                        "level": e.level,
                        "reason": e.reason,
                        "agreed_with_you": e.agreed_with_client,
                        "set_by": await w.who(e.set_by_id),
                    }
                    for e in emphasis.all()
                ],
                "closing_summaries": [
                    {
                        "version": s.version,
                        "status": str(s.status),
                        "language": str(s.language),
                        "content": s.content,
                        "your_change_request": s.change_request,
                        "created": w.moment(s.created_at),
                        "sent_to_you": w.moment(s.sent_at),
                        "approved_by_you": w.moment(s.approved_at),
                    }
                    for s in summaries.all()
                ],
            }
        )
    return result


async def _given_names(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(ClientName)
        .where(ClientName.client_id == w.person_id)
        .order_by(col(ClientName.created_at), col(ClientName.id))
    )
    return [
        {"coach": await w.who(n.coach_id), "name": n.name, "since": w.moment(n.created_at)}
        for n in rows.all()
    ]


async def _schedules(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(CheckinSchedule)
        .where(CheckinSchedule.client_id == w.person_id)
        .order_by(col(CheckinSchedule.created_at), col(CheckinSchedule.id))
    )
    return [
        {
            "time": w.clock_time(s.local_time),
            "weekdays": s.weekdays,
            "timezone": s.timezone,
            "active": s.active,
            "created": w.moment(s.created_at),
        }
        for s in rows.all()
    ]


async def _pauses(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(CheckinPause)
        .where(CheckinPause.client_id == w.person_id)
        .order_by(col(CheckinPause.starts_on), col(CheckinPause.id))
    )
    return [
        {
            "from": w.day(p.starts_on),
            "to": w.day(p.ends_on),
            "reason": str(p.reason),
            "set_by": await w.who(p.created_by_id),
            "created": w.moment(p.created_at),
        }
        for p in rows.all()
    ]


async def _checkins(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Checkin)
        .where(Checkin.client_id == w.person_id)
        .order_by(col(Checkin.due_at), col(Checkin.id))
    )
    return [
        {
            "due": w.moment(c.due_at),
            "status": str(c.status),
            "sent": w.moment(c.sent_at),
            "reminded": w.moment(c.reminded_at),
            "answered": w.moment(c.answered_at),
            "questions": list(c.questions),
            "sleep": str(c.sleep) if c.sleep else None,
            "got_up": str(c.got_up) if c.got_up else None,
            "mood": c.mood,
            "day_kind": str(c.day_kind) if c.day_kind else None,
            "note": c.note,
            "voice_message": c.voice_file_id is not None,
            "contact_requested": c.contact_requested,
            "other_answers": dict(c.extra_answers),
        }
        for c in rows.all()
    ]


async def _goals(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Goal)
        .where(Goal.client_id == w.person_id)
        .order_by(col(Goal.created_at), col(Goal.id))
    )
    result = []
    for goal in rows.all():
        steps = await w.session.exec(
            select(GoalStep)
            .where(GoalStep.goal_id == goal.id)
            .order_by(col(GoalStep.position), col(GoalStep.id))
        )
        events = await w.session.exec(
            select(GoalEvent)
            .where(GoalEvent.goal_id == goal.id)
            .order_by(col(GoalEvent.created_at), col(GoalEvent.id))
        )
        result.append(
            {
                "area": str(goal.area),
                "title": goal.title,
                "status": str(goal.status),
                "target_date": w.day(goal.target_date),
                "progress_question_every_days": goal.progress_every_days,
                "proposed_by": await w.who(goal.proposed_by_id),
                "created": w.moment(goal.created_at),
                "reached": w.moment(goal.reached_at),
                "let_go_reason": goal.let_go_reason,
                "steps": [
                    {"title": s.title, "position": s.position, "done": w.moment(s.done_at)}
                    for s in steps.all()
                ],
                "events": [
                    {
                        "date": w.moment(e.created_at),
                        "kind": str(e.kind),
                        "by": await w.who(e.actor_id),
                        "note": e.note,
                    }
                    for e in events.all()
                ],
            }
        )
    return result


async def _notes(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(CoachNote)
        .where(CoachNote.client_id == w.person_id)
        .order_by(col(CoachNote.created_at), col(CoachNote.id))
    )
    return [
        {
            "date": w.moment(n.created_at),
            "changed": w.moment(n.updated_at) if n.updated_at != n.created_at else None,
            "coach": await w.who(n.coach_id),
            "text": n.text,
        }
        for n in rows.all()
    ]


async def _messages(w: _Writer) -> list[dict[str, Any]]:
    """The line between the person and their coaches, both ways (what their employer asked the
    coach about them, and the coach's answers, are under employer_questions_about_you)."""
    rows = await w.session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.client_id == w.person_id,
            col(RelayedMessage.direction).in_(list(_DIRECTIONS)),
        )
        .order_by(col(RelayedMessage.created_at), col(RelayedMessage.id))
    )
    result = []
    for m in rows.all():
        to_coach = m.direction == RelayDirection.CLIENT_TO_COACH
        result.append(
            {
                "direction": _DIRECTIONS[RelayDirection(m.direction)],
                "coach": await w.who(m.recipient_id if to_coach else m.sender_id),
                "date": w.moment(m.created_at),
                "kind": str(m.content_kind),
                "text": m.text,
                "status": str(m.status),
                "delivered": w.moment(m.delivered_at),
                "read_by_coach": w.moment(m.read_at) if to_coach else None,
                "edited": w.moment(m.edited_at),
                "is_an_edit": m.edit_of_id is not None,
            }
        )
    return result


async def _answers_to(w: _Writer, question_id: int | None) -> list[dict[str, Any]]:
    """The coach's answers to one question on the employer's line."""
    rows = await w.session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.reply_to_id == question_id,
            RelayedMessage.direction == RelayDirection.COACH_TO_EMPLOYER,
        )
        .order_by(col(RelayedMessage.created_at), col(RelayedMessage.id))
    )
    return [
        {"date": w.moment(a.created_at), "coach": await w.who(a.sender_id), "text": a.text}
        for a in rows.all()
    ]


async def _employer_questions(w: _Writer) -> list[dict[str, Any]]:
    """What an employer asked the coach about the person, and what the coach answered: data
    about them, shown to them (who asked by first name; words an asker erased are gone)."""
    rows = await w.session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.client_id == w.person_id,
            RelayedMessage.direction == RelayDirection.EMPLOYER_TO_COACH,
        )
        .order_by(col(RelayedMessage.created_at), col(RelayedMessage.id))
    )
    return [
        {
            "date": w.moment(q.created_at),
            "employer": await w.employer(q.employer_id),
            "asked_by": await w.who(q.sender_id),
            "to_coach": await w.who(q.recipient_id),
            "text": q.text,
            "answers": await _answers_to(w, q.id),
        }
        for q in rows.all()
    ]


async def _employee(w: _Writer, client_id: int) -> str | None:
    """An employee as their employer's contact knows them: by first name."""
    client = await w.session.get(Person, client_id)
    return people.first_name(client.display_name if client else None)


async def _as_employer_contact(w: _Writer) -> dict[str, Any]:
    """What is stored about a person as an employer's contact person."""
    contacts = await w.session.exec(
        select(EmployerContact)
        .where(EmployerContact.person_id == w.person_id)
        .order_by(col(EmployerContact.active_from), col(EmployerContact.id))
    )
    speaks_for = []
    for contact in contacts.all():
        linked = await w.session.exec(
            select(PlacementContact.created_at, Placement.client_id)
            .join(Placement, col(Placement.id) == col(PlacementContact.placement_id))
            .where(PlacementContact.contact_id == contact.id)
            .order_by(col(PlacementContact.created_at), col(PlacementContact.id))
        )
        speaks_for.append(
            {
                "employer": await w.employer(contact.employer_id),
                "title": contact.title,
                "from": w.moment(contact.active_from),
                "until": w.moment(contact.active_until),
                "employees": [
                    {"employee": await _employee(w, client_id), "linked": w.moment(at)}
                    for at, client_id in linked.all()
                ],
            }
        )
    questions = await w.session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.sender_id == w.person_id,
            RelayedMessage.direction == RelayDirection.EMPLOYER_TO_COACH,
        )
        .order_by(col(RelayedMessage.created_at), col(RelayedMessage.id))
    )
    meetings = await w.session.exec(
        select(Meeting)
        .where(Meeting.proposed_by_id == w.person_id)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    pulses = await w.session.exec(
        select(FollowUpContact)
        .where(
            FollowUpContact.recipient_id == w.person_id,
            FollowUpContact.audience == FollowUpAudience.EMPLOYER,
        )
        .order_by(col(FollowUpContact.due_at), col(FollowUpContact.id))
    )
    return {
        "speaks_for": speaks_for,
        "questions_you_asked": [
            {
                "date": w.moment(q.created_at),
                "about": await _employee(w, q.client_id),
                "employer": await w.employer(q.employer_id),
                "to_coach": await w.who(q.recipient_id),
                "text": q.text,
                "answers": await _answers_to(w, q.id),
            }
            for q in questions.all()
        ],
        "meetings_you_proposed": [
            {
                "starts": w.moment(m.starts_at),
                "place": m.place,
                "status": str(m.status),
                "about": await _employee(w, m.client_id),
                "employer": await w.employer(m.employer_id),
                "confirmed": w.moment(m.confirmed_at),
            }
            for m in meetings.all()
        ],
        "follow_up_answers": [
            {
                "about": await _employee(w, c.client_id),
                "sent": w.moment(c.sent_at),
                "status": str(c.status),
                "answered": w.moment(c.answered_at),
                "answers": dict(c.answers),
            }
            for c in pulses.all()
        ],
    }


async def _consents(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Consent)
        .where(Consent.client_id == w.person_id)
        .order_by(col(Consent.given_at), col(Consent.id))
    )
    return [
        {
            "subject": str(c.subject),
            "employer": await w.employer(c.employer_id),
            "text_version": c.text_version,
            "given": w.moment(c.given_at),
            "revoked": w.moment(c.revoked_at),
        }
        for c in rows.all()
    ]


async def _disclosures(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Disclosure)
        .where(Disclosure.client_id == w.person_id)
        .order_by(col(Disclosure.created_at), col(Disclosure.id))
    )
    return [
        {
            "date": w.moment(d.created_at),
            "what": str(d.what),
            "employer": await w.employer(d.employer_id),
            "to": await w.who(d.recipient_id),
        }
        for d in rows.all()
    ]


async def _placements(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Placement)
        .where(Placement.client_id == w.person_id)
        .order_by(col(Placement.start_date), col(Placement.id))
    )
    return [
        {
            "employer": await w.employer(p.employer_id),
            "job_title": p.job_title,
            "kind": str(p.kind),
            "start_date": w.day(p.start_date),
            "end_date": w.day(p.end_date),
            "hours_per_week": p.hours_per_week,
            "current": p.is_current,
        }
        for p in rows.all()
    ]


async def _meetings(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Meeting)
        .where(Meeting.client_id == w.person_id)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    return [
        {
            "starts": w.moment(m.starts_at),
            "place": m.place,
            "status": str(m.status),
            "employer": await w.employer(m.employer_id),
            "proposed_by": await w.who(m.proposed_by_id),
            "confirmed": w.moment(m.confirmed_at),
        }
        for m in rows.all()
    ]


async def _follow_up(w: _Writer) -> dict[str, Any]:
    plan = await w.session.get(FollowUpPlan, w.person_id)
    # The employer's answers about the same period are theirs: each side sees only its own.
    rows = await w.session.exec(
        select(FollowUpContact)
        .where(
            FollowUpContact.client_id == w.person_id,
            FollowUpContact.audience == FollowUpAudience.EMPLOYEE,
        )
        .order_by(col(FollowUpContact.due_at), col(FollowUpContact.id))
    )
    return {
        "plan": None
        if plan is None
        else {
            "opted_out": w.moment(plan.opted_out_at),
            "rhythm": plan.rhythm,
            "tightened": w.moment(plan.tightened_at),
        },
        "contacts": [
            {
                "due": w.moment(c.due_at),
                "status": str(c.status),
                "sent": w.moment(c.sent_at),
                "answered": w.moment(c.answered_at),
                "answers": dict(c.answers),
            }
            for c in rows.all()
        ],
    }


async def _flags(w: _Writer) -> list[dict[str, Any]]:
    rows = await w.session.exec(
        select(Flag)
        .where(Flag.client_id == w.person_id)
        .order_by(col(Flag.raised_at), col(Flag.id))
    )
    return [
        {
            "kind": str(f.kind),
            "urgency": str(f.urgency),
            "status": str(f.status),
            "raised": w.moment(f.raised_at),
            "acknowledged": w.moment(f.acknowledged_at),
            "snoozed_until": w.moment(f.snoozed_until),
            "done": w.moment(f.done_at),
            # The client's own words that raised it (words of crisis or worry).
            "words": [
                str(said.get("text", ""))
                for said in (f.details or {}).get("words", [])
                if isinstance(said, dict)
            ],
        }
        for f in rows.all()
    ]
