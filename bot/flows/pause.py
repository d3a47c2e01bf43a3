"""/pause: a client pauses their check-ins (or ends a pause early); a coach does the same for a
client from the client card (⏸️ Pause) or from /pause.

Three taps: when it starts (today, tomorrow, or a typed day), how long (one day, one week, two
weeks, or until a typed day), and why (holiday, sick, hospital, other). The other side is told
in their own language (bot/messages/rhythm_notices.py). With a pause going on or coming,
/pause shows it with ▶️ End the pause.

Each press is checked again: the client themself, or the coach who acts for them. Days travel
as YYYYMMDD. The buttons, steps and typed days are declared in FLOW at the end of the module
(drawn in docs/flows/pause.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

from pydantic import BaseModel
from telegram import InlineKeyboardMarkup, Update

from bot.flows.mechanism import DAY, END, ID, PAGE, Command, FlowSpec, Route, Text, code
from bot.flows.rhythm_access import (
    Whose,
    authorise,
    closing_row,
    rhythm_command,
    turn_page,
)
from bot.handlers.replies import answer_query, edit_or_reply, reply
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.rhythm_notices import queue_pause_notice
from bot.messages.rhythm_text import date_text, reason_text, refusal_text
from bot.models.checkins import CheckinPause, PauseReason
from bot.runtime.context import Context
from bot.services import pauses
from bot.services.access import AccessDenied
from bot.services.flows import Flow
from bot.services.pauses import PauseError
from bot.text.dates import day_month_example, read_date
from bot.text.html_text import html
from bot.text.i18n import N_, _

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.PAUSE
PICK_TITLE = N_("⏸️ Whose check-ins do you want to pause?")
REASON_CODES: dict[str, PauseReason] = {
    "h": PauseReason.HOLIDAY,
    "s": PauseReason.SICK,
    "p": PauseReason.HOSPITAL,
    "o": PauseReason.OTHER,
}


class Step(StrEnum):
    START = "start"  # waiting for the first day, typed
    END = "end"  # waiting for the last day, typed


class PauseData(BaseModel):
    client_id: int
    start: str | None = None  # the first day (YYYYMMDD) when the last one is typed


def _button(label: str, whose: Whose, *parts: str | int) -> Button:
    return Button.press(label, ACTION, whose.client_id, *parts)


def day_code(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def from_day_code(text: str) -> dt.date | None:
    return callbacks.day(text)


def _title(whose: Whose) -> str:
    if whose.is_self:
        return _("⏸️ A pause in your check-ins")
    return html(_("⏸️ A pause in the check-ins of {name}"), name=whose.name)


def pause_text(pause: CheckinPause) -> str:
    """The pause in one sentence."""
    return _("Check-ins are paused from {first} to {last}. Reason: {reason}.").format(
        first=date_text(pause.starts_on),
        last=date_text(pause.ends_on),
        reason=reason_text(pause.reason),
    )


def current_view(whose: Whose, pause: CheckinPause) -> tuple[str, InlineKeyboardMarkup]:
    """A pause going on (or coming), with End the pause."""
    text = "\n\n".join([_title(whose), pause_text(pause)])
    rows = [[_button(_("▶️ End the pause"), whose, "e", pause.id or 0)], closing_row(whose, ACTION)]
    return text, Keyboard.of(rows).markup()


def start_view(whose: Whose, today: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    """When does the pause start?"""
    explain = _(
        "During a pause I send no check-ins and no reminders. "
        "Messages with the coach work as usual."
    )
    text = "\n\n".join([_title(whose), explain, _("When does the pause start?")])
    tomorrow = today + dt.timedelta(days=1)
    rows = [
        [
            _button(_("📍 Today"), whose, "s", day_code(today)),
            _button(_("➡️ Tomorrow"), whose, "s", day_code(tomorrow)),
        ],
        [_button(_("📅 Another day"), whose, "o")],
        closing_row(whose, ACTION),
    ]
    return text, Keyboard.of(rows).markup()


def length_view(whose: Whose, start: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    """How long is the pause?"""
    text = _("The pause starts on {first}. How long is it?").format(first=date_text(start))
    s = day_code(start)

    def until(label: str, days: int) -> Button:
        return _button(label, whose, "l", s, day_code(start + dt.timedelta(days=days - 1)))

    rows = [
        [until(_("1️⃣ One day"), 1), until(_("🗓️ One week"), 7)],
        [until(_("🗓️ Two weeks"), 14), _button(_("📅 Until a day I write"), whose, "u", s)],
        [_button(_("↩️ Back"), whose, "v")],
    ]
    return text, Keyboard.of(rows).markup()


def reason_view(whose: Whose, start: dt.date, end: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    """Why the pause?"""
    text = _("The pause is from {first} to {last}. What is the reason?").format(
        first=date_text(start), last=date_text(end)
    )
    s, e = day_code(start), day_code(end)
    buttons = [
        _button(reason_text(reason), whose, "r", s, e, code)
        for code, reason in REASON_CODES.items()
    ]
    rows = [buttons[:2], buttons[2:], [_button(_("↩️ Back"), whose, "s", s)]]
    return text, Keyboard.of(rows).markup()


async def _pause_and_today(context: Context, client_id: int) -> tuple[CheckinPause | None, dt.date]:
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        pause = await pauses.current(session, client_id=client_id, now=now)
        today = await pauses.today_of(session, client_id=client_id, now=now)
    return pause, today


async def show(
    update: Update, context: Context, whose: Whose, *, notice: str | None = None
) -> None:
    """The pause going on, or the first step of a new one."""
    pause, today = await _pause_and_today(context, whose.client_id)
    if pause is not None:
        text, keyboard = current_view(whose, pause)
    else:
        text, keyboard = start_view(whose, today)
    if notice:
        text = f"{notice}\n\n{text}"
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def pause_command(update: Update, context: Context) -> None:
    """/pause: a client's own pause; a coach first chooses the client."""
    await rhythm_command(
        update, context, show, action=ACTION, title=PICK_TITLE, purpose="pause-pick"
    )


