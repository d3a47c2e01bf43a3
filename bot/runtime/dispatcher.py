"""The dispatcher: wakes when the next row of due work falls due (a check-in, a reminder, a
closing window), claims it atomically and hands the messages to the outbox.

No job per client: the database holds every next due time. Several processes may run it on one
database; claims are compare-and-set and the messages carry dedup keys, so nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import col, select

from bot.messages import flag_notices, followup_notices, goal_notices, meeting_notices, recurring
from bot.models.checkins import Checkin
from bot.models.people import Person
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.services import checkins, flags, followup, goals, meetings, outbox, quiet
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 60.0


class CheckinMessage(Protocol):
    """The check-in's question as a sendMessage for the outbox (the check-in flow composes it)."""

    def __call__(self, checkin: Checkin, *, silent: bool) -> dict[str, Any]: ...


class Dispatcher:
    """Turns due rows into outbox messages; one loop per process."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        on_queued: Callable[[], None],
        checkin_message: CheckinMessage,
        reminder_after: dt.timedelta = checkins.REMINDER_AFTER,
        max_sleep: float = MAX_SLEEP_SECONDS,
        batch: int = 500,
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_queued = on_queued
        self._checkin_message = checkin_message
        self._reminder_after = reminder_after
        self._max_sleep = max_sleep
        self._batch = batch
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="dispatcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._idle.set()

    def wake(self) -> None:
        """Look for due work now (the clock moved, or a schedule changed)."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await self.tick():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("dispatcher: a tick failed; trying again shortly")
            sleep = await self._sleep_time()
            if not self._wake.is_set():
                self._idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)

    async def _sleep_time(self) -> float:
        try:
            async with self._db.session() as session:
                times = [
                    await checkins.next_due(session),
                    await flags.next_due(session),
                    await recurring.next_due(session),
                    await goals.next_due(session),
                    await followup.next_due(session),
                    await meetings.next_due(session, now=self._clock.now()),
                ]
                present = [t for t in times if t is not None]
                due = min(present) if present else None
        except Exception:
            _LOGGER.exception("dispatcher: could not read the next due time")
            return 5.0
        if due is None:
            return self._max_sleep
        seconds = (due - self._clock.now()).total_seconds()
        return max(0.05, min(self._max_sleep, seconds))

    async def tick(self) -> int:
        """Do the due work once; returns how much was done (0 when nothing was due)."""
        done = await self._checkins_due()
        # After the check-ins: a goal question comes on a day with a check-in.
        done += await self._goal_questions_due()
        done += await self._reminders_due()
        done += await self._windows_closed()
        done += await self._flags_due()
        done += await self._escalations_due()
        done += await self._recurring_due()
        done += await self._followups_due()
        done += await self._meeting_reminders_due()
        if done:
            self._on_queued()
        return done

    async def _checkins_due(self) -> int:
        now = self._clock.now()
        async with self._db.session() as session:
            created = await checkins.claim_due_schedules(
                session, now=now, limit=self._batch, reminder_after=self._reminder_after
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
                    message = self._checkin_message(
                        loaded[item.checkin_id],
                        silent=quiet.is_quiet(now, item.timezone, start, end),
                    )
                messages.append(
                    {
                        "chat_id": item.chat_id,
                        "method": "sendMessage",
                        "payload": message,
                        "person_id": item.client_id,
                        "purpose": f"checkin-question:{item.checkin_id}",
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

    async def _goal_questions_due(self) -> int:
        """Progress questions of goals (or the word about a passed date), one per client a day."""
        now = self._clock.now()
        async with self._db.session() as session:
            due = await goals.claim_due(session, now=now, limit=self._batch)
            if not due:
                return 0
            messages = []
            for item in due:
                with use_locale(item.locale):
                    payload = goal_notices.progress_question(
                        item.goal_id, item.title, overdue=item.overdue
                    )
                kind = "overdue" if item.overdue else "progress"
                messages.append(
                    {
                        "chat_id": item.chat_id,
                        "method": "sendMessage",
                        "payload": payload,
                        "person_id": item.client_id,
                        "purpose": f"goal-{kind}:{item.goal_id}",
                        "dedup_key": f"goal:{item.goal_id}:{kind}:{now.isoformat()}",
                    }
                )
            await outbox.enqueue_many(session, messages=messages, now=now)
            await goals.log_overdue(
                session, goal_ids=[item.goal_id for item in due if item.overdue], now=now
            )
        _LOGGER.info("dispatcher: %d goal questions due", len(due))
        return len(due)

    async def _reminders_due(self) -> int:
        now = self._clock.now()
        async with self._db.session() as session:
            due = await checkins.claim_reminders(session, now=now, limit=self._batch)
            if not due:
                return 0
            hours = await quiet.quiet_hours(session, person_ids=[c.client_id for c in due])
            for checkin in due:
                person = await session.get(Person, checkin.client_id)
                if person is None or person.chat_id is None or checkin.id is None:
                    continue
                start, end = hours[checkin.client_id]
                with use_locale(person.locale):
                    message = self._checkin_message(
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

    async def _windows_closed(self) -> int:
        now = self._clock.now()
        async with self._db.session() as session:
            missed = await checkins.close_windows(session, now=now, limit=self._batch)
            if missed:
                await flags.after_missed(session, client_ids=[c.client_id for c in missed], now=now)
        return len(missed)

    async def _recurring_due(self) -> int:
        """Weekly summaries to clients and the morning digests to coaches."""
        async with self._db.session() as session:
            return await recurring.send_due(session, now=self._clock.now(), limit=self._batch)

    async def _followups_due(self) -> int:
        """Follow-up contacts after placement or closing, to employees and employers."""
        async with self._db.session() as session:
            return await followup_notices.send_due(
                session, now=self._clock.now(), limit=self._batch
            )

    async def _meeting_reminders_due(self) -> int:
        """The day-before reminders of confirmed meetings with employers."""
        now = self._clock.now()
        async with self._db.session() as session:
            due = await meetings.claim_reminders(session, now=now)
            for reminder in due:
                await meeting_notices.queue_reminders(session, reminder=reminder, now=now)
        return len(due)

    async def _flags_due(self) -> int:
        now = self._clock.now()
        async with self._db.session() as session:
            due = await flags.claim_notifications(session, now=now)
            for flag in due:
                await flag_notices.deliver(session, flag=flag, now=now)
        return len(due)

    async def _escalations_due(self) -> int:
        now = self._clock.now()
        async with self._db.session() as session:
            due = await flags.claim_escalations(session, now=now)
            for flag in due:
                await flag_notices.escalate(session, flag=flag, now=now)
        if due:
            _LOGGER.warning("dispatcher: %d urgent flags escalated", len(due))
        return len(due)
