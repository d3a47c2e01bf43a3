"""Messages the bot sends on its own initiative, not as a reply: composed in the recipient's
language and queued in the outbox, which delivers them.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.models.messaging import RelayDirection, RelayedMessage, RelayStatus
from bot.models.people import Person
from bot.services import outbox, people, relay, routing
from bot.services.relay import Relay
from bot.text.html_text import escape
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)


async def queue_unreachable_notice(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> int:
    """Tell a client's coach (or a coach's admins) that the bot cannot reach the person.

    Runs in the transaction that marked the person unreachable, so the notice is queued exactly
    when that is recorded. Returns how many notices were queued.
    """
    targets = await routing.responsible_for(session, person_id=person_id, now=now)
    queued = 0
    for target in targets:
        if target.id is None or target.chat_id is None:
            continue
        name = await people.name_as_seen_by(session, viewer_id=target.id, person_id=person_id)
        with use_locale(target.locale):
            text = _(
                "{name} cannot get my messages right now. They may have blocked me or "
                "removed the chat. What I have for them waits until they write to me again."
            ).format(name=escape(name or _("A person")))
        await outbox.enqueue(
            session,
            chat_id=target.chat_id,
            method="sendMessage",
            payload={"text": text, "parse_mode": ParseMode.HTML},
            now=now,
            person_id=target.id,
            subject_id=person_id,
            purpose="unreachable-notice",
        )
        queued += 1
    if not queued:
        _LOGGER.warning("person %s cannot be reached and nobody is responsible for them", person_id)
    return queued


def _inline(text: str, callback_data: str) -> dict[str, object]:
    return {"inline_keyboard": [[{"text": text, "callback_data": callback_data}]]}


def _quote(message: RelayedMessage) -> str:
    """A relayed message's text for a notice, escaped; media named by kind."""
    if message.text:
        return escape(message.text)
    return _("(no text)")


async def queue_relay(session: AsyncSession, *, passed: Relay, now: dt.datetime) -> None:
    """Send a relayed message on: a short header (unless the sender wrote just before) and the
    message itself, copied with its content protected."""
    message = passed.message
    recipient = passed.recipient
    assert message.id is not None and recipient.id is not None and recipient.chat_id is not None
    sender_name: str | None = None
    if message.sender_id is not None:
        if message.direction == RelayDirection.CLIENT_TO_COACH:
            sender_name = await people.name_as_seen_by(
                session, viewer_id=recipient.id, person_id=message.sender_id
            )
        else:
            sender = await session.get(Person, message.sender_id)
            sender_name = people.first_name(sender.display_name if sender else None)
    name = escape(sender_name or "?")
    with use_locale(recipient.locale):
        if message.edit_of_id is not None:
            copy: tuple[str, dict[str, object]] = (
                "sendMessage",
                {
                    "text": _("✏️ {name} edited a message:").format(name=name)
                    + "\n"
                    + _quote(message),
                    "parse_mode": ParseMode.HTML,
                    "protect_content": True,
                },
            )
            header = None
        elif message.direction == RelayDirection.COACH_TO_CLIENT and message.content_kind == "text":
            copy = (
                "sendMessage",
                {
                    "text": f"💬 <b>{name}</b>:\n{_quote(message)}",
                    "parse_mode": ParseMode.HTML,
                    "protect_content": True,
                },
            )
            header = None
        else:
            copy = (
                "copyMessage",
                {
                    "from_chat_id": message.source_chat_id,
                    "message_id": message.source_message_id,
                    "protect_content": True,
                },
            )
            header = None
            if not passed.repeat:
                if message.direction == RelayDirection.CLIENT_TO_COACH:
                    header = {
                        "text": _("💬 Message from {name}:").format(name=name),
                        "parse_mode": ParseMode.HTML,
                        "reply_markup": _inline(_("↩️ Reply"), f"rp:{message.id}"),
                    }
                else:
                    header = {
                        "text": _("💬 {name} sent:").format(name=name),
                        "parse_mode": ParseMode.HTML,
                    }
    if header is not None:
        message.header_outbox_id = await outbox.enqueue(
            session,
            chat_id=recipient.chat_id,
            method="sendMessage",
            payload=header,
            now=now,
            person_id=recipient.id,
            subject_id=message.client_id,
            purpose=str(outbox.Purpose(RELAY_HEADER, message.id)),
        )
    message.copy_outbox_id = await outbox.enqueue(
        session,
        chat_id=recipient.chat_id,
        method=copy[0],
        payload=copy[1],
        now=now,
        person_id=recipient.id,
        subject_id=message.client_id,
        purpose=str(outbox.Purpose(RELAY_COPY, message.id)),
    )