def _told_text(whose: Whose) -> str:
    if whose.is_self:
        return _("Your coach is told.")
    return html(_("{name} is told."), name=whose.name)


async def _make(
    update: Update,
    context: Context,
    whose: Whose,
    start: dt.date,
    end: dt.date,
    reason: PauseReason,
) -> None:
    """Save the pause, tell the other side, and show it."""
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        pause = await pauses.start_pause(
            session,
            client_id=whose.client_id,
            created_by_id=actor.person_id,
            starts_on=start,
            ends_on=end,
            reason=reason,
            now=now,
        )
        assert actor.person_id is not None
        told = await queue_pause_notice(
            session, pause=pause, actor_id=actor.person_id, ended=False, now=now
        )
    _LOGGER.info("person %s paused the check-ins of client %s", actor.person_id, whose.client_id)
    services.wake_sender()
    services.wake_dispatcher()
    notice = _("✓ Saved.") + (" " + _told_text(whose) if told else "")
    await show(update, context, whose, notice=notice)


async def _end(update: Update, context: Context, whose: Whose, pause_id: int) -> None:
    """End the pause now and tell the other side."""
    actor = context.require_actor()
    assert actor.person_id is not None
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        ended = await pauses.end_pause(
            session, client_id=whose.client_id, pause_id=pause_id, now=now
        )
        told = await queue_pause_notice(
            session, pause=ended, actor_id=actor.person_id, ended=True, now=now
        )
    _LOGGER.info(
        "person %s ended pause %s of client %s", actor.person_id, pause_id, whose.client_id
    )
    services.wake_sender()
    services.wake_dispatcher()
    text = _("▶️ The pause has ended. Check-ins come again at their times.")
    if told:
        text += " " + _told_text(whose)
    await edit_or_reply(
        update, context, text, reply_markup=Keyboard.row(*closing_row(whose, ACTION)).markup()
    )


async def _page(update: Update, context: Context, page: int) -> None:
    await turn_page(update, context, page, action=ACTION, title=PICK_TITLE)


Act = Callable[[Whose], Awaitable[object]]


async def _pressed(
    update: Update, context: Context, client_id: int, act: Act | None, then: Act | None = None
) -> None:
    """A press for `client_id`'s pause: `act`, the press answered, then `then`. A day that is
    over, too far ahead or in the wrong order is said on the button, and the pause shown."""
    whose = await authorise(context, client_id)
    query = update.callback_query
    assert query is not None
    try:
        if act is not None:
            await act(whose)
    except PauseError as exc:
        await answer_query(query, refusal_text(exc))
        await show(update, context, whose)
        return
    await answer_query(query)
    if then is not None:
        await then(whose)


async def _edit(update: Update, context: Context, view: tuple[str, InlineKeyboardMarkup]) -> None:
    text, keyboard = view
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _show(update: Update, context: Context, client_id: int) -> None:
    await _pressed(update, context, client_id, None, lambda whose: show(update, context, whose))


async def _first_day(update: Update, context: Context, client_id: int, start: dt.date) -> None:
    """The first day chosen: how long?"""
    await _pressed(
        update,
        context,
        client_id,
        lambda whose: _check(context, whose, start, None),
        lambda whose: _edit(update, context, length_view(whose, start)),
    )


async def _last_day(
    update: Update, context: Context, client_id: int, start: dt.date, end: dt.date
) -> None:
    """The last day chosen: why?"""
    await _pressed(
        update,
        context,
        client_id,
        lambda whose: _check(context, whose, start, end),
        lambda whose: _edit(update, context, reason_view(whose, start, end)),
    )


async def _reason(
    update: Update, context: Context, client_id: int, start: dt.date, end: dt.date, code: str
) -> None:
    """The reason chosen: the pause is made."""
    reason = REASON_CODES[code]
    await _pressed(
        update, context, client_id, lambda whose: _make(update, context, whose, start, end, reason)
    )


