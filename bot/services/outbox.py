"""The outbox: Bot API calls waiting to be made, claimed atomically by one sender at a time.

Everything scheduled or relayed is written here first and sent by the sender in
`bot/runtime/sender.py`; a crash between the two loses nothing, and a claim that outlives its
sender (the process died) is taken over when it expires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.transport import OutboxMessage, OutboxStatus
from bot.services.sql import dialect_name, insert_ignoring_conflicts, table_of
from bot.text.html_text import escape, plain_text, split_html

# Earlier parts of a message too long for one carry this before their purpose: the purpose's
# own bookkeeping (a relayed message delivered, a check-in's message id) waits for the last part.
PART_PREFIX = "part:"


@dataclass(frozen=True)
class Purpose:
    """What an outbox row is for, as its `purpose` column spells it: `kind:ref:detail`, the ref
    the id of the row it is about (a check-in, a relayed message, a flag). Read once, here."""

    kind: str
    ref: int | None = None
    detail: str = ""
    part: bool = False  # an earlier part of a message too long for one

    def __str__(self) -> str:
        pieces = [self.kind]
        if self.ref is not None:
            pieces.append(str(self.ref))
        if self.detail:
            pieces.append(self.detail)
        return (PART_PREFIX if self.part else "") + ":".join(pieces)

    @classmethod
    def parse(cls, text: str) -> Purpose:
        part = text.startswith(PART_PREFIX)
        kind, _sep, rest = text.removeprefix(PART_PREFIX).partition(":")
        ref, _sep, detail = rest.partition(":")
        if not ref.isdigit():
            return cls(kind=kind, detail=rest, part=part)
        return cls(kind=kind, ref=int(ref), detail=detail, part=part)


# What happens after a message was delivered: (session, the row it is about, Telegram's message
# id, now); inside the transaction that records the delivery.
SentHook = Callable[[AsyncSession, int, int | None, dt.datetime], Awaitable[None]]
# What happens after a message was held for an unreachable person, or given up for good:
# (session, the row it is about, now); inside the transaction that records it.
HeldHook = Callable[[AsyncSession, int, dt.datetime], Awaitable[None]]
FailedHook = HeldHook
_Hook = TypeVar("_Hook")


@dataclass
class Hooks:
    """What follows a message's fate, registered by the area that queued it under its purpose's
    kind (and detail); the composition root hands `sent`, `held` and `failed` to the sender.

    The bookkeeping of a message cut in parts waits for its last part; a failure is reported
    for any part, since the person's words did not all arrive.
    """

    _sent: dict[tuple[str, str], SentHook] = field(default_factory=dict)
    _held: dict[tuple[str, str], HeldHook] = field(default_factory=dict)
    _failed: dict[tuple[str, str], FailedHook] = field(default_factory=dict)

    def on_sent(self, kind: str, hook: SentHook, *, detail: str = "") -> None:
        self._add(self._sent, kind, detail, hook)

    def on_held(self, kind: str, hook: HeldHook, *, detail: str = "") -> None:
        self._add(self._held, kind, detail, hook)

    def on_failed(self, kind: str, hook: FailedHook, *, detail: str = "") -> None:
        self._add(self._failed, kind, detail, hook)

    @staticmethod
    def _add(table: dict[tuple[str, str], _Hook], kind: str, detail: str, hook: _Hook) -> None:
        if (kind, detail) in table:
            raise ValueError(f"two hooks for the outbox purpose {kind}:{detail}")
        table[(kind, detail)] = hook

    async def sent(
        self, session: AsyncSession, purpose: str, message_id: int | None, now: dt.datetime
    ) -> None:
        parsed = Purpose.parse(purpose)
        hook = self._sent.get((parsed.kind, parsed.detail))
        if hook is not None and parsed.ref is not None and not parsed.part:
            await hook(session, parsed.ref, message_id, now)

    async def held(self, session: AsyncSession, purpose: str, now: dt.datetime) -> None:
        parsed = Purpose.parse(purpose)
        hook = self._held.get((parsed.kind, parsed.detail))
        if hook is not None and parsed.ref is not None and not parsed.part:
            await hook(session, parsed.ref, now)

    async def failed(self, session: AsyncSession, purpose: str, now: dt.datetime) -> None:
        parsed = Purpose.parse(purpose)
        hook = self._failed.get((parsed.kind, parsed.detail))
        if hook is not None and parsed.ref is not None:
            await hook(session, parsed.ref, now)


def message_parts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A sendMessage payload as the messages it takes: itself when its text fits in one, else
    one per part (cut at paragraphs or sentences, never inside markup), the buttons on the last.
    """
    text = payload.get("text")
    if not isinstance(text, str) or "entities" in payload:
        return [payload]  # entities count offsets into the whole text: such a text is not cut
    html_mode = str(payload.get("parse_mode") or "").upper() == "HTML"
    pieces = split_html(text if html_mode else escape(text))
    if len(pieces) == 1:
        return [payload]
    if not html_mode:
        pieces = [plain_text(piece) for piece in pieces]
    first = {key: value for key, value in payload.items() if key != "reply_markup"}
    return [*({**first, "text": piece} for piece in pieces[:-1]), {**payload, "text": pieces[-1]}]


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    now: dt.datetime,
    person_id: int | None = None,
    subject_id: int | None = None,
    purpose: str = "",
    dedup_key: str | None = None,
    not_before: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    priority: int = 0,
) -> int:
    """Queue one call and return its id; with a dedup_key, the same thing is queued once.

    `person_id` is the person written to; `subject_id` the person the message is about when that
    is someone else (a client, in a notice to their coach), so that erasing them takes it along.
    A message too long for Telegram is queued as several, in order (the id is the last one's):
    its length is counted here, after everything the bot added to a person's words.
    """
    parts = message_parts(payload) if method == "sendMessage" else [payload]
    for number, part in enumerate(parts[:-1], start=1):
        await _enqueue_one(
            session,
            chat_id=chat_id,
            method=method,
            payload=part,
            now=now,
            person_id=person_id,
            subject_id=subject_id,
            purpose=(PART_PREFIX + purpose)[:64],
            dedup_key=f"{dedup_key}:part{number}"[:128] if dedup_key else None,
            not_before=not_before,
            expires_at=expires_at,
            priority=priority,
        )
    return await _enqueue_one(
        session,
        chat_id=chat_id,
        method=method,
        payload=parts[-1],
        now=now,
        person_id=person_id,
        subject_id=subject_id,
        purpose=purpose,
        dedup_key=dedup_key,
        not_before=not_before,
        expires_at=expires_at,
        priority=priority,
    )


