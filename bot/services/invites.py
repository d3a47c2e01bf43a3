"""One-time invite links: only a hash of the token is stored, each link works once and for a
limited time, and a person who keeps guessing tokens is slowed down.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.invites import Invite, InviteAttempt, InviteKind
from bot.models.people import Organisation, Person
from bot.services import audit
from bot.services.sql import insert_ignoring_conflicts, table_of

VALID_FOR = dt.timedelta(days=7)
# Wrong tokens allowed from one person in the window before they must wait.
MAX_WRONG_TOKENS = 5
WRONG_TOKEN_WINDOW = dt.timedelta(minutes=15)
WRONG_TOKEN_PAUSE = dt.timedelta(minutes=15)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Refusal(enum.StrEnum):
    """Why a link did not work; the answers name neither the coach nor any client."""

    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    SLOWED = "slowed"


def new_token() -> str:
    """A token for a link: 43 URL-safe characters, fits Telegram's 64-character start payload."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def deep_link(username: str, token: str) -> str:
    return f"https://t.me/{username}?start={token}"


def looks_like_token(payload: str) -> bool:
    return bool(_TOKEN.match(payload))


async def create(
    session: AsyncSession,
    *,
    kind: InviteKind,
    organisation_id: int,
    now: dt.datetime,
    created_by_id: int | None = None,
    client_name: str | None = None,
    valid_for: dt.timedelta = VALID_FOR,
) -> tuple[Invite, str]:
    """A new invite and its token (shown once, never stored)."""
    token = new_token()
    invite = Invite(
        token_hash=token_hash(token),
        kind=kind,
        organisation_id=organisation_id,
        created_by_id=created_by_id,
        client_name=client_name,
        expires_at=now + valid_for,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session,
        event="invite.created",
        now=now,
        actor_id=created_by_id,
        organisation_id=organisation_id,
        object_type="invite",
        object_id=invite.id,
        details={"kind": str(kind)},
    )
    return invite, token


async def _slowed(session: AsyncSession, *, telegram_user_id: int, now: dt.datetime) -> bool:
    attempt = await session.get(InviteAttempt, telegram_user_id)
    return bool(attempt and attempt.blocked_until and attempt.blocked_until > now)


