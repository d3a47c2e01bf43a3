"""Recurring notices on their way out: a client's weekly summary (Sunday 18.00 local time) and a
coach's morning summary (the daily digest, at the start of their working hours).

The dispatcher calls, in the same places as for check-ins:
- `send_due(session, now=..., limit=...)` in each tick: claims the due RecurringNotice rows
  (compare-and-set on next_due_at, `SKIP LOCKED` on PostgreSQL), composes each message in the
  recipient's language and queues it in the outbox with a dedup key, and moves the row to its
  next time. It also adds the rows of people who have none yet (at most every 15 minutes; see
  bot/services/summaries.ensure_notices), so nothing else has to create them.
- `next_due(session)` when it computes how long to sleep.

Nothing is sent when there is nothing to tell (a week without check-ins, a morning without news),
and a notice due while the bot was down is skipped once it is too late to be useful.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages import callbacks
from bot.messages.pickers import CLIENTS_ACTION, label
from bot.models.checkins import NoticeKind
from bot.models.people import Person, Preference
from bot.models.transport import BotState
from bot.services import outbox, quiet, summaries
from bot.services.sql import insert_ignoring_conflicts, table_of
from bot.services.summaries import Claimed, DigestLine, WeekFigures
from bot.text.html_text import escape
from bot.text.i18n import _, ngettext, use_locale

_LOGGER = logging.getLogger(__name__)

ENSURE_KEY = "recurring_notices_ensured"
ENSURE_EVERY = dt.timedelta(minutes=15)
DIGEST_BUTTONS = 8


def _escape(value: str) -> str:
    return escape(value)


async def _ensure_now_and_then(session: AsyncSession, *, now: dt.datetime) -> None:
    """Add missing notice rows, at most every ENSURE_EVERY (sooner while a sweep is unfinished)."""
    row = await session.get(BotState, ENSURE_KEY)
    if row is not None:
        try:
            at = dt.datetime.fromisoformat(str(row.value.get("at")))
        except ValueError:
            at = None
        if at is not None and row.value.get("complete") and at <= now < at + ENSURE_EVERY:
            return
    added, complete = await summaries.ensure_notices(session, now=now)
    if added:
        _LOGGER.info("recurring notices: %d rows added", added)
    value = {"at": now.isoformat(), "complete": complete}
    await insert_ignoring_conflicts(
        session, table_of(BotState), [{"key": ENSURE_KEY, "value": value, "updated_at": now}]
    )
    await session.exec(
        sa.update(BotState)
        .where(col(BotState.key) == ENSURE_KEY)
        .values(value=value, updated_at=now)
    )


async def send_due(session: AsyncSession, *, now: dt.datetime, limit: int = 200) -> int:
    """Queue the recurring notices that have fallen due; returns how many rows were claimed."""
    await _ensure_now_and_then(session, now=now)
    claimed = await summaries.claim_due(session, now=now, limit=limit)
    queued = 0
    for item in claimed:
        if await _send_one(session, item=item, now=now):
            queued += 1
    if claimed:
        _LOGGER.info("recurring notices: %d due, %d queued", len(claimed), queued)
    return len(claimed)


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """The earliest moment a recurring notice falls due (None when there is none)."""
    return await summaries.next_due(session)


async def _send_one(session: AsyncSession, *, item: Claimed, now: dt.datetime) -> bool:
    person = item.person
    assert person.id is not None
    if person.chat_id is None or person.forgotten_at is not None or item.late(now):
        return False
    if item.kind == NoticeKind.WEEKLY_SUMMARY:
        if not await summaries.is_active_client(session, person_id=person.id, now=now):
            await summaries.forget_notice(session, notice_id=item.notice_id)
            return False
        payload = await weekly_message(session, client=person, until=item.due_at)
        expires = item.due_at + summaries.WEEKLY_LATE
    else:
        if not await summaries.is_coach(session, person_id=person.id, now=now):
            await summaries.forget_notice(session, notice_id=item.notice_id)
            return False
        # Since the previous summary (over a weekend: since Friday), at least the last day.
        day_before = item.due_at - dt.timedelta(days=1)
        since = max(
            min(item.previous_sent_at or day_before, day_before),
            item.due_at - summaries.DIGEST_LOOKBACK,
        )
        payload = await digest_message(session, coach=person, since=since, now=now)
        expires = item.due_at + summaries.DIGEST_LATE
    if payload is None:
        return False
    start, end = (await quiet.quiet_hours(session, person_ids=[person.id]))[person.id]
    payload["disable_notification"] = quiet.is_quiet(now, person.timezone, start, end)
    await outbox.enqueue(
        session,
        chat_id=person.chat_id,
        method="sendMessage",
        payload=payload,
        now=now,
        person_id=person.id,
        purpose=f"{item.kind}:{item.notice_id}",
        dedup_key=f"recurring:{item.notice_id}:{item.due_at:%Y%m%dT%H%M}",
        expires_at=expires,
    )
    return True


def weekly_text(figures: WeekFigures, *, encouragement: bool) -> str:
    """The weekly summary in plain words, in the current language."""
    lines = [
        _("🗓️ Your week"),
        ngettext(
            "This week you answered {answered} of {total} check-in.",
            "This week you answered {answered} of {total} check-ins.",
            figures.total,
        ).format(answered=figures.answered, total=figures.total),
        ngettext(
            "You got up as planned on {kept} of {days} morning.",
            "You got up as planned on {kept} of {days} mornings.",
            figures.days,
        ).format(kept=figures.kept_days, days=figures.days),
    ]
    if figures.paused_days:
        lines.append(
            ngettext(
                "Your check-ins were paused on {n} day.",
                "Your check-ins were paused on {n} days.",
                figures.paused_days,
            ).format(n=figures.paused_days)
        )
    if encouragement and figures.days and figures.kept_days == figures.days:
        lines.append(_("🌱 Every morning as planned. Well done!"))
    lines.append(_("Have a good week!"))
    return "\n".join(lines)


async def weekly_message(
    session: AsyncSession, *, client: Person, until: dt.datetime
) -> dict[str, Any] | None:
    """The client's weekly summary as a sendMessage, or None after a week without check-ins."""
    assert client.id is not None
    figures = await summaries.week_figures(
        session, client_id=client.id, timezone=client.timezone, until=until
    )
    if figures.empty:
        return None
    preference = await session.get(Preference, client.id)
    encouragement = preference.encouragement if preference is not None else True
    with use_locale(client.locale):
        text = weekly_text(figures, encouragement=encouragement)
    return {"text": text, "parse_mode": ParseMode.HTML}


