"""/meeting: an employer contact proposes a meeting about their employee, the coach confirms it,
the client is told, and the dispatcher reminds everyone the day before
(bot/messages/meeting_notices.py).

The contact picks the employee (if several) and one of a few times (the next working days at 9
and 13) or types another; the coach gets ✅ Confirm / ❌ Not possible.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.flows.employer_ask import nobody_text
from bot.handlers import daily_limits
from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.meeting_notices import when_text
from bot.messages.pickers import encode, label
from bot.models.people import Person
from bot.models.placements import Meeting
from bot.runtime.context import CompanionApplication, Context, require_coach, require_employer
from bot.services import access, employers, flows, meetings, outbox, people, placements, routing
from bot.services.access import AccessDenied
from bot.services.flows import Flow
from bot.services.meetings import MeetingGone
from bot.services.quotas import Quota
from bot.text.dates import format_datetime, moment_example
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

FLOW = "meeting"
# mt:e:PLACEMENT (the employee), mt:t:PLACEMENT:MINUTES (a time, minutes since the epoch),
# mt:o:PLACEMENT (another time, typed), mt:c:MEETING / mt:x:MEETING (the coach confirms or not);
# the coach's own: mt:n:CLIENT (times), mt:k:CLIENT:MINUTES (agreed at once), mt:m:CLIENT (typed)
ACTION = "mt"


async def meeting_command(update: Update, context: Context) -> None:
    """/meeting: choose the employee (if several), then a time."""
    actor = context.require_actor()
    if not actor.is_employer or actor.person_id is None:
        await reply(update, context, nobody_text(), purpose="meeting-refused")
        return
    services = context.services
    async with services.db.session() as session:
        employees = await employers.employees_of(
            session, contact_person_id=actor.person_id, now=services.clock.now()
        )
    if not employees:
        await reply(update, context, nobody_text(), purpose="meeting-refused")
        return
    if len(employees) == 1:
        await _times(update, context, employees[0].placement_id)
        return
    rows = [
        [
            InlineKeyboardButton(
                label(f"👤 {e.first_name}"), callback_data=encode(ACTION, "e", e.placement_id)
            )
        ]
        for e in employees
    ]
    await reply(
        update,
        context,
        _("Whom is the meeting about?"),
        reply_markup=InlineKeyboardMarkup(rows),
        purpose="meeting-pick",
    )


async def _times(update: Update, context: Context, placement_id: int) -> None:
    contact_id = require_employer(context)
    if await daily_limits.reached(update, context, quota=Quota.MEETING, person_id=contact_id):
        return
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        allowed = {
            e.placement_id: e
            for e in await employers.employees_of(session, contact_person_id=contact_id, now=now)
        }
    if placement_id not in allowed:
        raise AccessDenied(f"contact {contact_id} may not meet about placement {placement_id}")
    buttons = [
        InlineKeyboardButton(
            "📅 " + format_datetime(slot, timezone=actor.timezone, format="short"),
            callback_data=encode(ACTION, "t", placement_id, int(slot.timestamp()) // 60),
        )
        for slot in meetings.slots(now, actor.timezone)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [
            InlineKeyboardButton(
                _("🕒 Another time"), callback_data=encode(ACTION, "o", placement_id)
            )
        ]
    )
    await reply(
        update,
        context,
        _("📅 A meeting about {employee}'s work with the job coach. When?").format(
            employee=escape(allowed[placement_id].first_name)
        ),
        reply_markup=InlineKeyboardMarkup(rows),
        purpose="meeting-times",
    )


async def _propose(
    update: Update, context: Context, placement_id: int, starts_at: dt.datetime
) -> None:
    contact_id = require_employer(context)
    if await daily_limits.reached(update, context, quota=Quota.MEETING, person_id=contact_id):
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        meeting = await meetings.propose(
            session,
            contact_person_id=contact_id,
            placement_id=placement_id,
            starts_at=starts_at,
            now=now,
        )
        await flows.clear(session, person_id=contact_id, flow=FLOW)
        await _ask_coach(session, meeting=meeting, now=now)
    services.wake_sender()
    actor = context.require_actor()
    await reply(
        update,
        context,
        _("✓ Proposed: {when}. The job coach confirms it, and I will tell you.").format(
            when=format_datetime(starts_at, timezone=actor.timezone, format="short")
        ),
        purpose="meeting-proposed",
    )


async def _ask_coach(session: AsyncSession, *, meeting: Meeting, now: dt.datetime) -> None:
    coach = await routing.current_coach(session, client_id=meeting.client_id, now=now)
    if coach is None or coach.id is None or coach.chat_id is None or meeting.id is None:
        return
    name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=meeting.client_id)
    contact = await session.get(Person, meeting.proposed_by_id) if meeting.proposed_by_id else None
    employer = (
        await placements.employer_name(session, employer_id=meeting.employer_id)
        if meeting.employer_id
        else None
    )
    with use_locale(coach.locale):
        text = _("📅 {contact} from {employer} proposes a meeting about {name}: {when}.").format(
            contact=escape((contact.display_name if contact else None) or "?"),
            employer=escape(employer or "?"),
            name=escape(name or "?"),
            when=when_text(meeting.starts_at, coach),
        )
        markup = {
            "inline_keyboard": [
                [
                    {"text": _("✅ Confirm"), "callback_data": encode(ACTION, "c", meeting.id)},
                    {
                        "text": _("❌ Not possible"),
                        "callback_data": encode(ACTION, "x", meeting.id),
                    },
                ]
            ]
        }
    await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML, "reply_markup": markup},
        now=now,
        person_id=coach.id,
        subject_id=meeting.client_id,
        purpose="meeting-proposal",
    )


async def _send(
    session: AsyncSession, *, person: Person, text: str, now: dt.datetime, purpose: str
) -> None:
    if person.chat_id is None:
        return
    await outbox.enqueue(
        session,
        chat_id=person.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=person.id,
        purpose=purpose,
    )


async def _decide(update: Update, context: Context, meeting_id: int, confirm: bool) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    try:
        async with services.db.session() as session:
            decided = await meetings.decide(
                session, coach_id=coach_id, meeting_id=meeting_id, confirm=confirm, now=now
            )
            when = await _announce(
                session, decided=decided, coach_id=coach_id, confirm=confirm, now=now
            )
    except MeetingGone:
        await reply(update, context, _("This button no longer works."), purpose="stale")
        return
    services.wake_sender()
    text = (
        _("✅ Meeting confirmed: {when}. Everyone gets a reminder the day before.")
        if confirm
        else _("OK. The employer can propose another time.")
    ).format(when=when)
    await edit_or_reply(update, context, text)


async def _announce(
    session: AsyncSession,
    *,
    decided: meetings.Decided,
    coach_id: int,
    confirm: bool,
    now: dt.datetime,
) -> str:
    """Tell the employer's contacts (and, when it stands, the client); the time for the coach."""
    meeting = decided.meeting
    coach = await session.get(Person, coach_id)
    assert coach is not None
    employer = (
        await placements.employer_name(session, employer_id=meeting.employer_id)
        if meeting.employer_id
        else None
    ) or "?"
    first = employers.employee_first_name(decided.client)
    for contact in decided.contacts:
        with use_locale(contact.locale):
            if confirm:
                text = _("📅 Meeting confirmed: {when}, about {employee}.").format(
                    when=when_text(meeting.starts_at, contact),
                    employee=escape(first),
                )
            else:
                text = _(
                    "The job coach cannot meet at {when}. /meeting proposes another time."
                ).format(when=when_text(meeting.starts_at, contact))
        await _send(session, person=contact, text=text, now=now, purpose="meeting-decided")
    if confirm:
        client = decided.client
        with use_locale(client.locale):
            text = _(
                "📅 A meeting about your work: {when}, with your coach {coach} and {employer}."
            ).format(
                when=when_text(meeting.starts_at, client),
                coach=escape(people.first_name(coach.display_name) or "?"),
                employer=escape(employer),
            )
        await _send(session, person=client, text=text, now=now, purpose="meeting-client")
    return when_text(meeting.starts_at, coach)


