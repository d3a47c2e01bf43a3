"""/ask: an employer contact asks the job coach, and the coach's answer goes back.

The contact picks the employee if linked to several, writes the question, and the words reach the
coach who answers for that employee now, as an employer-request flag with ↩️ Reply. Without a
standing consent the question is refused kindly, naming nobody.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers import daily_limits
from bot.handlers.replies import answer_query, escape, reply
from bot.messages import callbacks
from bot.messages.flag_notices import ACTION as FLAG_ACTION
from bot.messages.pickers import encode, label
from bot.models.people import Person
from bot.runtime.context import CompanionApplication, Context, require_coach, require_employer
from bot.services import employer_line, employers, flows, outbox, people, placements
from bot.services.access import AccessDenied
from bot.services.employer_line import Asked, EmptyQuestion, LinkEnded
from bot.services.flows import Flow
from bot.services.quotas import Quota
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

ASK_FLOW = "employer_ask"
ANSWER_FLOW = "employer_answer"
# ea:p:PLACEMENT (the employee a question is about), ea:r:MESSAGE (the coach's Reply)
ACTION = "ea"


def nobody_text() -> str:
    return _(
        "You cannot ask about anyone here right now. "
        "If you think this is a mistake, contact the job coaching."
    )


async def ask_command(update: Update, context: Context) -> None:
    """/ask: choose the employee (if several), then write."""
    actor = context.require_actor()
    if not actor.is_employer or actor.person_id is None:
        await reply(update, context, nobody_text(), purpose="ask-refused")
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        employees = await employers.employees_of(
            session, contact_person_id=actor.person_id, now=now
        )
    if not employees:
        await reply(update, context, nobody_text(), purpose="ask-refused")
        return
    if len(employees) == 1:
        await _start(update, context, employees[0].placement_id)
        return
    rows = [
        [
            InlineKeyboardButton(
                label(f"👤 {employee.first_name}"),
                callback_data=encode(ACTION, "p", employee.placement_id),
            )
        ]
        for employee in employees
    ]
    await reply(
        update,
        context,
        _("Who is your question about?"),
        reply_markup=InlineKeyboardMarkup(rows),
        purpose="ask-pick",
    )


async def _start(update: Update, context: Context, placement_id: int) -> None:
    contact_id = require_employer(context)
    if await daily_limits.reached(update, context, quota=Quota.ASK, person_id=contact_id):
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        allowed = {
            e.placement_id: e
            for e in await employers.employees_of(session, contact_person_id=contact_id, now=now)
        }
        if placement_id not in allowed:
            raise AccessDenied(f"contact {contact_id} may not ask about placement {placement_id}")
        await flows.set_step(
            session,
            person_id=contact_id,
            flow=ASK_FLOW,
            step="text",
            now=now,
            data={"placement_id": placement_id},
            awaiting_text=True,
            merge=False,
        )
    await reply(
        update,
        context,
        _(
            "Write your question or what you need help with, about {employee}. "
            "It goes to the job coach. /cancel stops."
        ).format(employee=escape(allowed[placement_id].first_name)),
        purpose="ask-prompt",
    )


async def on_question(update: Update, context: Context, flow: Flow) -> None:
    """The employer's words: to the coach, as a flag with ↩️ Reply."""
    contact_id = require_employer(context)
    message = update.effective_message
    assert message is not None
    if not message.text:
        await reply(update, context, _("Please write it as text."), purpose="ask-retry")
        return
    if await daily_limits.reached(update, context, quota=Quota.ASK, person_id=contact_id):
        return
    services = context.services
    now = services.clock.now()
    placement_id = int(str(flow.data["placement_id"]))
    try:
        async with services.db.session() as session:
            asked = await employer_line.ask(
                session,
                contact_person_id=contact_id,
                placement_id=placement_id,
                text=message.text,
                chat_id=message.chat_id,
                message_id=message.message_id,
                now=now,
            )
            await flows.clear(session, person_id=contact_id, flow=ASK_FLOW)
            if asked is not None:
                await _queue_to_coach(session, asked=asked, now=now)
    except AccessDenied:
        async with services.db.session() as session:
            await flows.clear(session, person_id=contact_id, flow=ASK_FLOW)
        await reply(update, context, nobody_text(), purpose="ask-refused")
        return
    except EmptyQuestion:
        await reply(update, context, _("Please write it as text."), purpose="ask-retry")
        return
    if asked is None:
        await reply(
            update,
            context,
            _("Nobody can answer right now. Please contact the job coaching."),
            purpose="ask-nobody",
        )
        return
    services.wake_sender()
    _LOGGER.info("employer contact %s asked about placement %s", contact_id, placement_id)
    await reply(
        update,
        context,
        _("✓ Sent to the job coach. You will get the answer here."),
        purpose="ask-sent",
    )


