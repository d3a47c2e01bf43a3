"""/forget: a client erases everything stored about them, after saying yes in plain words; an
employer's contact person erases what is theirs (their questions, their links), never the
client's.

The question says what goes, that it cannot be undone, and that the coach will be told. Its
buttons carry the person's id and the time they were made: a button pressed by someone else,
after the erasure, or long after is refused kindly and erases nothing. After the erasure the
coach is told (in their language, by the name they gave, no content) and the bot treats the
person as a stranger.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import (
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, answer_stale, close_question, escape, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.runtime.context import CompanionApplication, Context
from bot.services import access, forget, outbox, people, routing
from bot.services.forget import CoachOfContact, CoachToTell, Eligibility, ForgottenContact
from bot.text.html_text import html
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.FORGET
YES = "yes"
NO = "no"
# A question left unanswered this long is asked again rather than acted on.
VALID_FOR = dt.timedelta(hours=1)


def _stamp(now: dt.datetime) -> int:
    return int(now.timestamp()) // 60


def _fresh(stamp: int, now: dt.datetime) -> bool:
    age = dt.timedelta(minutes=_stamp(now) - stamp)
    return dt.timedelta(0) <= age <= VALID_FOR


def _question(coach: str) -> str:
    return "\n".join(
        [
            _("🗑️ Do you want me to erase everything I have saved about you?"),
            "",
            _(
                "I erase your check-ins, your messages, your goals, your coach's notes about "
                "you, your consents and your profile."
            ),
            _("This cannot be undone."),
            _("I tell {coach} that you erased your data. I do not tell them anything else.").format(
                coach=coach
            ),
            _("After this I no longer know you. To use me again, you need a new invite link."),
            "",
            _("Tip: /mydata sends you a copy of your data first."),
        ]
    )


def _contact_question() -> str:
    """What an employer's contact person erases, and what stays with the coaching."""
    return "\n".join(
        [
            _("🗑️ Do you want me to erase what I have saved about you?"),
            "",
            _(
                "I erase your name, your link to the employer and to your employees, and the "
                "questions you sent to the job coach."
            ),
            _(
                "Meetings that were already agreed stay with the coaching, without your name. "
                "Meetings you proposed that are not agreed yet are cancelled."
            ),
            _("This cannot be undone."),
            _("I tell the job coach that you erased your data."),
            _("After this I no longer know you. To use me again, you need a new link."),
            "",
            _("Tip: /mydata sends you a copy of your data first."),
        ]
    )


def _buttons(person_id: int, stamp: int) -> InlineKeyboardMarkup:
    return Keyboard.of(
        [
            [Button.press(_("🗑️ Yes, erase everything"), ACTION, YES, person_id, stamp)],
            [Button.press(_("↩️ No, keep"), ACTION, NO, person_id, stamp)],
        ]
    ).markup()


async def ask(update: Update, context: Context) -> None:
    """Ask the client, in plain words, whether to erase everything."""
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    if actor.person_id is None:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    async with services.db.session() as session:
        allowed = await forget.eligibility(session, person_id=actor.person_id, now=now)
        coach = await routing.current_coach(session, client_id=actor.person_id, now=now)
    if allowed is Eligibility.NOBODY:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if allowed is Eligibility.STAFF:
        await reply(
            update,
            context,
            _(
                "/forget is for clients. You work here as a coach, so your account is closed "
                "by your organisation. Please ask your admin."
            ),
            purpose="forget-staff",
        )
        return
    keyboard = _buttons(actor.person_id, _stamp(now))
    if allowed is Eligibility.EMPLOYER:
        await reply(
            update, context, _contact_question(), reply_markup=keyboard, purpose="forget-ask"
        )
        return
    name = people.first_name(coach.display_name if coach else None) or _("your coach")
    await reply(
        update, context, _question(escape(name)), reply_markup=keyboard, purpose="forget-ask"
    )


async def _close_question(update: Update, chosen: str | None = None) -> None:
    """Leave the question in the chat with the answer under it and no buttons to press again."""
    query = update.callback_query
    if query is not None:
        await close_question(query, f"✔️ {escape(chosen)}" if chosen else None)


