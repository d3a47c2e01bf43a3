"""/schedule: a client sees their check-in times and days and changes them with buttons; a coach
does the same for a client from the client card (⏰ Check-in times) or from /schedule.

Common times are buttons (7.00, 8.00, 9.00, 10.00, 12.00); "⏰ Another time" waits for a typed
time (the flow row keeps whose time and which one, so a restart continues). Days are
Monday–Friday, every day, or chosen one by one. One to four times a day: add, change or remove.
Every change recomputes the next check-in and wakes the dispatcher; a change by the coach is told
to the client.

Each press is checked again: the client themself, or the coach who acts for them. Times travel
as HHMM, days as their ISO digits. The buttons, steps and typed time are declared in FLOW at the
end of the module (drawn in docs/flows/schedule.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot.flows.mechanism import END, ID, PAGE, Command, FlowSpec, Part, Route, Text
from bot.flows.rhythm_access import (
    Whose,
    authorise,
    closing_row,
    rhythm_command,
    turn_page,
)
from bot.handlers.day_picker import decode_days, preset_rows, toggle_rows
from bot.handlers.replies import answer_query, edit_or_reply, reply
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.rhythm_notices import queue_schedule_notice
from bot.messages.rhythm_text import (
    clock_emoji,
    date_text,
    days_text,
    refusal_text,
    time_text,
    times_text,
)
from bot.runtime.context import Context
from bot.services import pauses, schedule_changes
from bot.services.flows import Flow
from bot.services.people import Actor
from bot.services.schedule_changes import (
    COMMON_TIMES,
    MAX_TIMES,
    ScheduleChangeError,
    ScheduleView,
    from_hhmm,
    hhmm,
)
from bot.text.dates import format_time, read_time
from bot.text.html_text import html
from bot.text.i18n import N_, _

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.SCHEDULE
PICK_TITLE = N_("⏰ Whose check-in times?")
NEW = "new"


class Step(StrEnum):
    TIME = "time"  # waiting for a time, typed


class ScheduleData(BaseModel):
    client_id: int
    old: str = NEW  # the time (HHMM) the typed one replaces, or "new" to add one


def _button(label: str, whose: Whose, *parts: str | int) -> Button:
    return Button.press(label, ACTION, whose.client_id, *parts)


def _back_row(whose: Whose) -> list[Button]:
    return [_button(_("↩️ Back"), whose, "v")]


def _next_text(view: ScheduleView) -> str | None:
    if view.next_due_at is None:
        return None
    local = view.next_due_at.astimezone(ZoneInfo(view.timezone))
    return _("Next check-in: {day} at {time}.").format(
        day=date_text(local.date()), time=time_text(local.time())
    )


def main_text(view: ScheduleView, whose: Whose, *, pause: tuple[dt.date, dt.date] | None) -> str:
    """The times, the days and the next check-in, in plain words."""
    if whose.is_self:
        lines = [_("⏰ Your check-ins")]
    else:
        lines = [html(_("⏰ Check-ins of {name}"), name=whose.name)]
    if not view.times:
        lines.append(
            _("You have no check-in time yet.") if whose.is_self else _("No check-in time yet.")
        )
        return "\n".join(lines)
    if len(view.times) == 1:
        lines.append(_("Time: {time}").format(time=time_text(view.times[0])))
    else:
        lines.append(_("Times: {times}").format(times=times_text(view.times)))
    lines.append(_("Days: {days}").format(days=days_text(view.weekdays)))
    if pause is not None:
        lines.append(
            _("⏸️ Paused from {first} to {last}.").format(
                first=date_text(pause[0]), last=date_text(pause[1])
            )
        )
    following = _next_text(view)
    if following:
        lines.append(following)
    return "\n".join(lines)


def main_view(
    view: ScheduleView,
    whose: Whose,
    *,
    pause: tuple[dt.date, dt.date] | None = None,
    notice: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The times and days with buttons to change them."""
    text = main_text(view, whose, pause=pause)
    if notice:
        text = f"{notice}\n\n{text}"
    rows: list[list[Button]] = []
    if len(view.times) == 1:
        first = _button(_("🕐 Change the time"), whose, "t", hhmm(view.times[0]))
    elif view.times:
        first = _button(_("🕐 Change a time"), whose, "c")
    else:
        first = _button(_("➕ Add a time"), whose, "t", NEW)
    row = [first]
    if view.times and len(view.times) < MAX_TIMES:
        row.append(_button(_("➕ Add a time"), whose, "t", NEW))
    rows.append(row)
    if view.times:
        rows.append([_button(_("📅 Change the days"), whose, "d")])
    rows.append(closing_row(whose, ACTION))
    return text, Keyboard.of(rows).markup()


