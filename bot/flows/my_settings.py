"""/settings: a client turns encouragement on or off and chooses quiet hours; a coach turns the
morning summary (the daily digest) on or off and sets working hours and days.

Presets are buttons (quiet 22–7, 21–8, 23–6 or none; working 8–16, 9–17, 7–15); other working
hours can be typed as 8.30–16.30. The first change creates the person's Preference row. A change
to the morning summary or working hours moves the next summary and wakes the dispatcher.

callback_data (the role is checked again on every press):
  st:v                 the settings
  st:e:1|0             encouragement on / off (clients)
  st:q                 quiet hour choices; st:qs:KEY set them, KEY 2207, 2108, 2306 or none
  st:g:1|0             morning summary on / off (coaches)
  st:h                 working hour choices; st:hs:KEY set them; st:ho type them
  st:wd                working day choices; st:wk:DAYS one by one; st:ws:DAYS save
  st:f:1|0             follow-up questions after placement on / off (clients who have them)
  st:z                 done (the buttons go away)
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.day_picker import decode_days, preset_rows, toggle_rows
from bot.handlers.replies import answer_query, edit_or_reply, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.rhythm_text import days_text, hours_text, refusal_text
from bot.models.people import Preference
from bot.runtime.context import CompanionApplication, Context
from bot.services import flows, followup, preferences, summaries
from bot.services.flows import Flow
from bot.services.people import Actor
from bot.services.preferences import NO_QUIET, QUIET_PRESETS, WORKING_PRESETS
from bot.text.dates import span_example
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

FLOW = "settings"
ACTION = "st"


def _data(*parts: str | int) -> str:
    return callbacks.encode(ACTION, *parts)


def _back_row() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("↩️ Back"), callback_data=_data("v"))]


def settings_text(actor: Actor, preference: Preference, *, follow_up: bool | None = None) -> str:
    """The person's settings in plain words; follow_up is None for a client without it."""
    lines = [_("⚙️ Your settings")]
    if actor.is_client:
        lines.append(
            _("🌱 Encouragement after check-ins: on")
            if preference.encouragement
            else _("🌱 Encouragement after check-ins: off")
        )
        if preferences.has_quiet_hours(preference):
            lines.append(
                _("🌙 Quiet hours: {hours}. Messages in these hours come without a sound.").format(
                    hours=hours_text(preference.quiet_start, preference.quiet_end)
                )
            )
        else:
            lines.append(_("🌙 Quiet hours: none. Every message comes with a sound."))
        if follow_up is not None:
            lines.append(
                _("📮 Follow-up questions about work: on")
                if follow_up
                else _("📮 Follow-up questions about work: off")
            )
    if actor.is_coach:
        lines.append(
            _("📬 Morning summary: on, at the start of your working hours")
            if preference.daily_digest
            else _("📬 Morning summary: off")
        )
        lines.append(
            _("🕗 Working hours: {hours}, {days}").format(
                hours=hours_text(preference.working_start, preference.working_end),
                days=days_text(preference.working_days),
            )
        )
    return "\n".join(lines)


