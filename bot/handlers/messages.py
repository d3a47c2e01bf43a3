"""What people write outside commands: an answer to the flow that asked for it, else a client's
message for their coach, a coach's answer to a client, or the no-invite answer for a stranger.
Edits of passed-on messages are passed on too. /inbox shows a coach their clients' messages.

Everything a client types or captions passes the check for words of crisis and worry here, first,
whichever flow it then goes to (a message, a check-in note, a goal, a step, a reason, a typed time
while joining, words for the closing summary); so do their edits. A stranger who writes words of
crisis gets the crisis numbers too. A voice message cannot be read: it goes to the coach as sent.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.flows import coach_reply, onboarding
from bot.flows.coach_reply import incoming_of
from bot.handlers import employer
from bot.handlers.flags import answer_stranger_words, answer_words
from bot.handlers.replies import escape, reply
from bot.handlers.start import stranger_text
from bot.messages import burst_notices
from bot.messages.keyboards import client_keyboard
from bot.messages.notices import queue_relay
from bot.models.messaging import ContentKind
from bot.runtime.context import CompanionApplication, Context
from bot.services import access, after_coaching, flows, people, relay
from bot.services.after_coaching import WhoAnswers
from bot.text.dates import format_datetime
from bot.text.i18n import _

_CONTENT = (
    filters.TEXT
    | filters.PHOTO
    | filters.VOICE
    | filters.Document.ALL
    | filters.Sticker.ALL
    | filters.VIDEO
    | filters.AUDIO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.LOCATION
    | filters.CONTACT
)


def _where(flow_name: str | None, flow_step: str | None, message: Message) -> str:
    """Where a client wrote, for the coach's notice (see client_words.WHERE)."""
    if flow_name == "checkin":
        return "note"
    if flow_name == "goal":
        return {"title": "goal", "step": "step", "reason": "reason"}.get(flow_step or "", "goal")
    if flow_name == onboarding.FLOW:
        return "joining"
    if flow_name is not None:
        return "answer"
    return "message" if message.text else "caption"


async def on_message(update: Update, context: Context) -> None:
    """Words of crisis or worry first, then the message to the flow waiting for it, to the
    coach, or to a client."""
    actor = context.require_actor()
    message = update.effective_message
    assert message is not None
    text = message.text or message.caption
    if (not actor.is_known and not actor.is_employer) or actor.person_id is None:
        await answer_stranger_words(update, context, text=text)
    elif actor.is_client and not actor.is_coach:
        services = context.services
        async with services.db.session() as session:
            flow = await flows.current(session, person_id=actor.person_id, now=services.clock.now())
        where = _where(flow.name if flow else None, flow.step if flow else None, message)
        await answer_words(update, context, client_id=actor.person_id, text=text, where=where)
    await route(update, context)


async def route(update: Update, context: Context) -> None:
    """Route a message to the flow waiting for it, to the coach, or to a client."""
    actor = context.require_actor()
    message = update.effective_message
    assert message is not None
    if (not actor.is_known and not actor.is_employer) or actor.person_id is None:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=actor.person_id, now=services.clock.now())
    if flow is not None and flow.awaiting_text:
        step = context.text_step(flow.name)
        if step is not None:
            await step(update, context, flow)
            return
    if flow is not None and flow.name == onboarding.FLOW:
        await onboarding.resume(update, context, actor.person_id)
        return
    if actor.is_coach:
        await _from_coach(update, context, actor.person_id, message)
    elif actor.is_client:
        await _from_client(update, context, actor.person_id, message)
    elif actor.is_employer:
        await employer.free_text_hint(update, context)


async def _from_client(update: Update, context: Context, client_id: int, message: Message) -> None:
    """A client's message goes to their coach; the client learns it was sent or will be."""
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        passed = await relay.from_client(
            session, client_id=client_id, incoming=incoming_of(message), now=now
        )
        who: WhoAnswers | None = None
        if passed is not None:
            if passed.summarised:
                await burst_notices.queue_counted(session, passed=passed, now=now)
            else:
                assert passed.recipient.id is not None
                await burst_notices.flush(
                    session, client_id=client_id, recipient_id=passed.recipient.id, now=now
                )
                await queue_relay(session, passed=passed, now=now)
            who = await after_coaching.after_client_message(
                session, client_id=client_id, passed=passed, now=now
            )
    if passed is None:
        await reply(
            update,
            context,
            _(
                "I could not pass your message on: nobody is your coach here right now. "
                "Please contact your organisation."
            ),
            reply_markup=client_keyboard(),
            purpose="relay-nobody",
        )
        return
    services.wake_sender()
    coach = escape(people.first_name(passed.recipient.display_name) or _("your coach"))
    if not passed.reachable:
        text = _(
            "{coach} cannot be reached right now. Your message is saved, and {coach} "
            "gets it when they are back."
        ).format(coach=coach)
    elif passed.repeat and who is None:
        return
    else:
        text = _("✓ Sent to {coach}.").format(coach=coach)
    if who is not None:
        text = f"{text}\n\n{_who_answers_text(who)}"
    await reply(update, context, text, reply_markup=client_keyboard(), purpose="relay-confirm")