def _names(lines: list[DigestLine]) -> str:
    return ", ".join(_escape(line.name) for line in lines)


def digest_text(lines: list[DigestLine]) -> str | None:
    """The coach's morning summary in the current language; None when there is nothing to tell."""
    if not any(line.anything for line in lines):
        return None
    blocks = [_("☀️ Good morning! This is how your clients are doing.")]
    answered = [line for line in lines if line.answered]
    if answered:
        blocks.append(_("✅ Answered: {names}").format(names=_names(answered)))
    missed = [line for line in lines if line.missed]
    if missed:
        blocks.append(
            _("❌ Missed: {names}").format(
                names=", ".join(
                    ngettext("{name} ({n} check-in)", "{name} ({n} check-ins)", line.missed).format(
                        name=_escape(line.name), n=line.missed
                    )
                    for line in missed
                )
            )
        )
    paused = [line for line in lines if line.paused]
    if paused:
        blocks.append(_("⏸️ On a pause: {names}").format(names=_names(paused)))
    flagged = [line for line in lines if line.open_flags]
    if flagged:
        blocks.append(
            _("🚩 Open flags: {names}").format(
                names=", ".join(
                    ngettext("{name} ({n} flag)", "{name} ({n} flags)", line.open_flags).format(
                        name=_escape(line.name), n=line.open_flags
                    )
                    for line in flagged
                )
            )
        )
    written = [line for line in lines if line.new_messages]
    if written:
        blocks.append(
            _("💬 New messages: {names}").format(
                names=", ".join(
                    ngettext(
                        "{name} ({n} message)", "{name} ({n} messages)", line.new_messages
                    ).format(name=_escape(line.name), n=line.new_messages)
                    for line in written
                )
            )
        )
    blocks.append(_("Open a client's card:"))
    return "\n".join(blocks)


def digest_buttons(lines: list[DigestLine]) -> list[list[dict[str, str]]]:
    """Buttons to the cards: those who need attention first, two to a row."""
    ordered = sorted(
        (line for line in lines if line.anything),
        key=lambda line: (not line.needs_attention, line.name.casefold(), line.client_id),
    )
    buttons = [
        {
            "text": label(f"👤 {line.name}"),
            "callback_data": callbacks.encode(CLIENTS_ACTION, "c", line.client_id, 0),
        }
        for line in ordered[:DIGEST_BUTTONS]
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def digest_message(
    session: AsyncSession, *, coach: Person, since: dt.datetime, now: dt.datetime
) -> dict[str, Any] | None:
    """The coach's morning summary as a sendMessage, or None when there is nothing to tell."""
    assert coach.id is not None
    lines = await summaries.digest(session, coach_id=coach.id, since=since, now=now)
    with use_locale(coach.locale):
        text = digest_text(lines)
    if text is None:
        return None
    return {
        "text": text,
        "parse_mode": ParseMode.HTML,
        "reply_markup": {"inline_keyboard": digest_buttons(lines)},
    }


class RecurringNotices:
    """The job of the weekly summaries to clients and the morning digests to coaches."""

    def __init__(self, *, limit: int = 500) -> None:
        self._limit = limit

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await next_due(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        return await send_due(session, now=now, limit=self._limit)