async def _coach_times(update: Update, context: Context, client_id: int) -> None:
    """The card's 📅 Meeting: a few times for a meeting with the client's employer."""
    coach_id = require_coach(context)
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    buttons = [
        InlineKeyboardButton(
            "📅 " + format_datetime(slot, timezone=actor.timezone, format="short"),
            callback_data=encode(ACTION, "k", client_id, int(slot.timestamp()) // 60),
        )
        for slot in meetings.slots(now, actor.timezone)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [InlineKeyboardButton(_("🕒 Another time"), callback_data=encode(ACTION, "m", client_id))]
    )
    await reply(
        update,
        context,
        _("📅 A meeting with {name}'s employer. When?").format(name=escape(name or "?")),
        reply_markup=InlineKeyboardMarkup(rows),
        purpose="meeting-coach-times",
    )


async def _arrange(
    update: Update, context: Context, client_id: int, starts_at: dt.datetime
) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        decided = await meetings.arrange(
            session, coach_id=coach_id, client_id=client_id, starts_at=starts_at, now=now
        )
        when = await _announce(session, decided=decided, coach_id=coach_id, confirm=True, now=now)
        await flows.clear(session, person_id=coach_id, flow=FLOW)
    services.wake_sender()
    await reply(
        update,
        context,
        _("✅ Meeting confirmed: {when}. Everyone gets a reminder the day before.").format(
            when=when
        ),
        purpose="meeting-arranged",
    )


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """Another time, typed as d.m.yyyy hh:mm (by the employer, or by the coach)."""
    message = update.effective_message
    assert message is not None
    actor = context.require_actor()
    when, refusal = meetings.read_time(
        message.text or "", actor.timezone, context.services.clock.now()
    )
    if when is None:
        await reply(
            update,
            context,
            refusal,
            purpose="meeting-retry",
        )
        return
    if flow.step == "coach-time":
        await _arrange(update, context, int(str(flow.data["client_id"])), when)
        return
    require_employer(context)
    await _propose(update, context, int(str(flow.data["placement_id"])), when)


async def _wait_for_time(
    session: AsyncSession, person_id: int, step: str, data: dict[str, object], now: dt.datetime
) -> None:
    """The person's next text is the meeting's day and time."""
    await flows.set_step(
        session,
        person_id=person_id,
        flow=FLOW,
        step=step,
        now=now,
        data=data,
        awaiting_text=True,
        merge=False,
    )


async def _ask_for_time(update: Update, context: Context) -> None:
    await reply(
        update,
        context,
        _("Write the day and time like {example}. /cancel stops.").format(example=moment_example()),
        purpose="meeting-typed",
    )


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    number = callbacks.number(parts, 1)
    if number is None:
        await answer_query(query, _("This button no longer works."))
        return
    if kind == "e":
        await answer_query(query)
        await _times(update, context, number)
    elif kind == "t" and (starts_at := callbacks.minute(parts, 2)) is not None:
        await answer_query(query)
        if starts_at <= context.services.clock.now():
            await reply(update, context, _("This button no longer works."), purpose="stale")
            return
        await _propose(update, context, number, starts_at)
    elif kind == "o":
        contact_id = require_employer(context)
        services = context.services
        now = services.clock.now()
        async with services.db.session() as session:
            await access.require_employer_act(
                session, contact_person_id=contact_id, placement_id=number, now=now
            )
            await _wait_for_time(session, contact_id, "time", {"placement_id": number}, now)
        await answer_query(query)
        await _ask_for_time(update, context)
    elif kind == "n":
        await answer_query(query)
        await _coach_times(update, context, number)
    elif kind == "k" and (starts_at := callbacks.minute(parts, 2)) is not None:
        await answer_query(query)
        if starts_at <= context.services.clock.now():
            await reply(update, context, _("This button no longer works."), purpose="stale")
            return
        await _arrange(update, context, number, starts_at)
    elif kind == "m":
        coach_id = require_coach(context)
        services = context.services
        now = services.clock.now()
        async with services.db.session() as session:
            await access.require_act(session, coach_id=coach_id, client_id=number, now=now)
            await _wait_for_time(session, coach_id, "coach-time", {"client_id": number}, now)
        await answer_query(query)
        await _ask_for_time(update, context)
    elif kind in ("c", "x"):
        await answer_query(query)
        await _decide(update, context, number, kind == "c")
    else:
        await answer_query(query, _("This button no longer works."))


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("meeting", meeting_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
