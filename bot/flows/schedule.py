"""/schedule: a client sees their check-in times and days and changes them with buttons; a coach
does the same for a client from the client card (⏰ Check-in times) or from /schedule.

Common times are buttons (7.00, 8.00, 9.00, 10.00, 12.00); "⏰ Another time" waits for a typed
time (the flow row keeps whose time and which one, so a restart continues). Days are
Monday–Friday, every day, or chosen one by one. One to four times a day: add, change or remove.
Every change recomputes the next check-in and wakes the dispatcher; a change by the coach is told
to the client.

callback_data (each press is checked again: the client themself, or the coach who acts for them):
  sc:p:PAGE              the coach's list of clients
  sc:CID:v               the client's times and days
  sc:CID:c               which time to change (several times)
  sc:CID:t:OLD           the time picker for OLD (HHMM), or "new" to add a time
  sc:CID:s:OLD:NEW       set OLD (or "new") to NEW (HHMM)
  sc:CID:o:OLD           type the time for OLD (or "new")
  sc:CID:x:OLD           remove the time OLD
  sc:CID:d               the day choices; sc:CID:k:DAYS choose one by one; sc:CID:w:DAYS save
  sc:CID:z               done (the buttons go away)
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.flows.rhythm_access import SCHEDULE_ACTION, Whose, authorise
from bot.handlers.day_picker import decode_days, preset_rows, toggle_rows
from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.pickers import CLIENTS_ACTION, client_picker
from bot.messages.rhythm_notices import queue_schedule_notice
from bot.messages.rhythm_text import (
    clock_emoji,
    date_text,
    days_text,
    refusal_text,
    time_text,
    times_text,
)
from bot.runtime.context import CompanionApplication, Context
from bot.services import flows, pauses, people, schedule_changes, summaries
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
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

FLOW = "schedule"
ACTION = SCHEDULE_ACTION
NEW = "new"


def _data(whose: Whose, *parts: str | int) -> str:
    return callbacks.encode(ACTION, whose.client_id, *parts)


def _closing_row(whose: Whose) -> list[InlineKeyboardButton]:
    if whose.is_self:
        return [InlineKeyboardButton(_("✅ Done"), callback_data=_data(whose, "z"))]
    return [
        InlineKeyboardButton(
            _("⬅️ Back to the card"),
            callback_data=callbacks.encode(CLIENTS_ACTION, "c", whose.client_id, 0),
        )
    ]


def _back_row(whose: Whose) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("↩️ Back"), callback_data=_data(whose, "v"))]


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
        lines = [_("⏰ Check-ins of {name}").format(name=escape(whose.name))]
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
    rows: list[list[InlineKeyboardButton]] = []
    if len(view.times) == 1:
        first = InlineKeyboardButton(
            _("🕐 Change the time"), callback_data=_data(whose, "t", hhmm(view.times[0]))
        )
    elif view.times:
        first = InlineKeyboardButton(_("🕐 Change a time"), callback_data=_data(whose, "c"))
    else:
        first = InlineKeyboardButton(_("➕ Add a time"), callback_data=_data(whose, "t", NEW))
    row = [first]
    if view.times and len(view.times) < MAX_TIMES:
        row.append(InlineKeyboardButton(_("➕ Add a time"), callback_data=_data(whose, "t", NEW)))
    rows.append(row)
    if view.times:
        rows.append(
            [InlineKeyboardButton(_("📅 Change the days"), callback_data=_data(whose, "d"))]
        )
    rows.append(_closing_row(whose))
    return text, InlineKeyboardMarkup(rows)


def _time_button(whose: Whose, old: str, at: dt.time) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        f"{clock_emoji(at)} {time_text(at)}", callback_data=_data(whose, "s", old, hhmm(at))
    )


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
    rows.append([InlineKeyboardButton(_("⏰ Another time"), callback_data=_data(whose, "o", old))])
    if old != NEW and len(view.times) > 1:
        rows.append(
            [InlineKeyboardButton(_("🗑️ Remove this time"), callback_data=_data(whose, "x", old))]
        )
    rows.append(_back_row(whose))
    return text, InlineKeyboardMarkup(rows)


def change_picker(view: ScheduleView, whose: Whose) -> tuple[str, InlineKeyboardMarkup]:
    """Which of several times to change (or remove)."""
    buttons = [
        InlineKeyboardButton(
            f"{clock_emoji(at)} {time_text(at)}", callback_data=_data(whose, "t", hhmm(at))
        )
        for at in view.times
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(_back_row(whose))
    return _("Which time do you want to change or remove?"), InlineKeyboardMarkup(rows)


def days_view(view: ScheduleView, whose: Whose) -> tuple[str, InlineKeyboardMarkup]:
    """Monday–Friday, every day, or the days one by one."""
    rows = preset_rows(
        view.weekdays,
        choose=lambda days: _data(whose, "w", days),
        pick=lambda days: _data(whose, "k", days),
    )
    rows.append(_back_row(whose))
    text = _("📅 On which days do you want the check-in? Now: {days}.").format(
        days=days_text(view.weekdays)
    )
    return text, InlineKeyboardMarkup(rows)


def toggle_view(whose: Whose, selected: str) -> tuple[str, InlineKeyboardMarkup]:
    """The days one by one: tap to choose or leave out, then save."""
    rows = toggle_rows(
        selected,
        toggle=lambda days: _data(whose, "k", days),
        save=lambda days: _data(whose, "w", days),
    )
    rows.append(_back_row(whose))
    return _("Tap the days to choose them, then press 💾 Save."), InlineKeyboardMarkup(rows)


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


async def _coach_picker(
    context: Context, coach_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        ids = await summaries.clients_answered_for(session, coach_id=coach_id, now=now)
        named = [
            (cid, await people.name_as_seen_by(session, viewer_id=coach_id, person_id=cid) or "?")
            for cid in ids
        ]
    if not named:
        return _("You have no clients yet. /invite makes an invite link."), None
    named.sort(key=lambda item: (item[1].casefold(), item[0]))
    rows, _page, _pages = client_picker(
        named,
        page,
        choose=lambda cid: callbacks.encode(ACTION, cid, "v"),
        turn=lambda p: callbacks.encode(ACTION, "p", p),
    )
    return _("⏰ Whose check-in times?"), InlineKeyboardMarkup(rows)


async def schedule_command(update: Update, context: Context) -> None:
    """/schedule: a client's own times and days; a coach first chooses the client."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if actor.is_client:
        await show(update, context, await authorise(context, actor.person_id))
        return
    text, keyboard = await _coach_picker(context, actor.person_id, 0)
    await reply(update, context, text, reply_markup=keyboard, purpose="schedule-pick")


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


