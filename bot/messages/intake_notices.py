"""What the bot says about updates it set aside before handling them: the person whose messages
came faster than the bot can take them is asked to wait and send again; the person whose update
could not be read is asked to send it again; the admins hear that updates could not be read
(counted, at most one report an hour, without anything the update carried).
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages.send import send_text
from bot.models.people import Membership, Person, Role
from bot.models.transport import InboxStatus, InboxUpdate, OutboxMessage
from bot.services import outbox, people
from bot.services.assignments import member_at
from bot.text.i18n import _, ngettext, resolve_locale, use_locale

_LOGGER = logging.getLogger(__name__)

UNREADABLE_REPORT = "unreadable-report"
REPORT_EVERY = dt.timedelta(hours=1)
# Above the relays and replies waiting for the same chat: it explains why some did not come.
_NOTICE_PRIORITY = 5


async def _recipient(
    session: AsyncSession, *, user_id: int | None, language_code: str | None, default: str
) -> tuple[int | None, str]:
    """The person behind an update, if the bot knows them, and their language."""
    if user_id is not None:
        person = await people.person_by_telegram_id(session, telegram_user_id=user_id)
        if person is not None:
            return person.id, person.locale or resolve_locale(language_code, default)
    return None, resolve_locale(language_code, default)


async def queue_busy_notice(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int | None,
    language_code: str | None,
    default_locale: str,
    now: dt.datetime,
) -> None:
    """Tell a chat whose updates were dropped to wait a moment and send again (once a minute)."""
    person_id, locale = await _recipient(
        session, user_id=user_id, language_code=language_code, default=default_locale
    )
    with use_locale(locale):
        text = _(
            "Many messages came at once, and I could not keep up with them all. "
            "Please wait a moment. Then send again what I did not answer."
        )
    await outbox.enqueue(
        session,
        chat_id=chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=person_id if chat_id == user_id else None,
        purpose="busy-notice",
        # Another process dropping updates of the same chat in the same minute says nothing more.
        dedup_key=f"busy:{chat_id}:{int(now.timestamp()) // 60}",
        priority=_NOTICE_PRIORITY,
    )


async def queue_unreadable_notice(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int | None,
    language_code: str | None,
    default_locale: str,
    update_id: int,
    now: dt.datetime,
) -> None:
    """Tell the person that what they just sent could not be read, and to send it again."""
    person_id, locale = await _recipient(
        session, user_id=user_id, language_code=language_code, default=default_locale
    )
    with use_locale(locale):
        text = _(
            "Sorry, I could not read what you just sent. "
            "Please send it again, for example as plain text."
        )
    await outbox.enqueue(
        session,
        chat_id=chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=person_id if chat_id == user_id else None,
        purpose="unreadable-notice",
        dedup_key=f"unreadable:{update_id}",
        priority=_NOTICE_PRIORITY,
    )


async def _admins(session: AsyncSession, *, now: dt.datetime) -> list[Person]:
    """Every admin of every organisation: an update that cannot be read is the bot's fault,
    whoever sent it."""
    rows = await session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            Membership.role == Role.ADMIN,
            member_at(now),
            col(Person.chat_id).is_not(None),
        )
        .distinct()
        .order_by(col(Person.id))
    )
    return list(rows.all())


async def _unreadable_from(session: AsyncSession, first_id: int) -> tuple[int, list[int]]:
    """How many updates were set aside as unreadable from this one on (update ids only grow),
    and the first few of their ids."""
    since = (InboxUpdate.status == InboxStatus.UNREADABLE, InboxUpdate.update_id >= first_id)
    count = await session.exec(select(sa.func.count()).select_from(InboxUpdate).where(*since))
    first = await session.exec(
        select(InboxUpdate.update_id).where(*since).order_by(col(InboxUpdate.update_id)).limit(5)
    )
    return int(count.one()), list(first.all())


def _first_of(report: OutboxMessage) -> int | None:
    """The first update a report counts, kept in its dedup key."""
    tail = (report.dedup_key or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _report_text(found: tuple[int, list[int]]) -> str:
    count, first_ids = found
    shown = ", ".join(str(i) for i in first_ids) + (", …" if count > len(first_ids) else "")
    return "\n\n".join(
        [
            ngettext(
                "⚠️ Telegram sent me {count} update that I could not read.",
                "⚠️ Telegram sent me {count} updates that I could not read.",
                count,
            ).format(count=count),
            ngettext(
                "I set it aside in the inbox for inspection (update {ids}) and went on with "
                "the others. If someone sent it in a private chat, they were asked to send it "
                "again.",
                "I set them aside in the inbox for inspection (updates {ids}) and went on with "
                "the others. Anyone who sent one of them in a private chat was asked to send it "
                "again.",
                count,
            ).format(ids=shown),
        ]
    )


async def report_unreadable(
    session: AsyncSession, *, update_ids: list[int], now: dt.datetime
) -> int:
    """Tell every admin that these updates could not be read: one report an hour at most, which
    counts everything set aside from its first update on until it is sent. Returns how many
    admins were told (or will be)."""
    if not update_ids:
        return 0
    admins = await _admins(session, now=now)
    if not admins:
        _LOGGER.warning("unreadable updates set aside, and no admin to tell")
        return 0
    for admin in admins:
        assert admin.id is not None and admin.chat_id is not None
        latest = await outbox.latest_with_purpose(
            session, person_id=admin.id, purpose=UNREADABLE_REPORT
        )
        first = _first_of(latest) if latest is not None else None
        if latest is not None and latest.id is not None and first is not None:
            with use_locale(admin.locale):
                text = _report_text(await _unreadable_from(session, first))
            payload = {"text": text, "parse_mode": ParseMode.HTML}
            if await outbox.rewrite_pending(session, message_id=latest.id, payload=payload):
                continue
        not_before = now
        if latest is not None and latest.created_at > now - REPORT_EVERY:
            not_before = latest.created_at + REPORT_EVERY
        first = min(update_ids)
        with use_locale(admin.locale):
            text = _report_text(await _unreadable_from(session, first))
        await send_text(
            session,
            to=admin,
            text=text,
            now=now,
            purpose=UNREADABLE_REPORT,
            dedup_key=f"{UNREADABLE_REPORT}:{admin.id}:{first}",
            not_before=not_before,
        )
    return len(admins)