# The purposes of a relayed message's two parts, by the relayed message's id.
RELAY_HEADER = "relay-header"
RELAY_COPY = "relay-copy"


async def _header_sent(
    session: AsyncSession, relayed_id: int, telegram_message_id: int | None, now: dt.datetime
) -> None:
    await relay.on_sent(
        session,
        relayed_id=relayed_id,
        part="header",
        telegram_message_id=telegram_message_id,
        now=now,
    )


async def _copy_sent(
    session: AsyncSession, relayed_id: int, telegram_message_id: int | None, now: dt.datetime
) -> None:
    """The relayed message arrived: keep its id, and tell a client whose message waited for an
    unreachable coach that it has arrived now."""
    delivered = await relay.on_sent(
        session,
        relayed_id=relayed_id,
        part="copy",
        telegram_message_id=telegram_message_id,
        now=now,
    )
    if (
        delivered is None
        or delivered.direction != RelayDirection.CLIENT_TO_COACH
        or delivered.sender_id is None
        or delivered.recipient_id is None
    ):
        return
    client = await session.get(Person, delivered.sender_id)
    coach = await session.get(Person, delivered.recipient_id)
    if client is None or client.chat_id is None or coach is None:
        return
    with use_locale(client.locale):
        text = _("✓ {coach} got your message now.").format(
            coach=escape(people.first_name(coach.display_name) or "")
        )
    await outbox.enqueue(
        session,
        chat_id=client.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=client.id,
        purpose="relay-arrived",
        dedup_key=f"relay-arrived:{delivered.id}",
    )


async def _copy_held(session: AsyncSession, relayed_id: int, now: dt.datetime) -> None:
    """The recipient cannot be reached: the relayed message waits for them."""
    await relay.on_held(session, relayed_id=relayed_id)


def register_hooks(hooks: outbox.Hooks) -> None:
    """What follows a relayed message's delivery, and the word to the author of a person's own
    words that Telegram refused (a relayed message, an employer's question or a coach's answer)."""
    hooks.on_sent(RELAY_HEADER, _header_sent)
    hooks.on_sent(RELAY_COPY, _copy_sent)
    hooks.on_held(RELAY_COPY, _copy_held)
    for kind in _AUTHORED:
        hooks.on_failed(kind, _authored_failed)


async def _authored_failed(session: AsyncSession, relayed_id: int, now: dt.datetime) -> None:
    """Telegram refused something for good (or every attempt failed): when it carried a person's
    own words (a relayed message or a part of one, an employer's question, a coach's answer to
    an employer), its author is told in their language, under their own message, to send it
    again. Nothing a person wrote is lost without them knowing."""
    message = await session.get(RelayedMessage, relayed_id)
    if message is None or message.sender_id is None:
        return
    if message.status == RelayStatus.FAILED:
        return  # told already (another part of the same message)
    message.status = RelayStatus.FAILED
    author = await session.get(Person, message.sender_id)
    if author is None or author.chat_id is None or author.id is None:
        return
    recipient = await session.get(Person, message.recipient_id) if message.recipient_id else None
    if message.direction == RelayDirection.COACH_TO_CLIENT:
        name = await people.name_as_seen_by(
            session, viewer_id=author.id, person_id=message.client_id
        )
    else:
        name = people.first_name(recipient.display_name if recipient else None)
    with use_locale(author.locale):
        text = _(
            "⚠️ Telegram did not accept this message, so {name} did not get it. "
            "Please send it again, perhaps in shorter parts."
        ).format(name=escape(name or _("the recipient")))
    if message.text:
        # Its beginning, in case the message itself is gone (the author may have deleted it).
        start = message.text if len(message.text) <= EXCERPT else message.text[:EXCERPT] + "…"
        text += "\n\n<i>" + escape(start) + "</i>"
    payload: dict[str, object] = {"text": text, "parse_mode": ParseMode.HTML}
    if message.source_chat_id == author.chat_id:
        # Under their own message, so they see which one it was.
        payload["reply_parameters"] = {
            "message_id": message.source_message_id,
            "allow_sending_without_reply": True,
        }
    await outbox.enqueue(
        session,
        chat_id=author.chat_id,
        method="sendMessage",
        payload=payload,
        now=now,
        person_id=author.id,
        purpose="delivery-failed",
        dedup_key=f"delivery-failed:{message.id}",
    )
    _LOGGER.warning("relayed message %s could not be delivered; its sender was told", message.id)


# The outbox purposes whose message carries a person's own words, by the relayed message's id.
_AUTHORED = (RELAY_COPY, "employer-request", "employer-answer")
# How much of a message that did not arrive its author is shown, to know which one it was.
EXCERPT = 80