async def _apply(context: Context, whose: Whose, op: str, args: list[str]) -> ScheduleView | None:
    """Make the change a button or typed time asks for; None when the arguments are not valid."""
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        if op == "s" and len(args) == 2:
            new = from_hhmm(args[1])
            old = None if args[0] == NEW else from_hhmm(args[0])
            if new is None or (old is None and args[0] != NEW):
                return None
            return await schedule_changes.set_time(
                session, client_id=whose.client_id, old=old, new=new, now=now
            )
        if op == "x" and len(args) == 1:
            old = from_hhmm(args[0])
            if old is None:
                return None
            return await schedule_changes.remove_time(
                session, client_id=whose.client_id, old=old, now=now
            )
        if op == "w" and len(args) == 1:
            days = decode_days(args[0])
            if days is None:
                return None
            return await schedule_changes.set_weekdays(
                session, client_id=whose.client_id, weekdays=days, now=now
            )
    return None


async def on_button(update: Update, context: Context) -> None:
    """A button of /schedule."""
    query = update.callback_query
    assert query is not None
    _action, parts = callbacks.decode(query.data)
    actor = context.require_actor()
    if parts[:1] == ["p"] and actor.is_coach and actor.person_id is not None:
        await answer_query(query)
        text, keyboard = await _coach_picker(
            context, actor.person_id, callbacks.number(parts, 1) or 0
        )
        await edit_or_reply(update, context, text, reply_markup=keyboard)
        return
    client_id = callbacks.number(parts, 0)
    op = parts[1] if len(parts) > 1 else ""
    if client_id is None:
        await answer_query(query, _("This button no longer works."))
        return
    whose = await authorise(context, client_id)
    args = parts[2:]
    if op in ("s", "x", "w"):
        try:
            view = await _apply(context, whose, op, args)
        except ScheduleChangeError as exc:
            await answer_query(query, refusal_text(exc))
            await show(update, context, whose)
            return
        if view is None:
            await answer_query(query, _("This button no longer works."))
            return
        await answer_query(query, _("✓ Saved."))
        await _changed(context, whose, view, actor)
        await show(update, context, whose, notice=_("✓ Saved."))
        return
    await answer_query(query)
    if op == "z":
        view, pause = await _current(context, client_id)
        await edit_or_reply(update, context, main_text(view, whose, pause=pause))
        return
    if op == "o" and len(args) == 1 and (args[0] == NEW or from_hhmm(args[0]) is not None):
        await _ask_for_time(update, context, whose, args[0])
        return
    view, _pause = await _current(context, client_id)
    if op == "t" and len(args) == 1 and (args[0] == NEW or from_hhmm(args[0]) in view.times):
        text, keyboard = time_picker(view, whose, args[0])
    elif op == "c" and view.times:
        text, keyboard = change_picker(view, whose)
    elif op == "d" and view.times:
        text, keyboard = days_view(view, whose)
    elif op == "k" and len(args) == 1 and decode_days(args[0]) is not None:
        text, keyboard = toggle_view(whose, decode_days(args[0]) or "")
    else:
        await show(update, context, whose)
        return
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _ask_for_time(update: Update, context: Context, whose: Whose, old: str) -> None:
    """Wait for a typed time (kept in the person's flow row)."""
    actor = context.require_actor()
    assert actor.person_id is not None
    services = context.services
    async with services.db.session() as session:
        await flows.set_step(
            session,
            person_id=actor.person_id,
            flow=FLOW,
            step="time",
            now=services.clock.now(),
            data={"client_id": whose.client_id, "old": old},
            awaiting_text=True,
            merge=False,
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
    client_id = int(str(flow.data.get("client_id")))
    old = str(flow.data.get("old") or NEW)
    reading = read_time(message.text or "")
    typed = reading.time
    if typed is None:
        async with services.db.session() as session:
            await flows.set_step(
                session,
                person_id=actor.person_id,
                flow=FLOW,
                step="time",
                now=services.clock.now(),
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
        await flows.clear(session, person_id=actor.person_id, flow=FLOW)
    whose = await authorise(context, client_id)
    try:
        view = await _apply(context, whose, "s", [old, hhmm(typed)])
    except ScheduleChangeError as exc:
        await show(update, context, whose, notice=refusal_text(exc))
        return
    if view is None:
        await show(update, context, whose)
        return
    await _changed(context, whose, view, actor)
    await show(update, context, whose, notice=_("✓ Saved."))


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("schedule", schedule_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