async def _queue_to_coach(session: AsyncSession, *, asked: Asked, now: dt.datetime) -> None:
    """The employer's words to the coach, with ↩️ Reply and the flag's ✅ Done."""
    coach = asked.coach
    message = asked.message
    if coach.chat_id is None or coach.id is None or message.id is None:
        return
    name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=message.client_id)
    contact = await session.get(Person, message.sender_id) if message.sender_id else None
    employer = (
        await placements.employer_name(session, employer_id=message.employer_id)
        if message.employer_id
        else None
    )
    with use_locale(coach.locale):
        text = "\n\n".join(
            [
                _("🚩 <b>{name}</b>: their employer asks for guidance.").format(
                    name=escape(name or "?")
                ),
                _("{contact} from {employer} wrote:").format(
                    contact=escape((contact.display_name if contact else None) or "?"),
                    employer=escape(employer or "?"),
                ),
                escape(message.text or ""),
            ]
        )
        row = [{"text": _("↩️ Reply"), "callback_data": encode(ACTION, "r", message.id)}]
        if asked.flag is not None and asked.flag.id is not None:
            row.append(
                {"text": _("✅ Done"), "callback_data": f"{FLAG_ACTION}:{asked.flag.id}:done"}
            )
    # The row carries the employer's words: an erasure of the contact takes it back by this id.
    message.header_outbox_id = await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={
            "text": text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": {"inline_keyboard": [row]},
        },
        now=now,
        person_id=coach.id,
        subject_id=message.client_id,
        purpose=f"employer-request:{message.id}",
    )


async def _start_answer(update: Update, context: Context, message_id: int) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        question = await employer_line.question_for_coach(
            session, coach_id=coach_id, message_id=message_id, now=now
        )
        contact = await session.get(Person, question.sender_id) if question.sender_id else None
        await flows.set_step(
            session,
            person_id=coach_id,
            flow=ANSWER_FLOW,
            step="text",
            now=now,
            data={"question_id": message_id},
            awaiting_text=True,
            merge=False,
        )
    await reply(
        update,
        context,
        _(
            "Write your answer to {contact}. They see only your answer. "
            "Do not write anything the client has not agreed to share. /cancel stops."
        ).format(contact=escape((contact.display_name if contact else None) or "?")),
        purpose="employer-answer-prompt",
    )


async def on_answer(update: Update, context: Context, flow: Flow) -> None:
    """The coach's answer: back to the employer contact who asked."""
    coach_id = require_coach(context)
    message = update.effective_message
    assert message is not None
    if not message.text:
        await reply(update, context, _("Please write it as text."), purpose="answer-retry")
        return
    services = context.services
    now = services.clock.now()
    try:
        async with services.db.session() as session:
            answered = await employer_line.answer(
                session,
                coach_id=coach_id,
                question_id=int(str(flow.data["question_id"])),
                text=message.text,
                chat_id=message.chat_id,
                message_id=message.message_id,
                now=now,
            )
            await flows.clear(session, person_id=coach_id, flow=ANSWER_FLOW)
            contact = answered.contact
            coach = await session.get(Person, coach_id)
            if contact.chat_id is not None:
                first = employers.employee_first_name(
                    await session.get(Person, answered.message.client_id)
                )
                with use_locale(contact.locale):
                    text = "\n\n".join(
                        [
                            _("💬 The job coach {coach} answers about {employee}:").format(
                                coach=escape((coach.display_name if coach else None) or "?"),
                                employee=escape(first),
                            ),
                            escape(answered.message.text or ""),
                        ]
                    )
                await outbox.enqueue(
                    session,
                    chat_id=contact.chat_id,
                    method="sendMessage",
                    payload={"text": text, "parse_mode": ParseMode.HTML},
                    now=now,
                    person_id=contact.id,
                    subject_id=answered.message.client_id,
                    purpose=f"employer-answer:{answered.message.id}",
                )
    except LinkEnded:
        async with services.db.session() as session:
            await flows.clear(session, person_id=coach_id, flow=ANSWER_FLOW)
        await reply(
            update,
            context,
            _("The link with this employer has ended. Your answer was not sent."),
            purpose="employer-answer-ended",
        )
        return
    except EmptyQuestion:
        await reply(update, context, _("Please write it as text."), purpose="answer-retry")
        return
    services.wake_sender()
    await reply(
        update,
        context,
        _("✓ Sent to {name}.").format(name=escape(contact.display_name or "?")),
        purpose="employer-answer-sent",
    )


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    number = callbacks.number(parts, 1)
    if kind == "p" and number is not None:
        await answer_query(query)
        await _start(update, context, number)
        return
    if kind == "r" and number is not None:
        await answer_query(query)
        await _start_answer(update, context, number)
        return
    await answer_query(query, _("This button no longer works."))


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("ask", ask_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
