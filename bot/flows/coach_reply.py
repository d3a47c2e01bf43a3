"""A coach writing to a client without replying to one of their messages: the Reply button under
a client's message, and choosing whom a stray message is for. Both are declared at the end of
the module: REPLY and PICK, drawn in docs/flows/.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel
from telegram import Message, Update

from bot.flows.mechanism import END, ID, VERSION, FlowSpec, Route, Text
from bot.handlers.replies import answer_query, edit_or_reply, reply
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.notices import queue_relay
from bot.models.messaging import ContentKind, RelayedMessage
from bot.runtime.context import CompanionApplication, Context
from bot.services import access, people, relay
from bot.services.flows import Flow
from bot.services.relay import Incoming
from bot.text.html_text import html
from bot.text.i18n import _

REPLY_FLOW = "reply"
PICK_FLOW = "pick_recipient"
REPLY_ACTION = callbacks.REPLY
PICK_ACTION = callbacks.RECIPIENT


class ReplyStep(StrEnum):
    ANSWER = "answer"  # waiting for the coach's answer


class ReplyData(BaseModel):
    client_id: int
    reply_to_id: int | None = None


class PickStep(StrEnum):
    PICK = "pick"  # the coach's message kept, whom is it for?


class PickData(BaseModel):
    """The coach's stray message, kept until they say whom it is for."""

    chat_id: int
    message_id: int
    kind: ContentKind
    text: str | None = None
    file_id: str | None = None


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


async def on_reply_button(update: Update, context: Context, message_id: int) -> None:
    """The Reply button under a client's message: the coach's next message is the answer."""
    query = update.callback_query
    assert query is not None
    coach_id = _coach_id(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        original = await session.get(RelayedMessage, message_id)
        if original is None or original.recipient_id != coach_id:
            raise access.AccessDenied("reply to a message that was not for this coach")
        await access.require_answer(
            session, coach_id=coach_id, client_id=original.client_id, now=now
        )
        await REPLY.move(
            session,
            person_id=coach_id,
            step=ReplyStep.ANSWER,
            now=now,
            data=ReplyData(client_id=original.client_id, reply_to_id=original.id),
            awaiting_text=True,
        )
        name = await people.name_as_seen_by(
            session, viewer_id=coach_id, person_id=original.client_id
        )
    await answer_query(query)
    await reply(
        update,
        context,
        html(_("Write your answer to {name}. /cancel stops."), name=name or "?"),
        purpose="reply-prompt",
    )


async def on_reply_text(update: Update, context: Context, flow: Flow) -> None:
    """The coach's answer after pressing Reply."""
    coach_id = _coach_id(context)
    message = update.effective_message
    assert message is not None
    services = context.services
    data = REPLY.load(flow)
    async with services.db.session() as session:
        await REPLY.end(session, person_id=coach_id)
    name = await send_to_client(
        update,
        context,
        coach_id=coach_id,
        client_id=data.client_id,
        incoming=incoming_of(message),
        reply_to_id=data.reply_to_id or None,
    )
    await reply(update, context, html(_("✓ Sent to {name}."), name=name), purpose="sent")


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
        flow = await PICK.move(
            session,
            person_id=coach_id,
            step=PickStep.PICK,
            now=now,
            data=PickData(
                chat_id=incoming.chat_id,
                message_id=incoming.message_id,
                kind=incoming.kind,
                text=incoming.text,
                file_id=incoming.file_id,
            ),
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
        [Button.press(f"👤 {name}"[:60], PICK_ACTION, client_id, flow.version)]
        for client_id, name in names
    ]
    await reply(
        update,
        context,
        _("Who is this message for? Choose a client, or reply to one of their messages."),
        reply_markup=Keyboard.of(rows).markup(),
        purpose="pick",
    )


async def on_pick(update: Update, context: Context, client_id: int, flow: Flow) -> None:
    """The coach chose whom their message is for."""
    query = update.callback_query
    assert query is not None
    coach_id = _coach_id(context)
    services = context.services
    data = PICK.load(flow)
    incoming = Incoming(
        chat_id=data.chat_id,
        message_id=data.message_id,
        kind=data.kind,
        text=data.text,
        file_id=data.file_id,
    )
    name = await send_to_client(
        update, context, coach_id=coach_id, client_id=client_id, incoming=incoming
    )
    async with services.db.session() as session:
        await PICK.end(session, person_id=coach_id)
    await answer_query(query)
    await edit_or_reply(update, context, html(_("✓ Sent to {name}."), name=name))


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


REPLY = FlowSpec[ReplyData](
    name=REPLY_FLOW,
    action=REPLY_ACTION,
    doc="A coach's Reply under a client's message: the coach's next message is the answer.",
    steps=ReplyStep,
    data=ReplyData,
    guard=_coach_id,
    routes=[Route((ID,), on_reply_button, goes_to=ReplyStep.ANSWER, what="reply to this message")],
    texts=[Text(ReplyStep.ANSWER, on_reply_text, goes_to=END)],
)

PICK = FlowSpec[PickData](
    name=PICK_FLOW,
    action=PICK_ACTION,
    doc="A coach's message that answers nothing: whom is it for? (bot/handlers/messages.py asks)",
    steps=PickStep,
    data=PickData,
    guard=_coach_id,
    routes=[
        Route(
            (ID, VERSION),
            on_pick,
            shown_in=(PickStep.PICK,),
            goes_to=END,
            what="the client the message is for",
        )
    ],
)


def register(application: CompanionApplication) -> None:
    REPLY.register(application)
    PICK.register(application)
