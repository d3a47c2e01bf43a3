"""The coach's one notice for a client's burst of stickers or pictures: the first few reach the
coach as they are (bot/messages/notices.py), the rest are counted in a single message that waits
until the burst pauses (or at most a few minutes) and carries ↩️ Reply like any client message.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.services import outbox, people, relay
from bot.services.relay import Relay
from bot.text.html_text import escape
from bot.text.i18n import _, ngettext, use_locale

# The notice goes out once the burst has paused this long...
SETTLE = dt.timedelta(seconds=30)
# ...or this long after its first counted message, however long the burst goes on.
LONGEST = dt.timedelta(minutes=3)


async def _payload(
    session: AsyncSession, *, passed: Relay, head_id: int, count: int
) -> dict[str, object]:
    recipient = passed.recipient
    assert recipient.id is not None
    name = await people.name_as_seen_by(
        session, viewer_id=recipient.id, person_id=passed.message.client_id
    )
    with use_locale(recipient.locale):
        text = "\n".join(
            [
                ngettext(
                    "📎 {name} sent {count} more sticker or picture in a row.",
                    "📎 {name} sent {count} more stickers or pictures in a row.",
                    count,
                ).format(name=escape(name or "?"), count=count),
                ngettext(
                    "To keep your chat calm, I did not pass it on.",
                    "To keep your chat calm, I did not pass them on.",
                    count,
                ),
            ]
        )
        button = Button.press(_("↩️ Reply"), callbacks.REPLY, head_id)
    return {
        "text": text,
        "parse_mode": ParseMode.HTML,
        "reply_markup": Keyboard.row(button).to_json(),
    }


async def queue_counted(session: AsyncSession, *, passed: Relay, now: dt.datetime) -> None:
    """Count a message of a burst into the burst's notice, or begin a new notice with it."""
    message = passed.message
    assert message.id is not None and message.recipient_id is not None
    recipient = passed.recipient
    assert recipient.id is not None and recipient.chat_id is not None
    head = await relay.burst_head(
        session, client_id=message.client_id, recipient_id=message.recipient_id
    )
    if head is not None and head.id is not None and head.header_outbox_id is not None:
        count = await relay.counted_since(session, head=head)
        payload = await _payload(session, passed=passed, head_id=head.id, count=count)
        if await outbox.rewrite_pending(
            session,
            message_id=head.header_outbox_id,
            payload=payload,
            not_before=min(now + SETTLE, head.created_at + LONGEST),
            # A notice already due (the burst paused, or words came after it) stays as it is.
            due_after=now,
        ):
            return
    # The purpose of a header: the notice's Telegram id is kept, so replying to it reaches
    # the client as replying to any of their messages does.
    message.header_outbox_id = await outbox.enqueue(
        session,
        chat_id=recipient.chat_id,
        method="sendMessage",
        payload=await _payload(session, passed=passed, head_id=message.id, count=1),
        now=now,
        person_id=recipient.id,
        subject_id=message.client_id,
        purpose=f"relay-header:{message.id}",
        not_before=now + SETTLE,
    )


async def flush(
    session: AsyncSession, *, client_id: int, recipient_id: int, now: dt.datetime
) -> None:
    """The client wrote something that is passed on: a burst's notice still waiting goes first,
    so the coach reads things in the order they were sent."""
    head = await relay.burst_head(session, client_id=client_id, recipient_id=recipient_id)
    if head is not None and head.header_outbox_id is not None:
        await outbox.rewrite_pending(session, message_id=head.header_outbox_id, not_before=now)
