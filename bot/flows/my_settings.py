"""/settings: a client turns encouragement on or off and chooses quiet hours; a coach turns the
morning summary (the daily digest) on or off and sets working hours and days.

Presets are buttons (quiet 22–7, 21–8, 23–6 or none; working 8–16, 9–17, 7–15); other working
hours can be typed as 8.30–16.30. The first change creates the person's Preference row. A change
to the morning summary or working hours moves the next summary and wakes the dispatcher.

The role is checked again on every press. The buttons, the step and the typed hours are declared
in FLOW at the end of the module (drawn in docs/flows/settings.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from enum import StrEnum

from telegram import InlineKeyboardMarkup, Update

from bot.flows.mechanism import (
    END,
    ButtonHandler,
    Command,
    FlowSpec,
    NoData,
    Part,
    Route,
    Text,
    code,
)
from bot.handlers.day_picker import decode_days, preset_rows, toggle_rows
from bot.handlers.replies import answer_query, answer_stale, edit_or_reply, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.rhythm_text import days_text, hours_text, refusal_text
from bot.models.people import Preference
from bot.runtime.context import Context
from bot.services import followup, preferences, summaries
from bot.services.flows import Flow
from bot.services.people import Actor
from bot.services.preferences import NO_QUIET, QUIET_PRESETS, WORKING_PRESETS
from bot.text.dates import span_example
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.SETTINGS


class Step(StrEnum):
    HOURS = "hours"  # waiting for working hours, typed


def _button(label: str, *parts: str | int) -> Button:
    return Button.press(label, ACTION, *parts)


def _back_row() -> list[Button]:
    return [_button(_("↩️ Back"), "v")]


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
    rows: list[list[Button]] = []
    if actor.is_client:
        if preference.encouragement:
            toggle = _button(_("🔕 Turn encouragement off"), "e", 0)
        else:
            toggle = _button(_("🌱 Turn encouragement on"), "e", 1)
        rows.append([toggle, _button(_("🌙 Quiet hours"), "q")])
        if follow_up is not None:
            rows.append(
                [
                    _button(
                        _("🔕 Stop follow-up questions")
                        if follow_up
                        else _("🔔 Follow-up questions on"),
                        "f",
                        0 if follow_up else 1,
                    )
                ]
            )
    if actor.is_coach:
        if preference.daily_digest:
            digest = _button(_("📭 Turn the morning summary off"), "g", 0)
        else:
            digest = _button(_("📬 Turn the morning summary on"), "g", 1)
        rows.append([digest])
        rows.append(
            [
                _button(_("🕗 Working hours"), "h"),
                _button(_("📅 Working days"), "wd"),
            ]
        )
    rows.append([_button(_("✅ Done"), "z")])
    return text, Keyboard.of(rows).markup()


def quiet_view() -> tuple[str, InlineKeyboardMarkup]:
    """Quiet hour presets."""
    buttons = [
        _button(f"🌙 {hours_text(start, end)}", "qs", key)
        for key, (start, end) in QUIET_PRESETS.items()
    ]
    buttons.append(_button(_("🔔 No quiet hours"), "qs", "none"))
    rows = [buttons[:2], buttons[2:], _back_row()]
    text = _("🌙 When should messages from me come without a sound?")
    return text, Keyboard.of(rows).markup()


def hours_view() -> tuple[str, InlineKeyboardMarkup]:
    """Working hour presets, or other hours to type."""
    buttons = [
        _button(f"🕗 {hours_text(start, end)}", "hs", key)
        for key, (start, end) in WORKING_PRESETS.items()
    ]
    buttons.append(_button(_("⏰ Other hours"), "ho"))
    rows = [buttons[:2], buttons[2:], _back_row()]
    text = _(
        "🕗 What are your working hours? Flags that are not urgent and the morning summary "
        "wait for them."
    )
    return text, Keyboard.of(rows).markup()


def days_view(preference: Preference) -> tuple[str, InlineKeyboardMarkup]:
    """Working day presets, or the days one by one."""
    rows = preset_rows(
        preference.working_days,
        choose=lambda days: (ACTION, "ws", days),
        pick=lambda days: (ACTION, "wk", days),
    )
    rows.append(_back_row())
    text = _("📅 On which days do you work? Now: {days}.").format(
        days=days_text(preference.working_days)
    )
    return text, Keyboard.of(rows).markup()


def toggle_view(selected: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = toggle_rows(
        selected,
        toggle=lambda days: (ACTION, "wk", days),
        save=lambda days: (ACTION, "ws", days),
    )
    rows.append(_back_row())
    return _("Tap the days to choose them, then press 💾 Save."), Keyboard.of(rows).markup()


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


def _for(role: str, handler: ButtonHandler) -> ButtonHandler:
    """A button only a client (or only a coach) has: anyone else's press no longer works."""

    @functools.wraps(handler)
    async def checked(update: Update, context: Context, *values: object) -> None:
        actor = context.require_actor()
        if not (actor.is_client if role == "client" else actor.is_coach):
            query = update.callback_query
            assert query is not None
            await answer_stale(query)
            return
        await handler(update, context, *values)

    return checked


def _known(context: Context) -> bool:
    actor = context.require_actor()
    return actor.person_id is not None and (actor.is_client or actor.is_coach)


