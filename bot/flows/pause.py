"""/pause: a client pauses their check-ins (or ends a pause early); a coach does the same for a
client from the client card (⏸️ Pause) or from /pause.

Three taps: when it starts (today, tomorrow, or a typed day), how long (one day, one week, two
weeks, or until a typed day), and why (holiday, sick, hospital, other). The other side is told
in their own language (bot/messages/rhythm_notices.py). With a pause going on or coming,
/pause shows it with ▶️ End the pause.

callback_data (each press is checked again: the client themself, or the coach who acts for them):
  pa:p:PAGE                      the coach's list of clients
  pa:CID:v                       the pause, or the start of a new one
  pa:CID:s:START                 the first day chosen (YYYYMMDD) → how long
  pa:CID:o                       type the first day
  pa:CID:l:START:END             the last day chosen → why
  pa:CID:u:START                 type the last day
  pa:CID:r:START:END:R           make the pause (R: h holiday, s sick, p hospital, o other)
  pa:CID:e:PAUSE                 end the pause now
  pa:CID:z                       done (the buttons go away)
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.flows.rhythm_access import PAUSE_ACTION, Whose, authorise
from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.pickers import CLIENTS_ACTION, client_picker
from bot.messages.rhythm_notices import queue_pause_notice
from bot.messages.rhythm_text import date_text, reason_text, refusal_text
from bot.models.checkins import CheckinPause, PauseReason
from bot.runtime.context import CompanionApplication, Context
from bot.services import flows, pauses, people, summaries
from bot.services.access import AccessDenied
from bot.services.flows import Flow
from bot.services.pauses import PauseError
from bot.text.dates import day_month_example, read_date
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

FLOW = "pause"
ACTION = PAUSE_ACTION
REASON_CODES: dict[str, PauseReason] = {
    "h": PauseReason.HOLIDAY,
    "s": PauseReason.SICK,
    "p": PauseReason.HOSPITAL,
    "o": PauseReason.OTHER,
}


def _data(whose: Whose, *parts: str | int) -> str:
    return callbacks.encode(ACTION, whose.client_id, *parts)


def day_code(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def from_day_code(text: str) -> dt.date | None:
    return callbacks.day(text)


def _closing_row(whose: Whose) -> list[InlineKeyboardButton]:
    if whose.is_self:
        return [InlineKeyboardButton(_("✅ Done"), callback_data=_data(whose, "z"))]
    return [
        InlineKeyboardButton(
            _("⬅️ Back to the card"),
            callback_data=callbacks.encode(CLIENTS_ACTION, "c", whose.client_id, 0),
        )
    ]


def _title(whose: Whose) -> str:
    if whose.is_self:
        return _("⏸️ A pause in your check-ins")
    return _("⏸️ A pause in the check-ins of {name}").format(name=escape(whose.name))


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
    rows = [
        [
            InlineKeyboardButton(
                _("▶️ End the pause"), callback_data=_data(whose, "e", pause.id or 0)
            )
        ],
        _closing_row(whose),
    ]
    return text, InlineKeyboardMarkup(rows)


def start_view(whose: Whose, today: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    """When does the pause start?"""
    explain = _(
        "During a pause I send no check-ins and no reminders. "
        "Messages with the coach work as usual."
    )
    text = "\n\n".join([_title(whose), explain, _("When does the pause start?")])
    rows = [
        [
            InlineKeyboardButton(_("📍 Today"), callback_data=_data(whose, "s", day_code(today))),
            InlineKeyboardButton(
                _("➡️ Tomorrow"),
                callback_data=_data(whose, "s", day_code(today + dt.timedelta(days=1))),
            ),
        ],
        [InlineKeyboardButton(_("📅 Another day"), callback_data=_data(whose, "o"))],
        _closing_row(whose),
    ]
    return text, InlineKeyboardMarkup(rows)


def length_view(whose: Whose, start: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    """How long is the pause?"""
    text = _("The pause starts on {first}. How long is it?").format(first=date_text(start))
    s = day_code(start)

    def until(days: int) -> str:
        return _data(whose, "l", s, day_code(start + dt.timedelta(days=days - 1)))

    rows = [
        [
            InlineKeyboardButton(_("1️⃣ One day"), callback_data=until(1)),
            InlineKeyboardButton(_("🗓️ One week"), callback_data=until(7)),
        ],
        [
            InlineKeyboardButton(_("🗓️ Two weeks"), callback_data=until(14)),
            InlineKeyboardButton(_("📅 Until a day I write"), callback_data=_data(whose, "u", s)),
        ],
        [InlineKeyboardButton(_("↩️ Back"), callback_data=_data(whose, "v"))],
    ]
    return text, InlineKeyboardMarkup(rows)


def reason_view(whose: Whose, start: dt.date, end: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    """Why the pause?"""
    text = _("The pause is from {first} to {last}. What is the reason?").format(
        first=date_text(start), last=date_text(end)
    )
    s, e = day_code(start), day_code(end)
    buttons = [
        InlineKeyboardButton(reason_text(reason), callback_data=_data(whose, "r", s, e, code))
        for code, reason in REASON_CODES.items()
    ]
    rows = [
        buttons[:2],
        buttons[2:],
        [InlineKeyboardButton(_("↩️ Back"), callback_data=_data(whose, "s", s))],
    ]
    return text, InlineKeyboardMarkup(rows)


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
    return _("⏸️ Whose check-ins do you want to pause?"), InlineKeyboardMarkup(rows)


async def pause_command(update: Update, context: Context) -> None:
    """/pause: a client's own pause; a coach first chooses the client."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if actor.is_client:
        await show(update, context, await authorise(context, actor.person_id))
        return
    text, keyboard = await _coach_picker(context, actor.person_id, 0)
    await reply(update, context, text, reply_markup=keyboard, purpose="pause-pick")