async def _enqueue_one(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    now: dt.datetime,
    person_id: int | None,
    subject_id: int | None,
    purpose: str,
    dedup_key: str | None,
    not_before: dt.datetime | None,
    expires_at: dt.datetime | None,
    priority: int,
) -> int:
    row = {
        "chat_id": chat_id,
        "person_id": person_id,
        "subject_id": subject_id,
        "method": method,
        "payload": payload,
        "purpose": purpose,
        "dedup_key": dedup_key,
        "status": OutboxStatus.PENDING,
        "priority": priority,
        "not_before": not_before or now,
        "expires_at": expires_at,
        "attempts": 0,
        "created_at": now,
    }
    if dedup_key is None:
        message = OutboxMessage.model_validate(row)
        session.add(message)
        await session.flush()
        assert message.id is not None
        return message.id
    await insert_ignoring_conflicts(session, table_of(OutboxMessage), [row])
    found = await session.exec(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key))
    message_id = found.one()
    assert message_id is not None
    return message_id


async def enqueue_many(
    session: AsyncSession, *, messages: Sequence[dict[str, Any]], now: dt.datetime
) -> dict[str, int]:
    """Queue many calls at once, each with a dedup_key (each queued once); returns key -> id.

    These are the bot's own short messages (check-in questions, reminders); one too long for a
    message is queued on its own, in parts.
    """
    ids: dict[str, int] = {}
    for message in [m for m in messages if _too_long(m)]:
        ids[str(message["dedup_key"])] = await enqueue(
            session,
            chat_id=message["chat_id"],
            method=message["method"],
            payload=message["payload"],
            now=now,
            person_id=message.get("person_id"),
            subject_id=message.get("subject_id"),
            purpose=message.get("purpose", ""),
            dedup_key=message["dedup_key"],
            not_before=message.get("not_before"),
            expires_at=message.get("expires_at"),
            priority=message.get("priority", 0),
        )
    messages = [m for m in messages if not _too_long(m)]
    if not messages:
        return ids
    rows = [
        {
            "not_before": now,
            "expires_at": None,
            "priority": 0,
            "subject_id": None,
            **message,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "created_at": now,
        }
        for message in messages
    ]
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    await session.exec(insert(table_of(OutboxMessage)).on_conflict_do_nothing(), params=rows)
    found = await session.exec(
        select(OutboxMessage.dedup_key, OutboxMessage.id).where(
            col(OutboxMessage.dedup_key).in_([r["dedup_key"] for r in rows])
        )
    )
    ids.update({str(key): int(message_id) for key, message_id in found.all() if message_id})
    return ids