def settings_view(
    actor: Actor,
    preference: Preference,
    *,
    notice: str | None = None,
    follow_up: bool | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The settings with a button for each thing to change."""
    text = settings_text(actor, preference, follow_up=follow_up)
    if notice:
        text = f"{notice}\n\n{text}"
    rows: list[list[InlineKeyboardButton]] = []
    if actor.is_client:
        if preference.encouragement:
            toggle = InlineKeyboardButton(
                _("🔕 Turn encouragement off"), callback_data=_data("e", 0)
            )
        else:
            toggle = InlineKeyboardButton(
                _("🌱 Turn encouragement on"), callback_data=_data("e", 1)
            )
        rows.append([toggle, InlineKeyboardButton(_("🌙 Quiet hours"), callback_data=_data("q"))])
        if follow_up is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        _("🔕 Stop follow-up questions")
                        if follow_up
                        else _("🔔 Follow-up questions on"),
                        callback_data=_data("f", 0 if follow_up else 1),
                    )
                ]
            )
    if actor.is_coach:
        if preference.daily_digest:
            digest = InlineKeyboardButton(
                _("📭 Turn the morning summary off"), callback_data=_data("g", 0)
            )
        else:
            digest = InlineKeyboardButton(
                _("📬 Turn the morning summary on"), callback_data=_data("g", 1)
            )
        rows.append([digest])
        rows.append(
            [
                InlineKeyboardButton(_("🕗 Working hours"), callback_data=_data("h")),
                InlineKeyboardButton(_("📅 Working days"), callback_data=_data("wd")),
            ]
        )
    rows.append([InlineKeyboardButton(_("✅ Done"), callback_data=_data("z"))])
    return text, InlineKeyboardMarkup(rows)


def quiet_view() -> tuple[str, InlineKeyboardMarkup]:
    """Quiet hour presets."""
    buttons = [
        InlineKeyboardButton(f"🌙 {hours_text(start, end)}", callback_data=_data("qs", key))
        for key, (start, end) in QUIET_PRESETS.items()
    ]
    buttons.append(InlineKeyboardButton(_("🔔 No quiet hours"), callback_data=_data("qs", "none")))
    rows = [buttons[:2], buttons[2:], _back_row()]
    text = _("🌙 When should messages from me come without a sound?")
    return text, InlineKeyboardMarkup(rows)


def hours_view() -> tuple[str, InlineKeyboardMarkup]:
    """Working hour presets, or other hours to type."""
    buttons = [
        InlineKeyboardButton(f"🕗 {hours_text(start, end)}", callback_data=_data("hs", key))
        for key, (start, end) in WORKING_PRESETS.items()
    ]
    buttons.append(InlineKeyboardButton(_("⏰ Other hours"), callback_data=_data("ho")))
    rows = [buttons[:2], buttons[2:], _back_row()]
    text = _(
        "🕗 What are your working hours? Flags that are not urgent and the morning summary "
        "wait for them."
    )
    return text, InlineKeyboardMarkup(rows)


def days_view(preference: Preference) -> tuple[str, InlineKeyboardMarkup]:
    """Working day presets, or the days one by one."""
    rows = preset_rows(
        preference.working_days,
        choose=lambda days: _data("ws", days),
        pick=lambda days: _data("wk", days),
    )
    rows.append(_back_row())
    text = _("📅 On which days do you work? Now: {days}.").format(
        days=days_text(preference.working_days)
    )
    return text, InlineKeyboardMarkup(rows)


def toggle_view(selected: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = toggle_rows(
        selected, toggle=lambda days: _data("wk", days), save=lambda days: _data("ws", days)
    )
    rows.append(_back_row())
    return _("Tap the days to choose them, then press 💾 Save."), InlineKeyboardMarkup(rows)


async def _preference(context: Context, person_id: int) -> Preference:
    services = context.services
    async with services.db.session() as session:
        return await preferences.of(session, person_id=person_id)


async def _follow_up(context: Context, actor: Actor) -> bool | None:
    """Whether follow-up questions are on; None when the person has no follow-up."""
    if actor.person_id is None or not actor.is_client:
        return None
    async with context.services.db.session() as session:
        if not await followup.has_follow_up(session, client_id=actor.person_id):
            return None
        return not await followup.is_opted_out(session, client_id=actor.person_id)


async def _set_follow_up(context: Context, actor: Actor, on: bool) -> bool:
    """Follow-up questions on or off; False when the person has no follow-up."""
    assert actor.person_id is not None
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        if not await followup.has_follow_up(session, client_id=actor.person_id):
            return False
        if on:
            await followup.opt_in(session, client_id=actor.person_id, now=now)
        else:
            await followup.opt_out(session, client_id=actor.person_id, now=now)
    services.wake_dispatcher()
    return True


async def settings_command(update: Update, context: Context) -> None:
    """/settings: what the person can choose."""
    actor = context.require_actor()
    if actor.person_id is None or not (actor.is_client or actor.is_coach):
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    text, keyboard = settings_view(
        actor,
        await _preference(context, actor.person_id),
        follow_up=await _follow_up(context, actor),
    )
    await reply(update, context, text, reply_markup=keyboard, purpose="settings")


async def _save(context: Context, actor: Actor, *, digest: bool = False, **values: object) -> None:
    """Save changed choices; a coach's digest changes move their next morning summary."""
    assert actor.person_id is not None
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await preferences.change(session, person_id=actor.person_id, now=now, **values)
        if digest:
            await summaries.reschedule_digest(session, coach_id=actor.person_id, now=now)
    if digest:
        services.wake_dispatcher()
    _LOGGER.info("person %s changed settings: %s", actor.person_id, ",".join(sorted(values)))


async def _save_working(context: Context, actor: Actor, op: str, value: str) -> bool:
    """Working hours or days from a button; False when the value is not a valid one."""
    assert actor.person_id is not None
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        if op == "hs" and value in WORKING_PRESETS:
            start, end = WORKING_PRESETS[value]
            await preferences.set_working_hours(
                session, person_id=actor.person_id, start=start, end=end, now=now
            )
        elif op == "ws" and decode_days(value) is not None:
            await preferences.set_working_days(
                session, person_id=actor.person_id, days=decode_days(value) or "", now=now
            )
        else:
            return False
        await summaries.reschedule_digest(session, coach_id=actor.person_id, now=now)
    services.wake_dispatcher()
    _LOGGER.info("coach %s changed working %s", actor.person_id, "hours" if op == "hs" else "days")
    return True


async def on_button(update: Update, context: Context) -> None:
    """A button of /settings."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    _action, parts = callbacks.decode(query.data)
    op = parts[0] if parts else ""
    value = parts[1] if len(parts) > 1 else ""
    if actor.person_id is None or not (actor.is_client or actor.is_coach):
        await answer_query(query, _("This button no longer works."))
        return
    client_ops = {"e", "q", "qs", "f"}
    coach_ops = {"g", "h", "hs", "ho", "wd", "wk", "ws"}
    if (op in client_ops and not actor.is_client) or (op in coach_ops and not actor.is_coach):
        await answer_query(query, _("This button no longer works."))
        return
    saved = False
    if op == "e" and value in ("0", "1"):
        await _save(context, actor, encouragement=value == "1")
        saved = True
    elif op == "qs" and (value in QUIET_PRESETS or value == "none"):
        start, end = QUIET_PRESETS.get(value, NO_QUIET)
        await _save(context, actor, quiet_start=start, quiet_end=end)
        saved = True
    elif op == "f" and value in ("0", "1"):
        saved = await _set_follow_up(context, actor, value == "1")
    elif op == "g" and value in ("0", "1"):
        await _save(context, actor, digest=True, daily_digest=value == "1")
        saved = True
    elif op in {"hs", "ws"}:
        try:
            saved = await _save_working(context, actor, op, value)
        except preferences.PreferenceError as exc:
            await answer_query(query, refusal_text(exc))
            return
        if not saved:
            await answer_query(query, _("This button no longer works."))
            return
    if saved:
        await answer_query(query, _("✓ Saved."))
        text, keyboard = settings_view(
            actor,
            await _preference(context, actor.person_id),
            notice=_("✓ Saved."),
            follow_up=await _follow_up(context, actor),
        )
        await edit_or_reply(update, context, text, reply_markup=keyboard)
        return
    if op not in {"z", "ho", "q", "h", "wd", "v"} and not (
        op == "wk" and decode_days(value) is not None
    ):
        # Nothing of ours: an old or made-up button.
        await answer_query(query, _("This button no longer works."))
        return
    await answer_query(query)
    if op == "z":
        text = settings_text(
            actor,
            await _preference(context, actor.person_id),
            follow_up=await _follow_up(context, actor),
        )
        await edit_or_reply(update, context, text)
        return
    if op == "ho":
        await _ask_for_hours(update, context, actor)
        return
    if op == "q":
        text, keyboard = quiet_view()
    elif op == "h":
        text, keyboard = hours_view()
    elif op == "wd":
        text, keyboard = days_view(await _preference(context, actor.person_id))
    elif op == "wk":
        text, keyboard = toggle_view(decode_days(value) or "")
    else:  # ↩️ Back
        text, keyboard = settings_view(
            actor,
            await _preference(context, actor.person_id),
            follow_up=await _follow_up(context, actor),
        )
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _ask_for_hours(update: Update, context: Context, actor: Actor) -> None:
    """Wait for typed working hours (kept in the person's flow row)."""
    assert actor.person_id is not None
    services = context.services
    async with services.db.session() as session:
        await flows.set_step(
            session,
            person_id=actor.person_id,
            flow=FLOW,
            step="hours",
            now=services.clock.now(),
            awaiting_text=True,
            merge=False,
        )
    await reply(
        update,
        context,
        _("Write your working hours, for example {example}. /cancel stops.").format(
            example=span_example(dt.time(8, 30), dt.time(16, 30))
        ),
        purpose="settings-typed",
    )


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """Typed working hours."""
    actor = context.require_actor()
    message = update.effective_message
    assert actor.person_id is not None and message is not None
    services = context.services
    now = services.clock.now()
    hours = preferences.parse_hours(message.text or "")
    if hours is None or not actor.is_coach:
        async with services.db.session() as session:
            await flows.set_step(
                session,
                person_id=actor.person_id,
                flow=FLOW,
                step=flow.step,
                now=now,
                awaiting_text=actor.is_coach,
            )
        await reply(
            update,
            context,
            _("I did not understand. Write the hours like {example}.").format(
                example=span_example(dt.time(8, 30), dt.time(16, 30))
            ),
            purpose="settings-typed-retry",
        )
        return
    async with services.db.session() as session:
        await preferences.set_working_hours(
            session, person_id=actor.person_id, start=hours[0], end=hours[1], now=now
        )
        await summaries.reschedule_digest(session, coach_id=actor.person_id, now=now)
        await flows.clear(session, person_id=actor.person_id, flow=FLOW)
    services.wake_dispatcher()
    text, keyboard = settings_view(
        actor, await _preference(context, actor.person_id), notice=_("✓ Saved.")
    )
    await reply(update, context, text, reply_markup=keyboard, purpose="settings")


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("settings", settings_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
