"""A coach writing to a client without replying to one of their messages: the Reply button under
a client's message, and choosing whom a stray message is for.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.notices import queue_relay
from bot.models.messaging import ContentKind, RelayedMessage
from bot.runtime.context import CompanionApplication, Context
from bot.services import access, flows, people, relay
from bot.services.flows import Flow
from bot.services.relay import Incoming
from bot.text.i18n import _

REPLY_FLOW = "reply"
PICK_FLOW = "pick_recipient"
REPLY_ACTION = "rp"
PICK_ACTION = "to"


def _coach_id(context: Context) -> int:
    actor = context.require_actor()
    if not actor.is_coach or actor.person_id is None:
        raise access.AccessDenied("only coaches reply to clients")
    return actor.person_id


async def send_to_client(
    update: Update,
    context: Context,
    *,
    coach_id: int,
    client_id: int,
    incoming: Incoming,
    reply_to_id: int | None = None,
) -> str:
    """Pass a coach's message to a client; returns the client's name as the coach knows it."""
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        passed = await relay.from_coach(
            session,
            coach_id=coach_id,
            client_id=client_id,
            incoming=incoming,
            now=now,
            reply_to_id=reply_to_id,
        )
        await queue_relay(session, passed=passed, now=now)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    services.wake_sender()
    return name or "?"


async def on_reply_button(update: Update, context: Context) -> None:
    """The Reply button under a client's message: the coach's next message is the answer."""
    query = update.callback_query
    assert query is not None
    coach_id = _coach_id(context)
    _action, parts = callbacks.decode(query.data)
    services = context.services
    now = services.clock.now()
    message_id = callbacks.number(parts, 0)
    if len(parts) != 1 or message_id is None:
        await answer_query(query, _("This button no longer works."))
        return
    async with services.db.session() as session:
        original = await session.get(RelayedMessage, message_id)
        if original is None or original.recipient_id != coach_id:
            raise access.AccessDenied("reply to a message that was not for this coach")
        await access.require_answer(
            session, coach_id=coach_id, client_id=original.client_id, now=now
        )
        await flows.set_step(
            session,
            person_id=coach_id,
            flow=REPLY_FLOW,
            step="answer",
            now=now,
            data={"client_id": original.client_id, "reply_to_id": original.id},
            awaiting_text=True,
            merge=False,
        )
        name = await people.name_as_seen_by(
            session, viewer_id=coach_id, person_id=original.client_id
        )
    await answer_query(query)
    await reply(
        update,
        context,
        _("Write your answer to {name}. /cancel stops.").format(name=escape(name or "?")),
        purpose="reply-prompt",
    )


async def on_reply_text(update: Update, context: Context, flow: Flow) -> None:
    """The coach's answer after pressing Reply."""
    coach_id = _coach_id(context)
    message = update.effective_message
    assert message is not None
    services = context.services
    async with services.db.session() as session:
        await flows.clear(session, person_id=coach_id, flow=REPLY_FLOW)
    name = await send_to_client(
        update,
        context,
        coach_id=coach_id,
        client_id=int(str(flow.data["client_id"])),
        incoming=incoming_of(message),
        reply_to_id=int(str(flow.data["reply_to_id"])) if flow.data.get("reply_to_id") else None,
    )
    await reply(update, context, _("✓ Sent to {name}.").format(name=escape(name)), purpose="sent")


async def ask_whom(update: Update, context: Context) -> None:
    """A coach's message that is neither a reply nor part of a flow: whom is it for?"""
    coach_id = _coach_id(context)
    message = update.effective_message
    assert message is not None
    services = context.services
    now = services.clock.now()
    incoming = incoming_of(message)
    async with services.db.session() as session:
        client_ids = await relay.recent_clients(session, coach_id=coach_id, now=now)
        names = [
            (c, await people.name_as_seen_by(session, viewer_id=coach_id, person_id=c) or "?")
            for c in client_ids
        ]
        flow = await flows.set_step(
            session,
            person_id=coach_id,
            flow=PICK_FLOW,
            step="pick",
            now=now,
            data={
                "chat_id": incoming.chat_id,
                "message_id": incoming.message_id,
                "kind": str(incoming.kind),
                "text": incoming.text,
                "file_id": incoming.file_id,
            },
            merge=False,
        )
    if not names:
        await reply(
            update,
            context,
            _(
                "To write to a client, reply to one of their messages. You have no clients yet: "
                "/invite makes an invite link."
            ),
            purpose="pick-none",
        )
        return
    rows = [
        [
            InlineKeyboardButton(
                f"👤 {name}"[:60],
                callback_data=callbacks.encode(PICK_ACTION, client_id, flow.version),
            )
        ]
        for client_id, name in names
    ]
    await reply(
        update,
        context,
        _("Who is this message for? Choose a client, or reply to one of their messages."),
        reply_markup=InlineKeyboardMarkup(rows),
        purpose="pick",
    )


async def on_pick(update: Update, context: Context) -> None:
    """The coach chose whom their message is for."""
    query = update.callback_query
    assert query is not None
    coach_id = _coach_id(context)
    _action, parts = callbacks.decode(query.data)
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=coach_id, now=services.clock.now())
    client_id = callbacks.number(parts, 0)
    if (
        flow is None
        or flow.name != PICK_FLOW
        or len(parts) != 2
        or client_id is None
        or parts[1] != str(flow.version)
    ):
        await answer_query(query, _("This button no longer works."))
        return
    data = flow.data
    incoming = Incoming(
        chat_id=int(str(data["chat_id"])),
        message_id=int(str(data["message_id"])),
        kind=ContentKind(str(data["kind"])),
        text=str(data["text"]) if data.get("text") is not None else None,
        file_id=str(data["file_id"]) if data.get("file_id") is not None else None,
    )
    name = await send_to_client(
        update, context, coach_id=coach_id, client_id=client_id, incoming=incoming
    )
    async with services.db.session() as session:
        await flows.clear(session, person_id=coach_id, flow=PICK_FLOW)
    await answer_query(query)
    await edit_or_reply(update, context, _("✓ Sent to {name}.").format(name=escape(name)))


def incoming_of(message: Message) -> Incoming:
    """What the line needs to know of a Telegram message."""
    kind = ContentKind.OTHER
    file_id: str | None = None
    text = message.text or message.caption
    if message.text is not None:
        kind = ContentKind.TEXT
    elif message.photo:
        kind, file_id = ContentKind.PHOTO, message.photo[-1].file_id
    elif message.voice is not None:
        kind, file_id = ContentKind.VOICE, message.voice.file_id
    elif message.document is not None:
        kind, file_id = ContentKind.DOCUMENT, message.document.file_id
    elif message.sticker is not None:
        kind, file_id, text = ContentKind.STICKER, message.sticker.file_id, message.sticker.emoji
    elif message.video is not None:
        kind, file_id = ContentKind.VIDEO, message.video.file_id
    elif message.audio is not None:
        kind, file_id = ContentKind.AUDIO, message.audio.file_id
    return Incoming(
        chat_id=message.chat_id,
        message_id=message.message_id,
        kind=kind,
        text=text,
        file_id=file_id,
    )


def register(application: CompanionApplication) -> None:
    application.add_handler(
        CallbackQueryHandler(on_reply_button, pattern=callbacks.pattern(REPLY_ACTION))
    )
    application.add_handler(CallbackQueryHandler(on_pick, pattern=callbacks.pattern(PICK_ACTION)))