async def on_answer(update: Update, context: Context) -> None:
    """Yes (erase now) or no (keep) to the question; anything stale or not theirs erases nothing."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    _action, parts = callbacks.decode(query.data)
    answer = callbacks.choice(parts, 0, (YES, NO))
    owner_id = callbacks.number(parts, 1)
    stamp = callbacks.number(parts, 2)
    if (
        len(parts) != 3
        or answer is None
        or owner_id is None
        or stamp is None
        or actor.person_id is None
    ):
        await answer_stale(query)
        return
    access.require_own(viewer_id=actor.person_id, owner_id=owner_id)
    if not _fresh(stamp, now):
        await answer_query(
            query, _("This question is too old. Send /forget again if you still want it.")
        )
        await _close_question(update)
        return
    if answer == NO:
        await answer_query(query)
        await _close_question(update, _("↩️ No, keep"))
        await reply(
            update,
            context,
            _("OK. I erased nothing. Everything stays as it was."),
            purpose="forget-kept",
        )
        return
    async with services.db.session() as session:
        allowed = await forget.eligibility(session, person_id=owner_id, now=now)
    if allowed is Eligibility.EMPLOYER:
        await _forget_contact(update, context, owner_id)
        return
    async with services.db.session() as session:
        if await forget.eligibility(session, person_id=owner_id, now=now) is not Eligibility.CLIENT:
            raise access.AccessDenied(f"person {owner_id} may not use /forget")
        coach = await routing.current_coach(session, client_id=owner_id, now=now)
        coach_name = people.first_name(coach.display_name if coach else None)
        done = await forget.forget_person(session, person_id=owner_id, now=now)
        if done is not None:
            for told in done.coaches:
                await queue_erasure_notice(session, told=told, now=now)
            if done.had_chat_menu and done.chat_id is not None:
                # Their chat had a menu of its own; a stranger has the default one.
                await outbox.enqueue(
                    session,
                    chat_id=done.chat_id,
                    method="deleteMyCommands",
                    payload={"scope": {"type": "chat", "chat_id": done.chat_id}},
                    now=now,
                    purpose="menu",
                )
    if done is None:
        await answer_stale(query)
        return
    _LOGGER.info("person %s erased their data; %d coaches told", owner_id, len(done.coaches))
    services.wake_sender()
    await answer_query(query)
    await _close_question(update, _("🗑️ Yes, erase everything"))
    lines = [_("✅ Done. I erased everything I had saved about you.")]
    if done.coaches:
        lines.append(
            html(
                _("I told {coach} that you erased your data."), coach=coach_name or _("your coach")
            )
        )
    lines.append(_("If you want to use me again, ask your coach for a new invite link."))
    await _say_goodbye(update, context, "\n\n".join(lines))


async def _forget_contact(update: Update, context: Context, person_id: int) -> None:
    """Erase an employer's contact person, tell the coaches, and say goodbye."""
    query = update.callback_query
    assert query is not None
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        if await forget.eligibility(session, person_id=person_id, now=now) is not (
            Eligibility.EMPLOYER
        ):
            raise access.AccessDenied(f"person {person_id} is no employer contact")
        done = await forget.forget_employer_contact(session, person_id=person_id, now=now)
        if done is not None:
            for coach in done.coaches:
                await queue_contact_erased_notice(session, coach=coach, done=done, now=now)
            if done.had_chat_menu and done.chat_id is not None:
                await outbox.enqueue(
                    session,
                    chat_id=done.chat_id,
                    method="deleteMyCommands",
                    payload={"scope": {"type": "chat", "chat_id": done.chat_id}},
                    now=now,
                    purpose="menu",
                )
    if done is None:
        await answer_stale(query)
        return
    _LOGGER.info(
        "employer contact %s erased their data; %d coaches told", person_id, len(done.coaches)
    )
    services.wake_sender()
    await answer_query(query)
    await _close_question(update, _("🗑️ Yes, erase everything"))
    lines = [_("✅ Done. I erased everything I had saved about you.")]
    if done.coaches:
        lines.append(_("I told the job coach that you erased your data."))
    lines.append(_("If you want to use me again, ask the job coach for a new link."))
    await _say_goodbye(update, context, "\n\n".join(lines))


async def queue_contact_erased_notice(
    session: AsyncSession, *, coach: CoachOfContact, done: ForgottenContact, now: dt.datetime
) -> None:
    """Tell a coach, in their language, that an employer's contact person erased their data."""
    with use_locale(coach.locale):
        text = html(
            _(
                "🗑️ {contact} from {employer} erased their data from the bot. The questions they "
                "sent you are gone, and meetings they proposed but nobody agreed to are cancelled. "
                "Agreed meetings stay. They no longer hear from me about your clients."
            ),
            contact=done.contact_name or _("An employer's contact person"),
            employer=", ".join(done.employers) or "?",
        )
    await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=coach.coach_id,
        purpose="contact-erased",
    )


async def _say_goodbye(update: Update, context: Context, text: str) -> None:
    """The last message to the person, taking away the client's keyboard."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_message(
            chat_id=chat.id,
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=ReplyKeyboardRemove(),
        )
    except (NetworkError, RetryAfter) as exc:
        if isinstance(exc, BadRequest):
            raise
        _LOGGER.info("goodbye to chat %s deferred to the outbox: %s", chat.id, exc)
        services = context.services
        payload: dict[str, Any] = {
            "text": text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": {"remove_keyboard": True},
        }
        async with services.db.session() as session:
            await outbox.enqueue(
                session,
                chat_id=chat.id,
                method="sendMessage",
                payload=payload,
                now=services.clock.now(),
                purpose="forget-done",
                dedup_key=f"reply:{update.update_id}:forget-done",
            )
        services.wake_sender()


async def queue_erasure_notice(
    session: AsyncSession, *, told: CoachToTell, now: dt.datetime
) -> None:
    """Tell a coach, in their language, that their client erased their data (no content)."""
    with use_locale(told.locale):
        text = html(
            _(
                "🗑️ {name} erased their data from the bot. Their check-ins, messages, goals and "
                "your notes about them are gone. I can no longer pass messages between you."
            ),
            name=told.client_name or _("A client"),
        )
    await outbox.enqueue(
        session,
        chat_id=told.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=told.coach_id,
        purpose="client-erased",
    )


def register(application: CompanionApplication) -> None:
    application.add_handler(CommandHandler("forget", ask, filters=filters.ChatType.PRIVATE))
    application.add_handler(CallbackQueryHandler(on_answer, pattern=callbacks.pattern(ACTION)))