def _who_answers_text(who: WhoAnswers) -> str:
    """Who answers a former client now, in plain words."""
    name = escape(who.name)
    if who.via_admin:
        return _(
            "Your coach no longer works at {organisation}. {name} from {organisation} reads "
            "your messages now and answers you."
        ).format(name=name, organisation=escape(who.organisation))
    if who.changed:
        return _("{name} reads your messages now and answers you.").format(name=name)
    return _(
        "Your coaching has ended, but you can still write to me. {name} gets your messages "
        "and answers you."
    ).format(name=name)


async def _from_coach(update: Update, context: Context, coach_id: int, message: Message) -> None:
    """A coach's reply to a client's message reaches that client; anything else asks whom for."""
    services = context.services
    original = None
    if message.reply_to_message is not None:
        async with services.db.session() as session:
            original = await relay.replied_to(
                session,
                chat_id=message.chat_id,
                message_id=message.reply_to_message.message_id,
            )
    if original is None:
        await coach_reply.ask_whom(update, context)
        return
    name = await coach_reply.send_to_client(
        update,
        context,
        coach_id=coach_id,
        client_id=original.client_id,
        incoming=incoming_of(message),
        reply_to_id=original.id,
    )
    await reply(update, context, _("✓ Sent to {name}.").format(name=escape(name)), purpose="sent")


async def on_edit(update: Update, context: Context) -> None:
    """A passed-on message was edited: the other side gets the new text, marked as edited."""
    actor = context.require_actor()
    message = update.edited_message
    if message is None or actor.person_id is None or not actor.is_known:
        return
    if actor.is_client and not actor.is_coach:
        await answer_words(
            update,
            context,
            client_id=actor.person_id,
            text=message.text or message.caption,
            where="edit",
        )
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        passed = await relay.edited(
            session, sender_id=actor.person_id, incoming=incoming_of(message), now=now
        )
        if passed is not None:
            await queue_relay(session, passed=passed, now=now)
    if passed is not None:
        services.wake_sender()


def _snippet(kind: str, text: str | None) -> str:
    labels = {
        ContentKind.PHOTO: _("[photo]"),
        ContentKind.VOICE: _("[voice message]"),
        ContentKind.DOCUMENT: _("[document]"),
        ContentKind.STICKER: _("[sticker]"),
        ContentKind.VIDEO: _("[video]"),
        ContentKind.AUDIO: _("[audio]"),
        ContentKind.OTHER: _("[message]"),
    }
    body = text[:120] + ("…" if text and len(text) > 120 else "") if text else ""
    label = "" if kind == ContentKind.TEXT else labels.get(ContentKind(kind), "")
    return escape(" ".join(part for part in (label, body) if part))


async def show_inbox(update: Update, context: Context) -> None:
    """A coach's newest messages from clients; seeing them marks them read."""
    actor = context.require_actor()
    if not actor.is_coach or actor.person_id is None:
        raise access.AccessDenied("/inbox is for coaches")
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        messages = await relay.inbox(session, coach_id=actor.person_id, now=now)
        lines = []
        for item in messages:
            name = await people.name_as_seen_by(
                session, viewer_id=actor.person_id, person_id=item.client_id
            )
            when = format_datetime(item.created_at, timezone=actor.timezone, format="short")
            marker = "🔵 " if item.read_at is None else ""
            snippet = _snippet(item.content_kind, item.text)
            lines.append(f"{marker}<b>{escape(name or '?')}</b>, {when}:\n{snippet}")
        await relay.mark_read(session, coach_id=actor.person_id, client_id=None, now=now)
    if not lines:
        text = _("No messages from clients yet.")
    else:
        text = "\n\n".join(
            [
                _("Messages from your clients, newest first (🔵 = new):"),
                *lines,
                _("To answer, reply to a client's message above in the chat."),
            ]
        )
    await reply(update, context, text, purpose="inbox")


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("inbox", show_inbox, filters=private))
    application.add_handler(
        MessageHandler(
            private & _CONTENT & ~filters.COMMAND & ~filters.UpdateType.EDITED, on_message
        )
    )
    application.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, on_edit))
