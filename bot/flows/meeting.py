"""/meeting: an employer contact proposes a meeting about their employee, the coach confirms it,
the client is told, and the dispatcher reminds everyone the day before
(bot/messages/meeting_notices.py).

The contact picks the employee (if several) and one of a few times (the next working days at 9
and 13) or types another; the coach gets ✅ Confirm / ❌ Not possible. The buttons and typed times
are declared in FLOW at the end of the module (drawn in docs/flows/meeting.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from bot.flows.employer_ask import pick_employee
from bot.flows.mechanism import END, ID, MINUTE, Command, FlowSpec, Route, Text
from bot.handlers import daily_limits
from bot.handlers.replies import edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.meeting_notices import when_text
from bot.messages.send import send_text
from bot.models.people import Person
from bot.models.placements import Meeting
from bot.runtime.context import Context, require_coach, require_employer
from bot.services import access, employers, meetings, people, placements, routing
from bot.services.access import AccessDenied
from bot.services.errors import stale_text
from bot.services.flows import Flow
from bot.services.meetings import MeetingGone
from bot.services.quotas import Quota
from bot.text.dates import format_datetime, moment_example
from bot.text.html_text import html
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.MEETING


class Step(StrEnum):
    TIME = "time"  # waiting for the employer's time, typed
    COACH_TIME = "coach-time"  # waiting for the coach's time, typed


class MeetingData(BaseModel):
    placement_id: int | None = None  # the employer's: the employee the meeting is about
    client_id: int | None = None  # the coach's: the client


async def meeting_command(update: Update, context: Context) -> None:
    """/meeting: choose the employee (if several), then a time."""
    await pick_employee(
        update,
        context,
        _times,
        choose=(ACTION, "e"),
        question=_("Who is the meeting about?"),
        purpose="meeting",
    )


def _slot_rows(
    timezone: str, now: dt.datetime, pick: tuple[str, int], other: tuple[str, int]
) -> list[list[Button]]:
    """A few times to choose (two a row), and another time to type."""
    buttons = [
        Button.press(
            "📅 " + format_datetime(slot, timezone=timezone, format="short"),
            ACTION,
            *pick,
            int(slot.timestamp()) // 60,
        )
        for slot in meetings.slots(now, timezone)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button.press(_("🕒 Another time"), ACTION, *other)])
    return rows


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
    rows = _slot_rows(actor.timezone, now, ("t", placement_id), ("o", placement_id))
    await reply(
        update,
        context,
        html(
            _("📅 A meeting about {employee}'s work with the job coach. When?"),
            employee=allowed[placement_id].first_name,
        ),
        reply_markup=Keyboard.of(rows).markup(),
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
        await FLOW.end(session, person_id=contact_id)
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
        markup = Keyboard.row(
            Button.press(_("✅ Confirm"), ACTION, "c", meeting.id),
            Button.press(_("❌ Not possible"), ACTION, "x", meeting.id),
        ).to_json()
    await send_text(
        session,
        to=coach,
        text=text,
        keyboard=markup,
        now=now,
        subject_id=meeting.client_id,
        purpose="meeting-proposal",
    )


async def _send(
    session: AsyncSession, *, person: Person, text: str, now: dt.datetime, purpose: str
) -> None:
    if person.chat_id is None:
        return
    await send_text(session, to=person, text=text, now=now, purpose=purpose)


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
        await reply(update, context, stale_text(), purpose="stale")
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
    rows = _slot_rows(actor.timezone, now, ("k", client_id), ("m", client_id))
    await reply(
        update,
        context,
        html(_("📅 A meeting with {name}'s employer. When?"), name=name or "?"),
        reply_markup=Keyboard.of(rows).markup(),
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
        await FLOW.end(session, person_id=coach_id)
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
    data = FLOW.load(flow)
    if flow.step == Step.COACH_TIME:
        await _arrange(update, context, data.client_id or 0, when)
        return
    require_employer(context)
    await _propose(update, context, data.placement_id or 0, when)


async def _wait_for_time(
    session: AsyncSession, person_id: int, step: Step, data: MeetingData, now: dt.datetime
) -> None:
    """The person's next text is the meeting's day and time."""
    await FLOW.move(session, person_id=person_id, step=step, now=now, data=data, awaiting_text=True)


async def _ask_for_time(update: Update, context: Context) -> None:
    await reply(
        update,
        context,
        _("Write the day and time like {example}. /cancel stops.").format(example=moment_example()),
        purpose="meeting-typed",
    )


async def _employee(update: Update, context: Context, placement_id: int) -> None:
    await _times(update, context, placement_id)


async def _in_future(update: Update, context: Context, starts_at: dt.datetime) -> bool:
    """A time still ahead; a time gone by is a button that no longer works."""
    if starts_at <= context.services.clock.now():
        await FLOW.answer_stale(update, context)
        return False
    return True


async def _time(
    update: Update, context: Context, placement_id: int, starts_at: dt.datetime
) -> None:
    if await _in_future(update, context, starts_at):
        await _propose(update, context, placement_id, starts_at)


async def _other_time(update: Update, context: Context, placement_id: int) -> None:
    """The employer types another time."""
    contact_id = require_employer(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await access.require_employer_act(
            session, contact_person_id=contact_id, placement_id=placement_id, now=now
        )
        await _wait_for_time(
            session, contact_id, Step.TIME, MeetingData(placement_id=placement_id), now
        )
    await _ask_for_time(update, context)


async def _coach_slot(
    update: Update, context: Context, client_id: int, starts_at: dt.datetime
) -> None:
    if await _in_future(update, context, starts_at):
        await _arrange(update, context, client_id, starts_at)


async def _coach_other_time(update: Update, context: Context, client_id: int) -> None:
    """The coach types another time."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
        await _wait_for_time(
            session, coach_id, Step.COACH_TIME, MeetingData(client_id=client_id), now
        )
    await _ask_for_time(update, context)


async def _confirm(update: Update, context: Context, meeting_id: int) -> None:
    await _decide(update, context, meeting_id, True)


async def _not_possible(update: Update, context: Context, meeting_id: int) -> None:
    await _decide(update, context, meeting_id, False)


FLOW = FlowSpec[MeetingData](
    name="meeting",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=MeetingData,
    answer_first=True,
    commands=[Command("meeting", meeting_command)],
    routes=[
        Route(("e", ID), _employee, what="the employee: a few times"),
        Route(("t", ID, MINUTE), _time, what="the employer proposes this time"),
        Route(("o", ID), _other_time, goes_to=Step.TIME, what="the employer types another time"),
        Route(("n", ID), _coach_times, what="the coach's 📅 Meeting on the card: a few times"),
        Route(("k", ID, MINUTE), _coach_slot, what="the coach agrees this time at once"),
        Route(
            ("m", ID),
            _coach_other_time,
            goes_to=Step.COACH_TIME,
            what="the coach types another time",
        ),
        Route(("c", ID), _confirm, what="the coach confirms the proposed meeting"),
        Route(("x", ID), _not_possible, what="the coach cannot meet then"),
    ],
    texts=[Text(None, on_text, goes_to=END)],
)
register = FLOW.register