def _time_button(whose: Whose, old: str, at: dt.time) -> Button:
    return _button(f"{clock_emoji(at)} {time_text(at)}", whose, "s", old, hhmm(at))


def time_picker(view: ScheduleView, whose: Whose, old: str) -> tuple[str, InlineKeyboardMarkup]:
    """Common times as buttons, another time to type, and (with several times) remove."""
    if old == NEW:
        text = _("➕ Choose a time to add:")
    else:
        current = from_hhmm(old)
        text = _("🕐 The check-in is now at {time}. Choose the new time:").format(
            time=time_text(current) if current else "?"
        )
    taken = set(view.times)
    offered = [t for t in COMMON_TIMES if t not in taken]
    buttons = [_time_button(whose, old, at) for at in offered]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([_button(_("⏰ Another time"), whose, "o", old)])
    if old != NEW and len(view.times) > 1:
        rows.append([_button(_("🗑️ Remove this time"), whose, "x", old)])
    rows.append(_back_row(whose))
    return text, Keyboard.of(rows).markup()


def change_picker(view: ScheduleView, whose: Whose) -> tuple[str, InlineKeyboardMarkup]:
    """Which of several times to change (or remove)."""
    buttons = [
        _button(f"{clock_emoji(at)} {time_text(at)}", whose, "t", hhmm(at)) for at in view.times
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(_back_row(whose))
    return _("Which time do you want to change or remove?"), Keyboard.of(rows).markup()


def days_view(view: ScheduleView, whose: Whose) -> tuple[str, InlineKeyboardMarkup]:
    """Monday–Friday, every day, or the days one by one."""
    rows = preset_rows(
        view.weekdays,
        choose=lambda days: (ACTION, whose.client_id, "w", days),
        pick=lambda days: (ACTION, whose.client_id, "k", days),
    )
    rows.append(_back_row(whose))
    text = _("📅 On which days do you want the check-in? Now: {days}.").format(
        days=days_text(view.weekdays)
    )
    return text, Keyboard.of(rows).markup()


def toggle_view(whose: Whose, selected: str) -> tuple[str, InlineKeyboardMarkup]:
    """The days one by one: tap to choose or leave out, then save."""
    rows = toggle_rows(
        selected,
        toggle=lambda days: (ACTION, whose.client_id, "k", days),
        save=lambda days: (ACTION, whose.client_id, "w", days),
    )
    rows.append(_back_row(whose))
    return _("Tap the days to choose them, then press 💾 Save."), Keyboard.of(rows).markup()


async def _current(
    context: Context, client_id: int
) -> tuple[ScheduleView, tuple[dt.date, dt.date] | None]:
    services = context.services
    async with services.db.session() as session:
        view = await schedule_changes.view(session, client_id=client_id)
        pause = await pauses.current(session, client_id=client_id, now=services.clock.now())
    return view, (pause.starts_on, pause.ends_on) if pause is not None else None


async def show(
    update: Update, context: Context, whose: Whose, *, notice: str | None = None
) -> None:
    """The client's times and days, in place of the pressed message (or as a new one)."""
    view, pause = await _current(context, whose.client_id)
    text, keyboard = main_view(view, whose, pause=pause, notice=notice)
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def schedule_command(update: Update, context: Context) -> None:
    """/schedule: a client's own times and days; a coach first chooses the client."""
    await rhythm_command(
        update, context, show, action=ACTION, title=PICK_TITLE, purpose="schedule-pick"
    )


async def _changed(context: Context, whose: Whose, view: ScheduleView, actor: Actor) -> None:
    """After a change: wake the dispatcher; a coach's change is told to the client."""
    services = context.services
    if not whose.is_self and actor.person_id is not None:
        async with services.db.session() as session:
            await queue_schedule_notice(
                session, schedule=view, coach_id=actor.person_id, now=services.clock.now()
            )
        services.wake_sender()
    services.wake_dispatcher()
    _LOGGER.info(
        "person %s changed the check-in times of client %s", actor.person_id, whose.client_id
    )


Change = Callable[[AsyncSession, Whose, dt.datetime], Awaitable[ScheduleView]]


async def _save(update: Update, context: Context, client_id: int, change: Change) -> None:
    """Make the change a button asks for, and show the times with ✓ Saved (or why not)."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    whose = await authorise(context, client_id)
    services = context.services
    try:
        async with services.db.session() as session:
            view = await change(session, whose, services.clock.now())
    except ScheduleChangeError as exc:
        await answer_query(query, refusal_text(exc))
        await show(update, context, whose)
        return
    await answer_query(query, _("✓ Saved."))
    await _changed(context, whose, view, actor)
    await show(update, context, whose, notice=_("✓ Saved."))


def _old(text: str) -> dt.time | None:
    return None if text == NEW else from_hhmm(text)


async def _set(update: Update, context: Context, client_id: int, old: str, new: dt.time) -> None:
    async def change(session: AsyncSession, whose: Whose, now: dt.datetime) -> ScheduleView:
        return await schedule_changes.set_time(
            session, client_id=whose.client_id, old=_old(old), new=new, now=now
        )

    await _save(update, context, client_id, change)


async def _remove(update: Update, context: Context, client_id: int, old: dt.time) -> None:
    async def change(session: AsyncSession, whose: Whose, now: dt.datetime) -> ScheduleView:
        return await schedule_changes.remove_time(
            session, client_id=whose.client_id, old=old, now=now
        )

    await _save(update, context, client_id, change)


async def _weekdays(update: Update, context: Context, client_id: int, days: str) -> None:
    async def change(session: AsyncSession, whose: Whose, now: dt.datetime) -> ScheduleView:
        return await schedule_changes.set_weekdays(
            session, client_id=whose.client_id, weekdays=days, now=now
        )

    await _save(update, context, client_id, change)


View = tuple[str, InlineKeyboardMarkup]


async def _shown(update: Update, context: Context, client_id: int) -> tuple[Whose, ScheduleView]:
    """Whose times, after the press is answered, and the times as they are now."""
    whose = await authorise(context, client_id)
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    view, _pause = await _current(context, client_id)
    return whose, view


async def _picker(
    update: Update,
    context: Context,
    client_id: int,
    picker: Callable[[ScheduleView, Whose], View | None],
) -> None:
    """A picker in place of the pressed message; the times and days when it has nothing to
    offer (the time is gone, there are no times)."""
    whose, view = await _shown(update, context, client_id)
    shown = picker(view, whose)
    if shown is None:
        await show(update, context, whose)
        return
    text, keyboard = shown
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _show(update: Update, context: Context, client_id: int) -> None:
    await _picker(update, context, client_id, lambda view, whose: None)


async def _time(update: Update, context: Context, client_id: int, old: str) -> None:
    """The time picker for a time the client has (or a new one)."""

    def picker(view: ScheduleView, whose: Whose) -> View | None:
        if old != NEW and from_hhmm(old) not in view.times:
            return None
        return time_picker(view, whose, old)

    await _picker(update, context, client_id, picker)


async def _which(update: Update, context: Context, client_id: int) -> None:
    """Which of several times to change."""
    await _picker(
        update, context, client_id, lambda view, w: change_picker(view, w) if view.times else None
    )


async def _days(update: Update, context: Context, client_id: int) -> None:
    await _picker(
        update, context, client_id, lambda view, w: days_view(view, w) if view.times else None
    )


async def _toggle(update: Update, context: Context, client_id: int, days: str) -> None:
    await _picker(update, context, client_id, lambda view, whose: toggle_view(whose, days))


async def _done(update: Update, context: Context, client_id: int) -> None:
    whose = await authorise(context, client_id)
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    view, pause = await _current(context, client_id)
    await edit_or_reply(update, context, main_text(view, whose, pause=pause))


async def _type(update: Update, context: Context, client_id: int, old: str) -> None:
    whose = await authorise(context, client_id)
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await _ask_for_time(update, context, whose, old)


async def _page(update: Update, context: Context, page: int) -> None:
    await turn_page(update, context, page, action=ACTION, title=PICK_TITLE)


async def _ask_for_time(update: Update, context: Context, whose: Whose, old: str) -> None:
    """Wait for a typed time (kept in the person's flow row)."""
    actor = context.require_actor()
    assert actor.person_id is not None
    services = context.services
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=actor.person_id,
            step=Step.TIME,
            now=services.clock.now(),
            data=ScheduleData(client_id=whose.client_id, old=old),
            awaiting_text=True,
        )
    await reply(
        update,
        context,
        _("Write the time, for example {example}. /cancel stops.").format(
            example=format_time(dt.time(8, 30))
        ),
        purpose="schedule-typed",
    )


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """A typed check-in time."""
    actor = context.require_actor()
    message = update.effective_message
    assert actor.person_id is not None and message is not None
    services = context.services
    data = FLOW.load(flow)
    client_id, old = data.client_id, data.old
    reading = read_time(message.text or "")
    typed = reading.time
    if typed is None:
        async with services.db.session() as session:
            await FLOW.move(
                session,
                person_id=actor.person_id,
                step=Step.TIME,
                now=services.clock.now(),
                data=data,
                awaiting_text=True,
            )
        await reply(
            update,
            context,
            reading.refusal,
            purpose="schedule-typed-retry",
        )
        return
    async with services.db.session() as session:
        await FLOW.end(session, person_id=actor.person_id)
    whose = await authorise(context, client_id)
    if old != NEW and from_hhmm(old) is None:
        await show(update, context, whose)
        return
    try:
        async with services.db.session() as session:
            view = await schedule_changes.set_time(
                session, client_id=client_id, old=_old(old), new=typed, now=services.clock.now()
            )
    except ScheduleChangeError as exc:
        await show(update, context, whose, notice=refusal_text(exc))
        return
    await _changed(context, whose, view, actor)
    await show(update, context, whose, notice=_("✓ Saved."))


_TIME: Part[dt.time] = Part("time", from_hhmm)
_OLD: Part[str] = Part("old", lambda text: text if text == NEW or from_hhmm(text) else None)
_DAYS: Part[str] = Part("days", decode_days)

FLOW = FlowSpec[ScheduleData](
    name="schedule",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=ScheduleData,
    commands=[Command("schedule", schedule_command)],
    routes=[
        Route(("p", PAGE), _page, what="the coach's list of clients"),
        Route((ID, "v"), _show, what="the client's times and days"),
        Route((ID, "c"), _which, what="which time to change (several times)"),
        Route((ID, "t", _OLD), _time, what="the time picker for OLD, or new to add a time"),
        Route((ID, "s", _OLD, _TIME), _set, what="set OLD (or new) to TIME"),
        Route((ID, "o", _OLD), _type, goes_to=Step.TIME, what="type the time for OLD"),
        Route((ID, "x", _TIME), _remove, what="remove the time"),
        Route((ID, "d"), _days, what="the day choices"),
        Route((ID, "k", _DAYS), _toggle, what="choose the days one by one"),
        Route((ID, "w", _DAYS), _weekdays, what="save the days"),
        Route((ID, "z"), _done, what="done: the buttons go away"),
    ],
    texts=[Text(Step.TIME, on_text, goes_to=END)],
)
register = FLOW.register