async def _count_wrong_token(
    session: AsyncSession, *, telegram_user_id: int, now: dt.datetime
) -> bool:
    """Count a wrong token; True when the person must now wait."""
    await insert_ignoring_conflicts(
        session,
        table_of(InviteAttempt),
        [{"telegram_user_id": telegram_user_id, "failures": 0, "window_started_at": now}],
    )
    attempt = (
        await session.exec(
            select(InviteAttempt)
            .where(InviteAttempt.telegram_user_id == telegram_user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    if attempt.window_started_at + WRONG_TOKEN_WINDOW < now:
        attempt.window_started_at = now
        attempt.failures = 0
    attempt.failures += 1
    if attempt.failures >= MAX_WRONG_TOKENS:
        attempt.blocked_until = now + WRONG_TOKEN_PAUSE
        attempt.failures = 0
        attempt.window_started_at = now
        return True
    return False


async def prune_attempts(session: AsyncSession, *, now: dt.datetime) -> int:
    """Forget wrong-token counters that can no longer slow anyone down.

    A counter matters while its window is open (the next wrong token adds to it) or while the
    person must wait; after that it only says that a Telegram user once opened a wrong link.
    """
    result = await session.exec(
        sa.delete(InviteAttempt).where(
            col(InviteAttempt.window_started_at) < now - WRONG_TOKEN_WINDOW,
            sa.or_(
                col(InviteAttempt.blocked_until).is_(None),
                col(InviteAttempt.blocked_until) <= now,
            ),
        )
    )
    return int(result.rowcount)


async def redeem(
    session: AsyncSession, *, token: str, telegram_user_id: int, now: dt.datetime
) -> Invite | Refusal:
    """Use a link once, atomically; or say why it does not work."""
    if await _slowed(session, telegram_user_id=telegram_user_id, now=now):
        return Refusal.SLOWED
    hashed = token_hash(token) if looks_like_token(token) else None
    if hashed is not None:
        result = await session.exec(
            sa.update(Invite)
            .where(
                col(Invite.token_hash) == hashed,
                col(Invite.used_at).is_(None),
                col(Invite.revoked_at).is_(None),
                col(Invite.expires_at) > now,
            )
            .values(used_at=now)
            .returning(col(Invite.id))
        )
        used_id = result.scalar_one_or_none()
        if used_id is not None:
            invite = await session.get(Invite, used_id, populate_existing=True)
            assert invite is not None
            return invite
        existing = (await session.exec(select(Invite).where(Invite.token_hash == hashed))).first()
        if existing is not None:
            if existing.revoked_at is not None:
                return Refusal.REVOKED
            if existing.used_at is not None:
                return Refusal.USED
            return Refusal.EXPIRED
    if await _count_wrong_token(session, telegram_user_id=telegram_user_id, now=now):
        return Refusal.SLOWED
    return Refusal.UNKNOWN


async def mark_used_by(
    session: AsyncSession, *, invite: Invite, person_id: int, now: dt.datetime
) -> None:
    invite.used_by_id = person_id
    await audit.record(
        session,
        event="invite.redeemed",
        now=now,
        actor_id=person_id,
        organisation_id=invite.organisation_id,
        object_type="invite",
        object_id=invite.id,
        details={"kind": str(invite.kind)},
    )


async def open_invites(
    session: AsyncSession, *, created_by_id: int, now: dt.datetime
) -> list[Invite]:
    """A coach's invites that can still be used, newest first."""
    rows = await session.exec(
        select(Invite)
        .where(
            Invite.created_by_id == created_by_id,
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
        )
        .order_by(col(Invite.created_at).desc(), col(Invite.id).desc())
    )
    return list(rows.all())


async def revoke(
    session: AsyncSession, *, invite_id: int, created_by_id: int, now: dt.datetime
) -> bool:
    """Revoke one of the coach's own open invites; False if it is not theirs or not open."""
    result = await session.exec(
        sa.update(Invite)
        .where(
            col(Invite.id) == invite_id,
            col(Invite.created_by_id) == created_by_id,
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    if result.rowcount:
        await audit.record(
            session,
            event="invite.revoked",
            now=now,
            actor_id=created_by_id,
            object_type="invite",
            object_id=invite_id,
        )
        return True
    return False


class InviteState(enum.StrEnum):
    """Where an invite stands, as an admin sees it."""

    OPEN = "open"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"


def state_of(invite: Invite, now: dt.datetime) -> InviteState:
    if invite.revoked_at is not None:
        return InviteState.REVOKED
    if invite.used_at is not None:
        return InviteState.USED
    if invite.expires_at <= now:
        return InviteState.EXPIRED
    return InviteState.OPEN


@dataclass(frozen=True, slots=True)
class InviteSummary:
    """Enough to recognise an invite on the command line; never its token or a client's name."""

    id: int
    kind: InviteKind
    organisation: str
    created_at: dt.datetime
    expires_at: dt.datetime
    # The coach who made it, None for one made on the command line.
    made_by: str | None
    state: InviteState


async def summaries(
    session: AsyncSession,
    *,
    now: dt.datetime,
    kinds: frozenset[InviteKind] | None = None,
    organisation_name: str | None = None,
    open_only: bool = True,
) -> list[InviteSummary]:
    """Invites for an admin, oldest first: by default the ones that can still be used."""
    query = (
        select(Invite, Organisation.name, Person.display_name)
        .join(Organisation, col(Organisation.id) == col(Invite.organisation_id))
        .outerjoin(Person, col(Person.id) == col(Invite.created_by_id))
        .order_by(col(Invite.created_at), col(Invite.id))
    )
    if kinds is not None:
        query = query.where(col(Invite.kind).in_(sorted(kinds)))
    if organisation_name is not None:
        query = query.where(Organisation.name == organisation_name)
    if open_only:
        query = query.where(
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
        )
    rows = await session.exec(query)
    found = []
    for invite, organisation, made_by in rows.all():
        assert invite.id is not None
        found.append(
            InviteSummary(
                id=invite.id,
                kind=InviteKind(invite.kind),
                organisation=organisation,
                created_at=invite.created_at,
                expires_at=invite.expires_at,
                made_by=made_by if invite.created_by_id is not None else None,
                state=state_of(invite, now),
            )
        )
    return found


async def revoke_as_admin(
    session: AsyncSession, *, invite_id: int, now: dt.datetime
) -> Invite | InviteState | None:
    """Revoke any invite that can still be used (the command line is the admin's).

    The invite when revoked; the state it is in when it cannot be; None if there is no such one.
    """
    result = await session.exec(
        sa.update(Invite)
        .where(
            col(Invite.id) == invite_id,
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
        )
        .values(revoked_at=now)
    )
    invite = await session.get(Invite, invite_id, populate_existing=True)
    if invite is None:
        return None
    if not result.rowcount:
        return state_of(invite, now)
    await audit.record(
        session,
        event="invite.revoked",
        now=now,
        organisation_id=invite.organisation_id,
        object_type="invite",
        object_id=invite_id,
        details={"kind": str(invite.kind), "by": "command line"},
    )
    return invite