def _told_text(whose: Whose) -> str:
    if whose.is_self:
        return _("Your coach is told.")
    return _("{name} is told.").format(name=escape(whose.name))


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
        update, context, text, reply_markup=InlineKeyboardMarkup([_closing_row(whose)])
    )


async def on_button(update: Update, context: Context) -> None:
    """A button of /pause."""
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
    if client_id is None:
        await answer_query(query, _("This button no longer works."))
        return
    whose = await authorise(context, client_id)
    op, args = (parts[1] if len(parts) > 1 else ""), parts[2:]
    days = [from_day_code(a) for a in args[:2]]
    try:
        if op == "r" and len(args) == 3 and None not in days and args[2] in REASON_CODES:
            start, end = days
            assert start is not None and end is not None
            await _make(update, context, whose, start, end, REASON_CODES[args[2]])
            await answer_query(query)
            return
        if op == "e" and callbacks.number(args, 0) is not None:
            await _end(update, context, whose, callbacks.number(args, 0) or 0)
            await answer_query(query)
            return
        if op == "s" and len(args) == 1 and days[0] is not None:
            await _check(context, whose, days[0], None)
            await answer_query(query)
            text, keyboard = length_view(whose, days[0])
            await edit_or_reply(update, context, text, reply_markup=keyboard)
            return
        if op == "l" and len(args) == 2 and None not in days:
            start, end = days
            assert start is not None and end is not None
            await _check(context, whose, start, end)
            await answer_query(query)
            text, keyboard = reason_view(whose, start, end)
            await edit_or_reply(update, context, text, reply_markup=keyboard)
            return
    except PauseError as exc:
        await answer_query(query, refusal_text(exc))
        await show(update, context, whose)
        return
    await answer_query(query)
    if op == "z":
        pause, _today = await _pause_and_today(context, client_id)
        text = pause_text(pause) if pause is not None else _("No pause.")
        await edit_or_reply(update, context, text)
        return
    if op == "o":
        await _ask_for_day(update, context, whose, "start", None)
        return
    if op == "u" and len(args) == 1 and days[0] is not None:
        await _ask_for_day(update, context, whose, "end", days[0])
        return
    await show(update, context, whose)


async def _check(context: Context, whose: Whose, start: dt.date, end: dt.date | None) -> None:
    """Refuse days that are over, too far ahead, or in the wrong order (a stale button)."""
    services = context.services
    async with services.db.session() as session:
        today = await pauses.today_of(session, client_id=whose.client_id, now=services.clock.now())
    pauses.check_days(starts_on=start, ends_on=end, today=today)


async def _ask_for_day(
    update: Update, context: Context, whose: Whose, step: str, start: dt.date | None
) -> None:
    """Wait for a typed day (kept in the person's flow row)."""
    actor = context.require_actor()
    assert actor.person_id is not None
    services = context.services
    async with services.db.session() as session:
        await flows.set_step(
            session,
            person_id=actor.person_id,
            flow=FLOW,
            step=step,
            now=services.clock.now(),
            data={"client_id": whose.client_id, "start": day_code(start) if start else None},
            awaiting_text=True,
            merge=False,
        )
    text = (
        _("Write the first day of the pause, for example {example}. /cancel stops.").format(
            example=day_month_example(dt.date(2026, 12, 24))
        )
        if step == "start"
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
    client_id = int(str(flow.data.get("client_id")))
    try:
        whose = await authorise(context, client_id)
    except AccessDenied:
        async with services.db.session() as session:
            await flows.clear(session, person_id=actor.person_id, flow=FLOW)
        raise
    start = from_day_code(str(flow.data.get("start") or ""))
    async with services.db.session() as session:
        today = await pauses.today_of(session, client_id=client_id, now=now)
    reading = read_date(message.text or "", today=today)
    typed = reading.day
    problem: str | None = None
    if typed is None:
        problem = reading.refusal
    else:
        try:
            if flow.step == "start":
                pauses.check_days(starts_on=typed, ends_on=None, today=today)
            else:
                pauses.check_days(starts_on=start or today, ends_on=typed, today=today)
        except PauseError as exc:
            problem = refusal_text(exc)
    if problem is not None or typed is None:
        async with services.db.session() as session:
            await flows.set_step(
                session,
                person_id=actor.person_id,
                flow=FLOW,
                step=flow.step,
                now=now,
                awaiting_text=True,
            )
        await reply(update, context, problem or "", purpose="pause-typed-retry")
        return
    async with services.db.session() as session:
        await flows.clear(session, person_id=actor.person_id, flow=FLOW)
    if flow.step == "start":
        text, keyboard = length_view(whose, typed)
    else:
        text, keyboard = reason_view(whose, start or today, typed)
    await reply(update, context, text, reply_markup=keyboard, purpose="pause-step")


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("pause", pause_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
