"""What the bot tells people on its own when clients change hands: a handover's clients whom to
contact and until when (and, when it ends by itself, that their own coach is back), the substitute
whose work they cover, and after a transfer the clients and their new coach.

Each notice is composed in its recipient's language and queued in the outbox; notices that belong
to a later moment (a handover that starts next week, its end) wait there with `not_before`, keyed
so that a cancelled handover can call them off (see bot/services/handover.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.models.people import Person
from bot.services import outbox, people
from bot.services.handover import (
    BACK_KEY,
    END_KEY,
    START_KEY,
    SUBSTITUTE_KEY,
    Handover,
    Transferred,
)
from bot.text.dates import format_date
from bot.text.html_text import escape
from bot.text.i18n import _, use_locale


def _escape(value: str | None) -> str:
    return escape(value or "?")


def day_text(day: dt.date, locale: str | None = None) -> str:
    """A day as people read it best: with its weekday and the month's name."""
    return format_date(day, locale=locale, format="full")


def coach_name_for_client(coach: Person | None) -> str:
    """A coach as a client knows them: by first name."""
    return _escape(people.first_name(coach.display_name if coach else None))


async def _names(session: AsyncSession, *, viewer_id: int, client_ids: Sequence[int]) -> str:
    names = [
        await people.name_as_seen_by(session, viewer_id=viewer_id, person_id=client_id) or "?"
        for client_id in client_ids
    ]
    return ", ".join(_escape(name) for name in names)


async def _send(
    session: AsyncSession,
    *,
    person: Person,
    text: str,
    now: dt.datetime,
    purpose: str,
    dedup_key: str | None = None,
    not_before: dt.datetime | None = None,
) -> None:
    if person.chat_id is None or person.forgotten_at is not None:
        return
    await outbox.enqueue(
        session,
        chat_id=person.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=person.id,
        purpose=purpose,
        dedup_key=dedup_key,
        not_before=not_before,
    )


async def queue_handover_notices(
    session: AsyncSession, *, handover: Handover, now: dt.datetime
) -> None:
    """Tell the substitute now; the clients when the handover begins and when it ends; the
    responsible coach when it ends."""
    coach = (
        await session.get(Person, handover.responsible_id)
        if handover.responsible_id is not None
        else None
    )
    substitute = await session.get(Person, handover.substitute_id)
    if substitute is None:
        return
    starts = max(handover.valid_from, now)
    for client_id, assignment_id in handover.rows:
        client = await session.get(Person, client_id)
        if client is None:
            continue
        with use_locale(client.locale):
            start_text = _(
                "🔁 From {first} to {last}, your coach is {substitute} instead of {coach}. "
                "Write here as usual: your messages go to {substitute}."
            ).format(
                first=day_text(handover.first_day),
                last=day_text(handover.last_day),
                substitute=coach_name_for_client(substitute),
                coach=coach_name_for_client(coach),
            )
            end_text = _(
                "✅ {coach} is your coach again. Write here as usual: your messages go to {coach}."
            ).format(coach=coach_name_for_client(coach))
        await _send(
            session,
            person=client,
            text=start_text,
            now=now,
            purpose="handover-start",
            dedup_key=f"{START_KEY}:{assignment_id}",
            not_before=starts,
        )
        await _send(
            session,
            person=client,
            text=end_text,
            now=now,
            purpose="handover-end",
            dedup_key=f"{END_KEY}:{assignment_id}",
            not_before=handover.valid_until,
        )
    names = await _names(session, viewer_id=handover.substitute_id, client_ids=handover.client_ids)
    with use_locale(substitute.locale):
        text = _(
            "🔁 {coach} hands clients over to you from {first} to {last}: {names}. "
            "Their messages and flags come to you until then. /clients shows them."
        ).format(
            coach=_escape(coach.display_name if coach else None),
            first=day_text(handover.first_day),
            last=day_text(handover.last_day),
            names=names,
        )
    await _send(
        session,
        person=substitute,
        text=text,
        now=now,
        purpose="handover-substitute",
        dedup_key=f"{SUBSTITUTE_KEY}:{handover.id}",
    )
    if coach is not None:
        with use_locale(coach.locale):
            text = _(
                "✅ Your handover to {substitute} has ended. "
                "Your clients' messages come to you again."
            ).format(substitute=_escape(substitute.display_name))
        await _send(
            session,
            person=coach,
            text=text,
            now=now,
            purpose="handover-back",
            dedup_key=f"{BACK_KEY}:{handover.id}",
            not_before=handover.valid_until,
        )


async def queue_cancel_notice(
    session: AsyncSession, *, handover: Handover, now: dt.datetime
) -> None:
    """Tell the substitute that the handover was cancelled (the clients' own notices were
    called off or sent at once by the cancel)."""
    coach = (
        await session.get(Person, handover.responsible_id)
        if handover.responsible_id is not None
        else None
    )
    substitute = await session.get(Person, handover.substitute_id)
    if substitute is None:
        return
    with use_locale(substitute.locale):
        text = _(
            "🚫 {coach} cancelled the handover from {first} to {last}. "
            "You no longer stand in for them."
        ).format(
            coach=_escape(coach.display_name if coach else None),
            first=day_text(handover.first_day),
            last=day_text(handover.last_day),
        )
    await _send(session, person=substitute, text=text, now=now, purpose="handover-cancelled")


async def queue_transfer_notices(
    session: AsyncSession, *, moved: Sequence[Transferred], now: dt.datetime
) -> None:
    """Tell each client who their coach is now, and the new coach whom they got from whom."""
    by_pair: dict[tuple[int, int], list[int]] = {}
    for item in moved:
        by_pair.setdefault((item.from_coach_id, item.to_coach_id), []).append(item.client_id)
        client = await session.get(Person, item.client_id)
        new_coach = await session.get(Person, item.to_coach_id)
        if client is None or new_coach is None:
            continue
        with use_locale(client.locale):
            text = _(
                "➡️ From now on your job coach is {coach}. "
                "Write here as usual: your messages go to {coach}."
            ).format(coach=coach_name_for_client(new_coach))
        await _send(session, person=client, text=text, now=now, purpose="transfer-client")
    for (from_id, to_id), client_ids in by_pair.items():
        old_coach = await session.get(Person, from_id)
        new_coach = await session.get(Person, to_id)
        if new_coach is None:
            continue
        names = await _names(session, viewer_id=to_id, client_ids=client_ids)
        with use_locale(new_coach.locale):
            text = _(
                "➡️ {coach} transferred clients to you for good: {names}. "
                "You are now their coach. /clients shows them."
            ).format(coach=_escape(old_coach.display_name if old_coach else None), names=names)
        await _send(session, person=new_coach, text=text, now=now, purpose="transfer-coach")
