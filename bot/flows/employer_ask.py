"""/ask: an employer contact asks the job coach, and the coach's answer goes back.

The contact picks the employee if linked to several, writes the question, and the words reach the
coach who answers for that employee now, as an employer-request flag with ↩️ Reply. Without a
standing consent the question is refused kindly, naming nobody. The buttons and typed words are
declared in FLOW at the end of the module (drawn in docs/flows/employer_ask.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from bot.flows.mechanism import END, ID, Command, FlowSpec, Route, Text, typed_words
from bot.handlers import daily_limits
from bot.handlers.replies import escape, reply
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import label
from bot.messages.send import send_text
from bot.models.people import Person
from bot.runtime.context import Context, require_coach, require_employer
from bot.services import employer_line, employers, flows, people, placements
from bot.services.access import AccessDenied
from bot.services.employer_line import Asked, EmptyQuestion, LinkEnded
from bot.services.flows import Flow
from bot.services.quotas import Quota
from bot.text.html_text import html
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

ASK_FLOW = "employer_ask"
ANSWER_FLOW = "employer_answer"
ACTION = callbacks.EMPLOYER_ASK


class Step(StrEnum):
    TEXT = "text"  # waiting for the employer's question, or the coach's answer


class LineData(BaseModel):
    placement_id: int | None = None  # the employee a question is about
    question_id: int | None = None  # the question a coach answers


def nobody_text() -> str:
    return _(
        "You cannot ask about anyone here right now. "
        "If you think this is a mistake, contact the job coaching."
    )


async def pick_employee(
    update: Update,
    context: Context,
    start: Callable[[Update, Context, int], Awaitable[None]],
    *,
    choose: tuple[str, str],
    question: str,
    purpose: str,
) -> None:
    """An employer contact's command: straight on with their one employee, or a button for each
    (`choose`: the action and kind the buttons send with the placement); others are refused
    without naming anyone."""
    actor = context.require_actor()
    if not actor.is_employer or actor.person_id is None:
        await reply(update, context, nobody_text(), purpose=f"{purpose}-refused")
        return
    services = context.services
    async with services.db.session() as session:
        employees = await employers.employees_of(
            session, contact_person_id=actor.person_id, now=services.clock.now()
        )
    if not employees:
        await reply(update, context, nobody_text(), purpose=f"{purpose}-refused")
        return
    if len(employees) == 1:
        await start(update, context, employees[0].placement_id)
        return
    rows = [
        [Button.press(label(f"👤 {employee.first_name}"), *choose, employee.placement_id)]
        for employee in employees
    ]
    await reply(
        update,
        context,
        question,
        reply_markup=Keyboard.of(rows).markup(),
        purpose=f"{purpose}-pick",
    )


async def ask_command(update: Update, context: Context) -> None:
    """/ask: choose the employee (if several), then write."""
    await pick_employee(
        update,
        context,
        _start,
        choose=(ACTION, "p"),
        question=_("Who is your question about?"),
        purpose="ask",
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
        await FLOW.move(
            session,
            person_id=contact_id,
            name=ASK_FLOW,
            step=Step.TEXT,
            now=now,
            data=LineData(placement_id=placement_id),
            awaiting_text=True,
        )
    await reply(
        update,
        context,
        html(
            _(
                "Write your question or what you need help with, about {employee}. "
                "It goes to the job coach. /cancel stops."
            ),
            employee=allowed[placement_id].first_name,
        ),
        purpose="ask-prompt",
    )


async def on_question(update: Update, context: Context, flow: Flow) -> None:
    """The employer's words: to the coach, as a flag with ↩️ Reply."""
    contact_id = require_employer(context)
    message = update.effective_message
    assert message is not None
    typed = await typed_words(update, context, purpose="ask-retry")
    if typed is None:
        return
    if await daily_limits.reached(update, context, quota=Quota.ASK, person_id=contact_id):
        return
    services = context.services
    now = services.clock.now()
    placement_id = FLOW.load(flow).placement_id or 0
    try:
        async with services.db.session() as session:
            asked = await employer_line.ask(
                session,
                contact_person_id=contact_id,
                placement_id=placement_id,
                text=typed,
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
                html(_("🚩 <b>{name}</b>: their employer asks for guidance."), name=name or "?"),
                html(
                    _("{contact} from {employer} wrote:"),
                    contact=(contact.display_name if contact else None) or "?",
                    employer=employer or "?",
                ),
                escape(message.text or ""),
            ]
        )
        row = [Button.press(_("↩️ Reply"), ACTION, "r", message.id)]
        if asked.flag is not None and asked.flag.id is not None:
            row.append(Button.press(_("✅ Done"), callbacks.FLAG, asked.flag.id, "done"))
    # The row carries the employer's words: an erasure of the contact takes it back by this id.
    message.header_outbox_id = await send_text(
        session,
        to=coach,
        text=text,
        keyboard=Keyboard.row(*row).to_json(),
        now=now,
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
        await FLOW.move(
            session,
            person_id=coach_id,
            name=ANSWER_FLOW,
            step=Step.TEXT,
            now=now,
            data=LineData(question_id=message_id),
            awaiting_text=True,
        )
    await reply(
        update,
        context,
        html(
            _(
                "Write your answer to {contact}. They see only your answer. "
                "Do not write anything the client has not agreed to share. /cancel stops."
            ),
            contact=(contact.display_name if contact else None) or "?",
        ),
        purpose="employer-answer-prompt",
    )


async def on_answer(update: Update, context: Context, flow: Flow) -> None:
    """The coach's answer: back to the employer contact who asked."""
    coach_id = require_coach(context)
    message = update.effective_message
    assert message is not None
    typed = await typed_words(update, context, purpose="answer-retry")
    if typed is None:
        return
    services = context.services
    now = services.clock.now()
    try:
        async with services.db.session() as session:
            answered = await employer_line.answer(
                session,
                coach_id=coach_id,
                question_id=FLOW.load(flow).question_id or 0,
                text=typed,
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
                            html(
                                _("💬 The job coach {coach} answers about {employee}:"),
                                coach=(coach.display_name if coach else None) or "?",
                                employee=first,
                            ),
                            escape(answered.message.text or ""),
                        ]
                    )
                await send_text(
                    session,
                    to=contact,
                    text=text,
                    now=now,
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
        html(_("✓ Sent to {name}."), name=contact.display_name or "?"),
        purpose="employer-answer-sent",
    )


async def _about(update: Update, context: Context, placement_id: int) -> None:
    await _start(update, context, placement_id)


async def _reply(update: Update, context: Context, message_id: int) -> None:
    await _start_answer(update, context, message_id)


FLOW = FlowSpec[LineData](
    name=ASK_FLOW,
    other_names=(ANSWER_FLOW,),
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=LineData,
    answer_first=True,
    commands=[Command("ask", ask_command, goes_to=Step.TEXT)],
    routes=[
        Route(("p", ID), _about, goes_to=Step.TEXT, what="the employee a question is about"),
        Route(("r", ID), _reply, goes_to=Step.TEXT, what="the coach's Reply: write the answer"),
    ],
    texts=[
        Text(Step.TEXT, on_question, goes_to=END, flow=ASK_FLOW),
        Text(Step.TEXT, on_answer, goes_to=END, flow=ANSWER_FLOW),
    ],
)
register = FLOW.register
