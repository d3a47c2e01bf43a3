"""The check-in's question and its gentle reminder as the dispatcher sends them: the jobs that
claim due check-ins and queue their messages, and what follows the question's delivery.

The question itself (its text and buttons) is composed by the check-in flow and handed to these
jobs by the composition root.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin
from bot.models.people import Person
from bot.services import checkins, outbox, quiet
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

# The purpose of a check-in's question, by the check-in's id: its Telegram id is kept.
QUESTION = "checkin-question"


class CheckinMessage(Protocol):
    """The check-in's question as a sendMessage for the outbox (the check-in flow composes it)."""

    def __call__(self, checkin: Checkin, *, silent: bool) -> dict[str, Any]: ...


class CheckinQuestions:
    """Due check-in schedules become check-ins, and their questions are queued (quietly in the
    client's quiet hours), in a few statements per batch."""

    def __init__(
        self,
        *,
        message: CheckinMessage,
        reminder_after: dt.timedelta = checkins.REMINDER_AFTER,
        limit: int = 500,
    ) -> None:
        self._message = message
        self._reminder_after = reminder_after
        self._limit = limit

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await checkins.next_schedule_due(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        created = await checkins.claim_due_schedules(
            session, now=now, limit=self._limit, reminder_after=self._reminder_after
        )
        if not created:
            return 0
        hours = await quiet.quiet_hours(session, person_ids=[c.client_id for c in created])
        loaded = {
            c.id: c
            for c in (
                await session.exec(
                    select(Checkin).where(col(Checkin.id).in_([c.checkin_id for c in created]))
                )
            ).all()
        }
        messages = []
        for item in created:
            start, end = hours[item.client_id]
            with use_locale(item.locale):
                message = self._message(
                    loaded[item.checkin_id],
                    silent=quiet.is_quiet(now, item.timezone, start, end),
                )
            messages.append(
                {
                    "chat_id": item.chat_id,
                    "method": "sendMessage",
                    "payload": message,
                    "person_id": item.client_id,
                    "purpose": str(outbox.Purpose(QUESTION, item.checkin_id)),
                    "dedup_key": f"checkin:{item.checkin_id}:ask",
                    "expires_at": item.window_ends_at,
                }
            )
        queued = await outbox.enqueue_many(session, messages=messages, now=now)
        await session.exec(
            sa.update(Checkin),
            params=[
                {"id": c.checkin_id, "question_outbox_id": queued[str(m["dedup_key"])]}
                for c, m in zip(created, messages, strict=True)
            ],
        )
        await checkins.mark_sent(session, checkin_ids=[c.checkin_id for c in created], now=now)
        _LOGGER.info("dispatcher: %d check-ins due", len(created))
        return len(created)


class CheckinReminders:
    """A gentle reminder, with the question again, of a check-in still unanswered."""

    def __init__(self, *, message: CheckinMessage, limit: int = 500) -> None:
        self._message = message
        self._limit = limit

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await checkins.next_reminder_due(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        due = await checkins.claim_reminders(session, now=now, limit=self._limit)
        if not due:
            return 0
        hours = await quiet.quiet_hours(session, person_ids=[c.client_id for c in due])
        for checkin in due:
            person = await session.get(Person, checkin.client_id)
            if person is None or person.chat_id is None or checkin.id is None:
                continue
            start, end = hours[checkin.client_id]
            with use_locale(person.locale):
                message = self._message(
                    checkin, silent=quiet.is_quiet(now, person.timezone, start, end)
                )
                message["text"] = _("🙂 A gentle reminder: the check-in is still open.") + (
                    "\n\n" + message["text"]
                )
            checkin.reminder_outbox_id = await outbox.enqueue(
                session,
                chat_id=person.chat_id,
                method="sendMessage",
                payload=message,
                now=now,
                person_id=checkin.client_id,
                purpose=f"checkin-reminder:{checkin.id}",
                dedup_key=f"checkin:{checkin.id}:remind",
                expires_at=checkin.window_ends_at,
            )
        return len(due)


async def _question_sent(
    session: AsyncSession, checkin_id: int, telegram_message_id: int | None, now: dt.datetime
) -> None:
    """Keep the Telegram id of the question that arrived."""
    await session.exec(
        sa.update(Checkin)
        .where(col(Checkin.id) == checkin_id)
        .values(question_message_id=telegram_message_id)
        .execution_options(synchronize_session=False)
    )


def register_hooks(hooks: outbox.Hooks) -> None:
    hooks.on_sent(QUESTION, _question_sent)