def _too_long(message: dict[str, Any]) -> bool:
    return message.get("method") == "sendMessage" and len(message_parts(message["payload"])) > 1


def _due_condition(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.not_before) <= now,
        ),
        # A claim that outlived its sender: the process died while the message was in flight.
        sa.and_(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claim_until) < now,
        ),
    )


async def claim_due(
    session: AsyncSession,
    *,
    now: dt.datetime,
    worker: str,
    claim_seconds: int,
    limit: int = 100,
) -> list[OutboxMessage]:
    """Atomically take up to `limit` due messages for this worker, most urgent first."""
    await cancel_expired(session, now=now)
    candidates = (
        select(OutboxMessage.id)
        .where(_due_condition(now))
        .order_by(
            col(OutboxMessage.priority).desc(),
            col(OutboxMessage.not_before),
            col(OutboxMessage.id),
        )
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(candidates.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING,
            claimed_by=worker,
            claim_until=now + dt.timedelta(seconds=claim_seconds),
        )
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    result = await session.exec(stmt)
    claimed = list(result.scalars().all())
    claimed.sort(key=lambda m: (-m.priority, m.not_before, m.id or 0))
    return claimed


async def cancel_expired(session: AsyncSession, *, now: dt.datetime) -> int:
    """Give up on pending messages that are no longer worth sending."""
    result = await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.expires_at).is_not(None),
            col(OutboxMessage.expires_at) < now,
        )
        .values(status=OutboxStatus.CANCELLED, last_error="expired")
    )
    return int(result.rowcount)


async def _set(session: AsyncSession, message_id: int, worker: str, **values: Any) -> bool:
    """Update a message this worker still holds; False when the claim was lost meanwhile."""
    result = await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_by) == worker,
        )
        .values(**values)
    )
    return bool(result.rowcount)


async def mark_sent(
    session: AsyncSession,
    *,
    message_id: int,
    worker: str,
    now: dt.datetime,
    telegram_message_id: int | None,
) -> bool:
    return await _set(
        session,
        message_id,
        worker,
        status=OutboxStatus.SENT,
        sent_at=now,
        # Telegram has the message now: its words are not kept here.
        payload={},
        sent_message_id=telegram_message_id,
        claimed_by=None,
        claim_until=None,
        last_error=None,
    )


async def count_attempt(session: AsyncSession, *, message_id: int, worker: str, error: str) -> int:
    """Count a failed attempt and return the number of attempts so far."""
    await _set(
        session,
        message_id,
        worker,
        attempts=OutboxMessage.attempts + 1,
        last_error=error[:300],
    )
    attempts = await session.exec(
        select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)
    )
    return int(attempts.one())


async def retry_later(
    session: AsyncSession, *, message_id: int, worker: str, not_before: dt.datetime, error: str
) -> bool:
    """Put a message back in the queue for a later try."""
    return await _set(
        session,
        message_id,
        worker,
        status=OutboxStatus.PENDING,
        not_before=not_before,
        claimed_by=None,
        claim_until=None,
        last_error=error[:300],
    )


async def release(
    session: AsyncSession,
    *,
    message_ids: Sequence[int],
    worker: str,
    not_before: dt.datetime | None = None,
) -> None:
    """Hand back claimed messages unsent (the sender is stopping, or an earlier one of the same
    chat was put back and these must not overtake it)."""
    if not message_ids:
        return
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "claimed_by": None,
        "claim_until": None,
    }
    if not_before is not None:
        values["not_before"] = not_before
    await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(list(message_ids)),
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_by) == worker,
        )
        .values(**values)
    )


async def claimants(session: AsyncSession) -> list[str]:
    """The senders that hold claims now (to find the dead ones among them)."""
    rows = await session.exec(
        select(OutboxMessage.claimed_by)
        .where(col(OutboxMessage.status) == OutboxStatus.SENDING)
        .distinct()
    )
    return [str(worker) for worker in rows.all() if worker]


async def free_claims(session: AsyncSession, *, workers: Sequence[str]) -> int:
    """Hand back everything these senders (known to be dead) had claimed."""
    if not workers:
        return 0
    result = await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_by).in_(list(workers)),
        )
        .values(status=OutboxStatus.PENDING, claimed_by=None, claim_until=None)
    )
    return int(result.rowcount)