async def _saved(update: Update, context: Context) -> None:
    """✓ Saved, on the button and above the settings."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    assert actor.person_id is not None
    await answer_query(query, _("✓ Saved."))
    text, keyboard = settings_view(
        actor,
        await _preference(context, actor.person_id),
        notice=_("✓ Saved."),
        follow_up=await _follow_up(context, actor),
    )
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _encouragement(update: Update, context: Context, on: str) -> None:
    await _save(context, context.require_actor(), encouragement=on == "1")
    await _saved(update, context)


async def _quiet(update: Update, context: Context, key: str) -> None:
    start, end = QUIET_PRESETS.get(key, NO_QUIET)
    await _save(context, context.require_actor(), quiet_start=start, quiet_end=end)
    await _saved(update, context)


async def _follow_up_on(update: Update, context: Context, on: str) -> None:
    if not await _set_follow_up(context, context.require_actor(), on == "1"):
        query = update.callback_query
        assert query is not None
        await answer_stale(query)
        return
    await _saved(update, context)


async def _digest(update: Update, context: Context, on: str) -> None:
    await _save(context, context.require_actor(), digest=True, daily_digest=on == "1")
    await _saved(update, context)


async def _working(update: Update, context: Context, what: str, change: object) -> None:
    """Working hours or days from a button (a refusal said on the button)."""
    actor = context.require_actor()
    assert actor.person_id is not None
    services = context.services
    now = services.clock.now()
    try:
        async with services.db.session() as session:
            if isinstance(change, tuple):
                start, end = change
                await preferences.set_working_hours(
                    session, person_id=actor.person_id, start=start, end=end, now=now
                )
            else:
                await preferences.set_working_days(
                    session, person_id=actor.person_id, days=str(change), now=now
                )
            await summaries.reschedule_digest(session, coach_id=actor.person_id, now=now)
    except preferences.PreferenceError as exc:
        query = update.callback_query
        assert query is not None
        await answer_query(query, refusal_text(exc))
        return
    services.wake_dispatcher()
    _LOGGER.info("coach %s changed working %s", actor.person_id, what)
    await _saved(update, context)


async def _working_hours(update: Update, context: Context, key: str) -> None:
    await _working(update, context, "hours", WORKING_PRESETS[key])


async def _working_days(update: Update, context: Context, days: str) -> None:
    await _working(update, context, "days", days)


async def _show(
    update: Update, context: Context, view: tuple[str, InlineKeyboardMarkup | None]
) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    text, keyboard = view
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _back(update: Update, context: Context) -> None:
    actor = context.require_actor()
    assert actor.person_id is not None
    preference = await _preference(context, actor.person_id)
    follow_up = await _follow_up(context, actor)
    await _show(update, context, settings_view(actor, preference, follow_up=follow_up))


async def _done(update: Update, context: Context) -> None:
    actor = context.require_actor()
    assert actor.person_id is not None
    preference = await _preference(context, actor.person_id)
    follow_up = await _follow_up(context, actor)
    await _show(update, context, (settings_text(actor, preference, follow_up=follow_up), None))


async def _quiet_choices(update: Update, context: Context) -> None:
    await _show(update, context, quiet_view())


async def _hours_choices(update: Update, context: Context) -> None:
    await _show(update, context, hours_view())


async def _days_choices(update: Update, context: Context) -> None:
    actor = context.require_actor()
    assert actor.person_id is not None
    await _show(update, context, days_view(await _preference(context, actor.person_id)))


async def _one_by_one(update: Update, context: Context, days: str) -> None:
    await _show(update, context, toggle_view(days))


async def _type_hours(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await _ask_for_hours(update, context, context.require_actor())


async def _ask_for_hours(update: Update, context: Context, actor: Actor) -> None:
    """Wait for typed working hours (kept in the person's flow row)."""
    assert actor.person_id is not None
    services = context.services
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=actor.person_id,
            step=Step.HOURS,
            now=services.clock.now(),
            awaiting_text=True,
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
            await FLOW.move(
                session,
                person_id=actor.person_id,
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
        await FLOW.end(session, person_id=actor.person_id)
    services.wake_dispatcher()
    text, keyboard = settings_view(
        actor, await _preference(context, actor.person_id), notice=_("✓ Saved.")
    )
    await reply(update, context, text, reply_markup=keyboard, purpose="settings")


_ON_OFF = code("on", ("0", "1"))
_DAYS: Part[str] = Part("days", decode_days)

FLOW = FlowSpec[NoData](
    name="settings",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    guard=_known,
    commands=[Command("settings", settings_command)],
    routes=[
        Route(("v",), _back, what="the settings"),
        Route(("z",), _done, what="done: the buttons go away"),
        Route(("e", _ON_OFF), _for("client", _encouragement), what="encouragement on / off"),
        Route(("q",), _for("client", _quiet_choices), what="quiet hour choices"),
        Route(
            ("qs", code("quiet", [*QUIET_PRESETS, "none"])),
            _for("client", _quiet),
            what="set quiet hours (or none)",
        ),
        Route(("f", _ON_OFF), _for("client", _follow_up_on), what="follow-up questions on / off"),
        Route(("g", _ON_OFF), _for("coach", _digest), what="morning summary on / off"),
        Route(("h",), _for("coach", _hours_choices), what="working hour choices"),
        Route(
            ("hs", code("hours", WORKING_PRESETS)),
            _for("coach", _working_hours),
            what="set working hours",
        ),
        Route(("ho",), _for("coach", _type_hours), goes_to=Step.HOURS, what="type working hours"),
        Route(("wd",), _for("coach", _days_choices), what="working day choices"),
        Route(("wk", _DAYS), _for("coach", _one_by_one), what="working days one by one"),
        Route(("ws", _DAYS), _for("coach", _working_days), what="save the working days"),
    ],
    texts=[Text(Step.HOURS, on_text, goes_to=END)],
)
register = FLOW.register