async def _end_now(update: Update, context: Context, client_id: int, pause_id: int) -> None:
    await _pressed(update, context, client_id, lambda whose: _end(update, context, whose, pause_id))


async def _done(update: Update, context: Context, client_id: int) -> None:
    async def done(_whose: Whose) -> None:
        pause, _today = await _pause_and_today(context, client_id)
        await edit_or_reply(update, context, pause_text(pause) if pause else _("No pause."))

    await _pressed(update, context, client_id, None, done)


async def _type_first(update: Update, context: Context, client_id: int) -> None:
    await _pressed(
        update,
        context,
        client_id,
        None,
        lambda whose: _ask_for_day(update, context, whose, Step.START, None),
    )


async def _type_last(update: Update, context: Context, client_id: int, start: dt.date) -> None:
    await _pressed(
        update,
        context,
        client_id,
        None,
        lambda whose: _ask_for_day(update, context, whose, Step.END, start),
    )


async def _check(context: Context, whose: Whose, start: dt.date, end: dt.date | None) -> None:
    """Refuse days that are over, too far ahead, or in the wrong order (a stale button)."""
    services = context.services
    async with services.db.session() as session:
        today = await pauses.today_of(session, client_id=whose.client_id, now=services.clock.now())
    pauses.check_days(starts_on=start, ends_on=end, today=today)


async def _ask_for_day(
    update: Update, context: Context, whose: Whose, step: Step, start: dt.date | None
) -> None:
    """Wait for a typed day (kept in the person's flow row)."""
    actor = context.require_actor()
    assert actor.person_id is not None
    services = context.services
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=actor.person_id,
            step=step,
            now=services.clock.now(),
            data=PauseData(client_id=whose.client_id, start=day_code(start) if start else None),
            awaiting_text=True,
        )
    text = (
        _("Write the first day of the pause, for example {example}. /cancel stops.").format(
            example=day_month_example(dt.date(2026, 12, 24))
        )
        if step == Step.START
        else _("Write the last day of the pause, for example {example}. /cancel stops.").format(
            example=day_month_example(dt.date(2026, 12, 31))
        )
    )
    await reply(update, context, text, purpose="pause-typed")


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """A typed first or last day of a pause."""
    actor = context.require_actor()
    message = update.effective_message
    assert actor.person_id is not None and message is not None
    services = context.services
    now = services.clock.now()
    data = FLOW.load(flow)
    client_id = data.client_id
    try:
        whose = await authorise(context, client_id)
    except AccessDenied:
        async with services.db.session() as session:
            await FLOW.end(session, person_id=actor.person_id)
        raise
    start = from_day_code(data.start or "")
    async with services.db.session() as session:
        today = await pauses.today_of(session, client_id=client_id, now=now)
    reading = read_date(message.text or "", today=today)
    typed = reading.day
    problem: str | None = None
    if typed is None:
        problem = reading.refusal
    else:
        try:
            if flow.step == Step.START:
                pauses.check_days(starts_on=typed, ends_on=None, today=today)
            else:
                pauses.check_days(starts_on=start or today, ends_on=typed, today=today)
        except PauseError as exc:
            problem = refusal_text(exc)
    if problem is not None or typed is None:
        async with services.db.session() as session:
            await FLOW.move(
                session,
                person_id=actor.person_id,
                step=flow.step,
                now=now,
                data=data,
                awaiting_text=True,
            )
        await reply(update, context, problem or "", purpose="pause-typed-retry")
        return
    async with services.db.session() as session:
        await FLOW.end(session, person_id=actor.person_id)
    if flow.step == Step.START:
        text, keyboard = length_view(whose, typed)
    else:
        text, keyboard = reason_view(whose, start or today, typed)
    await reply(update, context, text, reply_markup=keyboard, purpose="pause-step")


_REASON = code("reason", REASON_CODES)

FLOW = FlowSpec[PauseData](
    name="pause",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=PauseData,
    commands=[Command("pause", pause_command)],
    routes=[
        Route(("p", PAGE), _page, what="the coach's list of clients"),
        Route((ID, "v"), _show, what="the pause, or the start of a new one"),
        Route((ID, "s", DAY), _first_day, what="the first day chosen: how long?"),
        Route((ID, "o"), _type_first, goes_to=Step.START, what="type the first day"),
        Route((ID, "l", DAY, DAY), _last_day, what="the last day chosen: why?"),
        Route((ID, "u", DAY), _type_last, goes_to=Step.END, what="type the last day"),
        Route((ID, "r", DAY, DAY, _REASON), _reason, what="make the pause, with its reason"),
        Route((ID, "e", ID), _end_now, what="end the pause now"),
        Route((ID, "z"), _done, what="done: the buttons go away"),
    ],
    texts=[Text(None, on_text, goes_to=END)],
)
register = FLOW.register