async def renew_claims(
    session: AsyncSession, *, message_ids: Sequence[int], worker: str, claim_until: dt.datetime
) -> None:
    """Extend this worker's claims on messages it still has to send."""
    await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(list(message_ids)),
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_by) == worker,
        )
        .values(claim_until=claim_until)
    )


async def mark_failed(session: AsyncSession, *, message_id: int, worker: str, error: str) -> bool:
    """Give up on a message Telegram refused; it is kept for the record, never retried."""
    return await _set(
        session,
        message_id,
        worker,
        status=OutboxStatus.FAILED,
        claimed_by=None,
        claim_until=None,
        last_error=error[:300],
    )


async def hold(session: AsyncSession, *, message_id: int, worker: str, error: str) -> bool:
    """Keep a message for a recipient who cannot be reached now."""
    return await _set(
        session,
        message_id,
        worker,
        status=OutboxStatus.HELD,
        claimed_by=None,
        claim_until=None,
        last_error=error[:300],
    )


async def release_held(session: AsyncSession, *, person_id: int, now: dt.datetime) -> int:
    """Queue again everything held for a person who can be reached again."""
    result = await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.person_id) == person_id,
            col(OutboxMessage.status) == OutboxStatus.HELD,
        )
        .values(status=OutboxStatus.PENDING, not_before=now, last_error=None)
    )
    return int(result.rowcount)


async def next_due_at(
    session: AsyncSession, *, excluding_worker: str | None = None
) -> dt.datetime | None:
    """When the earliest pending message falls due, or another sender's claim expires."""
    pending = await session.exec(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    claimed = await session.exec(
        select(func.min(OutboxMessage.claim_until)).where(
            OutboxMessage.status == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_by) != (excluding_worker or ""),
        )
    )
    times = [t for t in (pending.one(), claimed.one()) if t is not None]
    return min(times) if times else None


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.exec(
        select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
    )
    return {str(status): int(n) for status, n in rows.all()}


async def count_due(session: AsyncSession, *, now: dt.datetime) -> int:
    """Messages that should be on their way now (due, or claimed by a sender)."""
    rows = await session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            sa.or_(
                sa.and_(
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                    col(OutboxMessage.not_before) <= now,
                ),
                col(OutboxMessage.status) == OutboxStatus.SENDING,
            )
        )
    )
    return int(rows.one())


async def prune(session: AsyncSession, *, settled_before: dt.datetime) -> int:
    """Forget messages that were sent, refused or cancelled long enough ago, and those held that
    long for someone who never came back (their words are not kept for ever)."""
    result = await session.exec(
        sa.delete(OutboxMessage).where(
            col(OutboxMessage.status).in_(
                [
                    OutboxStatus.SENT,
                    OutboxStatus.FAILED,
                    OutboxStatus.CANCELLED,
                    OutboxStatus.HELD,
                ]
            ),
            col(OutboxMessage.created_at) < settled_before,
        )
    )
    return int(result.rowcount)


async def rewrite_pending(
    session: AsyncSession,
    *,
    message_id: int,
    payload: dict[str, Any] | None = None,
    not_before: dt.datetime | None = None,
    due_after: dt.datetime | None = None,
) -> bool:
    """Change a message that still waits (a running count folded into one notice, or its time);
    False when a sender took it meanwhile (or, with `due_after`, when it is due by then), so
    the caller starts a new one."""
    values: dict[str, Any] = {}
    if payload is not None:
        values["payload"] = payload
    if not_before is not None:
        values["not_before"] = not_before
    if not values:
        return False
    stmt = sa.update(OutboxMessage).where(
        col(OutboxMessage.id) == message_id,
        col(OutboxMessage.status) == OutboxStatus.PENDING,
    )
    if due_after is not None:
        stmt = stmt.where(col(OutboxMessage.not_before) > due_after)
    result = await session.exec(stmt.values(**values).execution_options(synchronize_session=False))
    return bool(result.rowcount)


async def latest_with_purpose(
    session: AsyncSession, *, person_id: int, purpose: str
) -> OutboxMessage | None:
    """The newest message to this person for this purpose, whatever became of it."""
    rows = await session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.person_id == person_id, OutboxMessage.purpose == purpose)
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    )
    return rows.first()


async def sent_with_purpose(
    session: AsyncSession, *, person_id: int, purpose_prefix: str
) -> list[OutboxMessage]:
    """The messages sent to this person whose purpose begins so, oldest first (while they are
    kept: see `prune`)."""
    rows = await session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.status == OutboxStatus.SENT,
            col(OutboxMessage.purpose).startswith(purpose_prefix, autoescape=True),
        )
        .order_by(col(OutboxMessage.id))
    )
    return list(rows.all())
