"""Joining the bot through an invite: a client's coaching with their coach, or a new coach; the
coaching agreement accepted or declined.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import (
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
)
from bot.models.invites import Invite
from bot.models.people import Membership, Organisation, Person, Role
from bot.services import audit, erasure, people
from bot.services.errors import DomainError
from bot.text.i18n import N_

AGREEMENT_VERSION = "2026-11"


@dataclass(frozen=True, slots=True)
class Created:
    """What opening one client invite added, so that declining takes away exactly that.

    A person who was there before (a former client, a client or coach of another organisation,
    an employer's contact) keeps everything they had; only a person this invite created goes.
    """

    person: bool
    # The client role in the invite's organisation: new, or an ended one made current again
    # (its end is kept here to be restored), or one that was current already.
    role: str  # "new" | "reopened" | "kept"
    role_ended_at: str | None
    name: bool  # the coach's name for the client
    display_name_before: str | None

    def as_data(self) -> dict[str, object]:
        return {
            "person": self.person,
            "role": self.role,
            "role_ended_at": self.role_ended_at,
            "name": self.name,
            "display_name_before": self.display_name_before,
        }

    @classmethod
    def from_data(cls, data: object) -> Created | None:
        """Read back what `as_data` wrote; None for a flow started before this was kept."""
        if not isinstance(data, dict):
            return None
        role = data.get("role")
        ended = data.get("role_ended_at")
        before = data.get("display_name_before")
        return cls(
            person=bool(data.get("person")),
            role=role if role in ("new", "reopened", "kept") else "kept",
            role_ended_at=ended if isinstance(ended, str) else None,
            name=bool(data.get("name")),
            display_name_before=before if isinstance(before, str) else None,
        )


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A client's place in a coaching, as onboarding needs it."""

    client_id: int
    coach_id: int
    coaching_id: int
    organisation_id: int
    created: Created | None = None


class Declined(enum.StrEnum):
    """What declining the agreement took away."""

    ERASED = "erased"  # the invite had created the person: nothing of them is kept
    # The person was there before: only the new coaching (and what came with it) is gone.
    COACHING_REMOVED = "coaching_removed"


async def _person_for(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    locale: str,
    timezone: str,
    now: dt.datetime,
) -> Person:
    person, _created = await _person_created(
        session, telegram_user_id=telegram_user_id, locale=locale, timezone=timezone, now=now
    )
    return person


async def _person_created(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    locale: str,
    timezone: str,
    now: dt.datetime,
) -> tuple[Person, bool]:
    """The person with this Telegram account, created if needed; True when created now."""
    person = await people.person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    created = person is None
    if person is None:
        person = Person(
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            locale=locale,
            timezone=timezone,
            created_at=now,
            updated_at=now,
        )
        session.add(person)
        await session.flush()
    return person, created


async def enrol_client(
    session: AsyncSession,
    *,
    invite: Invite,
    telegram_user_id: int,
    first_name: str,
    locale: str,
    now: dt.datetime,
) -> Enrolment:
    """Start a client's coaching from their coach's invite (the agreement is still to come)."""
    if invite.created_by_id is None:
        raise DomainError("a client invite without a coach")
    opener = await people.person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if opener is not None and opener.id is not None:
        staff = (
            await session.exec(
                select(Membership.id).where(
                    Membership.person_id == opener.id,
                    Membership.organisation_id == invite.organisation_id,
                    col(Membership.role).in_([Role.COACH, Role.ADMIN]),
                    sa.or_(
                        col(Membership.active_until).is_(None), col(Membership.active_until) > now
                    ),
                )
            )
        ).first()
        if opener.id == invite.created_by_id or staff is not None:
            raise DomainError(
                "staff opened a client invite",
                user_message=N_(
                    "This link is for a new client, and you work here as a coach. "
                    "It did not make you a client. Send the link to the person it is for."
                ),
            )
    return await start_coaching(
        session,
        telegram_user_id=telegram_user_id,
        first_name=first_name,
        locale=locale,
        organisation_id=invite.organisation_id,
        coach_id=invite.created_by_id,
        client_name=invite.client_name,
        now=now,
    )


async def start_coaching(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    first_name: str,
    locale: str,
    organisation_id: int,
    coach_id: int,
    client_name: str | None,
    now: dt.datetime,
) -> Enrolment:
    """A client's coaching with their responsible coach, waiting for the agreement."""
    organisation = await session.get(Organisation, organisation_id)
    assert organisation is not None
    person, person_created = await _person_created(
        session,
        telegram_user_id=telegram_user_id,
        locale=locale,
        timezone=organisation.timezone,
        now=now,
    )
    assert person.id is not None
    open_coaching = (
        await session.exec(
            select(Coaching).where(
                Coaching.client_id == person.id,
                Coaching.organisation_id == organisation_id,
                col(Coaching.status).in_([CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE]),
            )
        )
    ).first()
    if open_coaching is not None:
        raise DomainError(
            "already in coaching",
            user_message=N_(
                "You are already in coaching here. If you want another coach, "
                "talk to your coach about it."
            ),
        )
    display_name_before = person.display_name
    # The client's own name for themselves until they choose otherwise: their Telegram first name.
    person.display_name = person.display_name or first_name[:100]
    person.updated_at = now
    role_before = (
        await session.exec(
            select(Membership).where(
                Membership.person_id == person.id,
                Membership.organisation_id == organisation_id,
                Membership.role == Role.CLIENT,
            )
        )
    ).first()
    if role_before is None:
        role, role_ended_at = "new", None
    elif role_before.active_until is not None:
        role, role_ended_at = "reopened", role_before.active_until.isoformat()
    else:
        role, role_ended_at = "kept", None
    await people.grant_role(
        session,
        person_id=person.id,
        organisation_id=organisation_id,
        role=Role.CLIENT,
        now=now,
    )
    coaching = Coaching(
        client_id=person.id,
        organisation_id=organisation_id,
        status=CoachingStatus.ONBOARDING,
        created_at=now,
        updated_at=now,
    )
    session.add(coaching)
    await session.flush()
    assert coaching.id is not None
    session.add(
        CoachAssignment(
            coaching_id=coaching.id,
            client_id=person.id,
            coach_id=coach_id,
            kind=AssignmentKind.RESPONSIBLE,
            valid_from=now,
            created_by_id=coach_id,
            created_at=now,
        )
    )
    name = (client_name or first_name or "").strip()[:100]
    existing = (
        await session.exec(
            select(ClientName).where(
                ClientName.coach_id == coach_id, ClientName.client_id == person.id
            )
        )
    ).first()
    if existing is None:
        session.add(
            ClientName(
                coach_id=coach_id,
                client_id=person.id,
                name=name or "?",
                created_at=now,
                updated_at=now,
            )
        )
    await session.flush()
    return Enrolment(
        client_id=person.id,
        coach_id=coach_id,
        coaching_id=coaching.id,
        organisation_id=organisation_id,
        created=Created(
            person=person_created,
            role=role,
            role_ended_at=role_ended_at,
            name=existing is None,
            display_name_before=None if person_created else display_name_before,
        ),
    )


async def enrol_coach(
    session: AsyncSession,
    *,
    invite: Invite,
    telegram_user_id: int,
    name: str,
    locale: str,
    now: dt.datetime,
) -> Person:
    """Make the person who opened a coach invite a coach of the invite's organisation.

    A client in coaching (in any organisation) is refused: a coach reads clients' health data,
    and a client must not read their fellow clients' by opening a link meant for someone else.
    The refusal rolls back the redemption, so the link still works for the coach it was for.
    """
    organisation = await session.get(Organisation, invite.organisation_id)
    assert organisation is not None
    existing = await people.person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if existing is not None and existing.id is not None:
        in_coaching = await session.exec(
            select(Coaching.id).where(
                Coaching.client_id == existing.id,
                col(Coaching.status).in_([CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE]),
            )
        )
        if in_coaching.first() is not None:
            raise DomainError(
                f"client {existing.id} opened a coach invite",
                user_message=N_(
                    "This link is for a new job coach. You are in job coaching as a client, "
                    "so this link cannot make you a coach. If you think this is a mistake, "
                    "talk to your coach."
                ),
            )
    person = await _person_for(
        session,
        telegram_user_id=telegram_user_id,
        locale=locale,
        timezone=organisation.timezone,
        now=now,
    )
    assert person.id is not None
    person.display_name = (invite.client_name or name).strip()[:200] or person.display_name
    person.updated_at = now
    await people.grant_role(
        session,
        person_id=person.id,
        organisation_id=invite.organisation_id,
        role=Role.COACH,
        now=now,
    )
    return person


async def onboarding_coaching(session: AsyncSession, *, client_id: int) -> Coaching | None:
    """The client's coaching that is still waiting for the agreement, if any."""
    return (
        await session.exec(
            select(Coaching).where(
                Coaching.client_id == client_id, Coaching.status == CoachingStatus.ONBOARDING
            )
        )
    ).first()


async def accept_agreement(
    session: AsyncSession, *, coaching_id: int, client_id: int, now: dt.datetime
) -> Coaching:
    """The client accepted the coaching agreement: the coaching starts."""
    coaching = await session.get(Coaching, coaching_id)
    if coaching is None or coaching.client_id != client_id:
        raise DomainError("no such coaching")
    if coaching.status == CoachingStatus.ONBOARDING:
        coaching.status = CoachingStatus.ACTIVE
        coaching.agreement_version = AGREEMENT_VERSION
        coaching.agreement_accepted_at = now
        coaching.started_at = now
        coaching.updated_at = now
        await audit.record(
            session,
            event="agreement.accepted",
            now=now,
            actor_id=client_id,
            subject_id=client_id,
            organisation_id=coaching.organisation_id,
            object_type="coaching",
            object_id=coaching.id,
            details={"version": AGREEMENT_VERSION},
        )
    return coaching


async def decline(
    session: AsyncSession,
    *,
    client_id: int,
    coaching_id: int,
    coach_id: int,
    created: Created | None,
    now: dt.datetime,
) -> Declined:
    """The client does not accept the agreement: take away what their invite added, no more."""
    if created is not None and created.person:
        await erasure.erase_person(session, person_id=client_id, now=now, reason="declined")
        return Declined.ERASED
    coaching = await session.get(Coaching, coaching_id)
    if coaching is not None and (
        coaching.client_id != client_id or coaching.status != CoachingStatus.ONBOARDING
    ):
        raise DomainError("not this client's coaching waiting for the agreement")
    organisation_id = coaching.organisation_id if coaching is not None else None
    if coaching is not None:
        await session.delete(coaching)  # its coach assignment goes with it
    if created is not None and created.name:
        await session.exec(
            sa.delete(ClientName).where(
                col(ClientName.coach_id) == coach_id, col(ClientName.client_id) == client_id
            )
        )
    if created is not None and organisation_id is not None and created.role != "kept":
        membership = (
            await session.exec(
                select(Membership).where(
                    Membership.person_id == client_id,
                    Membership.organisation_id == organisation_id,
                    Membership.role == Role.CLIENT,
                )
            )
        ).first()
        if membership is not None and created.role == "new":
            await session.delete(membership)
        elif membership is not None and created.role_ended_at is not None:
            membership.active_until = dt.datetime.fromisoformat(created.role_ended_at)
    person = await session.get(Person, client_id)
    if person is not None and created is not None and created.display_name_before is None:
        # The name this invite gave them, unless they had one already.
        others = (
            await session.exec(select(Coaching.id).where(Coaching.client_id == client_id).limit(1))
        ).first()
        if others is None:
            person.display_name = None
    await audit.record(
        session,
        event="agreement.declined",
        now=now,
        actor_id=client_id,
        subject_id=client_id,
        organisation_id=organisation_id,
        object_type="coaching",
        object_id=coaching_id,
    )
    return Declined.COACHING_REMOVED


async def had_coaching_before(
    session: AsyncSession, *, client_id: int, organisation_id: int, coaching_id: int
) -> bool:
    """Whether the client had another coaching in this organisation than the given one."""
    found = (
        await session.exec(
            select(Coaching.id).where(
                Coaching.client_id == client_id,
                Coaching.organisation_id == organisation_id,
                Coaching.id != coaching_id,
            )
        )
    ).first()
    return found is not None
