"""/handover and /transfer: a coach hands clients to another coach of the same organisation,
for a while (a substitute, from a day to a day) or for good (when the coach leaves).

Both run as one flow kept in the coach's flow row: which clients (all, or chosen) → which coach →
(for a handover) the first and the last day → a summary to confirm. Buttons carry the flow's
version, so a button from an older step does nothing. /handover also lists the handovers that have
not ended, each with a button to cancel it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.handover_notices import (
    day_text,
    queue_cancel_notice,
    queue_handover_notices,
    queue_transfer_notices,
)
from bot.messages.pickers import HANDOVER_ACTION, MOVE_ACTION, client_picker, encode, label
from bot.models.people import Person
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import access, flows, handover, people
from bot.services.access import AccessDenied
from bot.services.errors import DomainError
from bot.services.flows import Flow
from bot.services.handover import Handover, HandoverError
from bot.text.dates import date_example, format_date, read_date
from bot.text.i18n import N_, _, gettext

_LOGGER = logging.getLogger(__name__)

HANDOVER_FLOW = "handover"
TRANSFER_FLOW = "transfer"
FLOWS = (HANDOVER_FLOW, TRANSFER_FLOW)
WEEKS = {"w1": 1, "w2": 2, "w4": 4}
WEEK_LABELS = {"w1": N_("📅 1 week"), "w2": N_("📅 2 weeks"), "w4": N_("📅 4 weeks")}


def _button(text: str, flow: Flow, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label(text), callback_data=encode(MOVE_ACTION, flow.version, value))


def _cancel_row(flow: Flow) -> list[InlineKeyboardButton]:
    return [_button(_("❌ Cancel"), flow, "no")]


def _day(data: dict[str, Any], key: str) -> dt.date | None:
    value = data.get(key)
    return dt.date.fromisoformat(str(value)) if value else None


async def _today(context: Context, coach_id: int) -> tuple[dt.date, str]:
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        timezone = await handover.organisation_timezone(session, coach_id=coach_id, now=now)
    return handover.local_day(now, timezone), timezone


async def _names_of(context: Context, coach_id: int, client_ids: list[int]) -> list[str]:
    services = context.services
    async with services.db.session() as session:
        return [
            await people.name_as_seen_by(session, viewer_id=coach_id, person_id=c) or "?"
            for c in client_ids
        ]


async def _own(context: Context, coach_id: int) -> list[tuple[int, str]]:
    services = context.services
    async with services.db.session() as session:
        ids = await handover.own_clients(session, coach_id=coach_id, now=services.clock.now())
        named = [
            (c, await people.name_as_seen_by(session, viewer_id=coach_id, person_id=c) or "?")
            for c in ids
        ]
    return sorted(named, key=lambda item: (item[1].casefold(), item[0]))


async def _colleagues(context: Context, coach_id: int) -> list[Person]:
    services = context.services
    async with services.db.session() as session:
        return await handover.colleagues(session, coach_id=coach_id, now=services.clock.now())


async def _chosen_ids(context: Context, coach_id: int, flow: Flow) -> list[int]:
    if flow.data.get("clients") == "all":
        return [c for c, _name in await _own(context, coach_id)]
    return [int(c) for c in flow.data.get("picked", [])]


async def _view(
    context: Context, coach_id: int, flow: Flow
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of the flow's current step, in the coach's language."""
    transfer = flow.name == TRANSFER_FLOW
    step = flow.step
    if step == "who":
        intro = (
            _("➡️ Transfer clients to another coach for good.")
            if transfer
            else _("🔁 Hand clients to a substitute for a while.")
        )
        text = "\n\n".join([intro, _("Which clients?")])
        rows = [
            [_button(_("👥 All my clients"), flow, "all")],
            [_button(_("☑️ Choose clients"), flow, "pick")],
            _cancel_row(flow),
        ]
        return text, InlineKeyboardMarkup(rows)
    if step == "pick":
        picked = {int(c) for c in flow.data.get("picked", [])}
        clients = await _own(context, coach_id)
        rows, _page, _pages = client_picker(
            clients,
            int(flow.data.get("page", 0)),
            choose=lambda c: encode(MOVE_ACTION, flow.version, f"t{c}"),
            turn=lambda p: encode(MOVE_ACTION, flow.version, f"pg{p}"),
            mark=lambda c: "✅" if c in picked else "⬜",
        )
        rows.append([_button(_("▶️ Continue"), flow, "done"), *_cancel_row(flow)])
        text = _("Tap the clients to choose them, then ▶️ Continue. Chosen: {n}.").format(
            n=len(picked)
        )
        return text, InlineKeyboardMarkup(rows)
    if step == "coach":
        coaches = await _colleagues(context, coach_id)
        text = _("Who is their new coach?") if transfer else _("Who stands in for you?")
        rows = [
            [_button(f"🧑‍💼 {p.display_name or '?'}", flow, f"s{p.id}")]
            for p in coaches
            if p.id is not None
        ]
        rows.append(_cancel_row(flow))
        return text, InlineKeyboardMarkup(rows)
    if step == "first":
        rows = [
            [_button(_("📅 Today"), flow, "today"), _button(_("📅 Tomorrow"), flow, "tmrw")],
            [_button(_("⌨️ Another day"), flow, "other")],
            _cancel_row(flow),
        ]
        return _("From which day?"), InlineKeyboardMarkup(rows)
    if step == "first_typed":
        return _("Write the first day, for example {example}. /cancel stops.").format(
            example=date_example()
        ), None
    if step == "last":
        rows = [
            [_button(gettext(WEEK_LABELS[key]), flow, key) for key in WEEKS],
            [_button(_("⌨️ Another day"), flow, "other")],
            _cancel_row(flow),
        ]
        first = _day(flow.data, "first")
        assert first is not None
        text = "\n\n".join(
            [
                _("From {date}.").format(date=day_text(first)),
                _("Until which day? The substitute answers until the end of that day."),
            ]
        )
        return text, InlineKeyboardMarkup(rows)
    if step == "last_typed":
        return _("Write the last day, for example {example}. /cancel stops.").format(
            example=date_example()
        ), None
    if step == "confirm":
        return await _summary(context, coach_id, flow)
    raise ValueError(f"unknown step {step!r}")


async def _summary(context: Context, coach_id: int, flow: Flow) -> tuple[str, InlineKeyboardMarkup]:
    client_ids = await _chosen_ids(context, coach_id, flow)
    names = ", ".join(escape(n) for n in await _names_of(context, coach_id, client_ids))
    services = context.services
    async with services.db.session() as session:
        other = await session.get(Person, int(str(flow.data["coach"])))
    other_name = escape((other.display_name if other else None) or "?")
    if flow.data.get("clients") == "all":
        clients = _("All your clients ({n}): {names}").format(n=len(client_ids), names=names)
    else:
        clients = names
    if flow.name == TRANSFER_FLOW:
        lines = [
            _("➡️ Please check:"),
            "",
            _("Clients: {names}").format(names=clients),
            _("New coach: {name}").format(name=other_name),
            "",
            _(
                "This is for good: {name} becomes their coach, and you no longer see them. "
                "The clients and {name} are told."
            ).format(name=other_name),
        ]
    else:
        first, last = _day(flow.data, "first"), _day(flow.data, "last")
        assert first is not None and last is not None
        lines = [
            _("🔁 Please check:"),
            "",
            _("Clients: {names}").format(names=clients),
            _("Substitute: {name}").format(name=other_name),
            _("From {first} to {last}, both days included.").format(
                first=day_text(first), last=day_text(last)
            ),
            "",
            _(
                "The clients are told whom to contact. Their messages and flags go to {name}. "
                "You can still read their cards. The handover ends by itself."
            ).format(name=other_name),
        ]
    rows = [[_button(_("✅ Confirm"), flow, "ok"), *_cancel_row(flow)]]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _show(update: Update, context: Context, coach_id: int, flow: Flow) -> None:
    text, keyboard = await _view(context, coach_id, flow)
    if update.callback_query is not None:
        await edit_or_reply(update, context, text, reply_markup=keyboard)
    else:
        await reply(update, context, text, reply_markup=keyboard, purpose=f"{flow.name}-step")


async def _set(context: Context, coach_id: int, flow: Flow, step: str, **data: Any) -> Flow:
    services = context.services
    async with services.db.session() as session:
        return await flows.set_step(
            session,
            person_id=coach_id,
            flow=flow.name,
            step=step,
            now=services.clock.now(),
            data=data,
            awaiting_text=step.endswith("_typed"),
        )


async def begin(update: Update, context: Context, name: str) -> None:
    """Start a handover or a transfer, if the coach has clients and colleagues for it."""
    coach_id = require_coach(context)
    if not await _own(context, coach_id):
        text = (
            _("There are no clients of your own to transfer.")
            if name == TRANSFER_FLOW
            else gettext(handover.NO_CLIENTS)
        )
        await reply(update, context, text, purpose=f"{name}-none")
        return
    if not await _colleagues(context, coach_id):
        await reply(
            update,
            context,
            _("There is no other coach in your organisation yet."),
            purpose=f"{name}-alone",
        )
        return
    services = context.services
    async with services.db.session() as session:
        flow = await flows.set_step(
            session,
            person_id=coach_id,
            flow=name,
            step="who",
            now=services.clock.now(),
            merge=False,
        )
    await _show(update, context, coach_id, flow)


# -- the list of handovers ------------------------------------------------------------------------


async def _listing(context: Context, coach_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        found = await handover.handovers_of(session, coach_id=coach_id, now=now)
        lines = []
        rows = []
        for item in found:
            names = ", ".join(
                [
                    escape(
                        await people.name_as_seen_by(session, viewer_id=coach_id, person_id=c)
                        or "?"
                    )
                    for c in item.client_ids
                ]
            )
            first, last = format_date(item.first_day), format_date(item.last_day)
            if item.responsible_id == coach_id:
                other = await session.get(Person, item.substitute_id)
                other_name = (other.display_name if other else None) or "?"
                lines.append(
                    _("• {name} stands in for you from {first} to {last}: {clients}").format(
                        name=escape(other_name), first=first, last=last, clients=names
                    )
                )
                rows.append(
                    [
                        InlineKeyboardButton(
                            label(
                                _("🚫 Cancel: {name}, {first}").format(name=other_name, first=first)
                            ),
                            callback_data=encode(HANDOVER_ACTION, "x", item.id),
                        )
                    ]
                )
            else:
                other = (
                    await session.get(Person, item.responsible_id)
                    if item.responsible_id is not None
                    else None
                )
                lines.append(
                    _("• You stand in for {name} from {first} to {last}: {clients}").format(
                        name=escape((other.display_name if other else None) or "?"),
                        first=first,
                        last=last,
                        clients=names,
                    )
                )
    rows.append(
        [InlineKeyboardButton(_("➕ New handover"), callback_data=encode(HANDOVER_ACTION, "new"))]
    )
    if not lines:
        return _("You have no handovers now."), InlineKeyboardMarkup(rows)
    return "\n".join([_("🔁 Your handovers:"), *lines]), InlineKeyboardMarkup(rows)


async def handover_command(update: Update, context: Context) -> None:
    """/handover: the current handovers, or straight to a new one when there are none."""
    coach_id = require_coach(context)
    services = context.services
    async with services.db.session() as session:
        current = await handover.handovers_of(session, coach_id=coach_id, now=services.clock.now())
    if not current:
        await begin(update, context, HANDOVER_FLOW)
        return
    text, keyboard = await _listing(context, coach_id)
    await reply(update, context, text, reply_markup=keyboard, purpose="handovers")


async def transfer_command(update: Update, context: Context) -> None:
    """/transfer: hand clients to another coach for good."""
    await begin(update, context, TRANSFER_FLOW)


async def _describe(context: Context, item: Handover) -> str:
    services = context.services
    async with services.db.session() as session:
        other = await session.get(Person, item.substitute_id)
    return _("Cancel the handover to {name} from {first} to {last}?").format(
        name=escape((other.display_name if other else None) or "?"),
        first=day_text(item.first_day),
        last=day_text(item.last_day),
    )


async def on_handover_button(update: Update, context: Context) -> None:
    """A button of the list of handovers: new, cancel (asked first), or back to the list."""
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    services = context.services
    now = services.clock.now()
    if kind == "new":
        await answer_query(query)
        await begin(update, context, HANDOVER_FLOW)
        return
    if kind == "l":
        await answer_query(query)
        text, keyboard = await _listing(context, coach_id)
        await edit_or_reply(update, context, text, reply_markup=keyboard)
        return
    handover_id = callbacks.number(parts, 1)
    if kind == "x" and handover_id is not None:
        async with services.db.session() as session:
            mine = [
                h
                for h in await handover.handovers_of(session, coach_id=coach_id, now=now)
                if h.id == handover_id and h.responsible_id == coach_id
            ]
        if not mine:
            raise AccessDenied(f"handover {handover_id} is not {coach_id}'s")
        await answer_query(query)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("✅ Yes, cancel it"),
                        callback_data=encode(HANDOVER_ACTION, "y", handover_id),
                    ),
                    InlineKeyboardButton(_("↩️ No"), callback_data=encode(HANDOVER_ACTION, "l")),
                ]
            ]
        )
        text = "\n\n".join(
            [
                await _describe(context, mine[0]),
                _("The clients are told at once that you answer for them again."),
            ]
        )
        await edit_or_reply(update, context, text, reply_markup=keyboard)
        return
    if kind == "y" and handover_id is not None:
        try:
            async with services.db.session() as session:
                cancelled, _began = await handover.cancel_handover(
                    session, coach_id=coach_id, handover_id=handover_id, now=now
                )
                await queue_cancel_notice(session, handover=cancelled, now=now)
        except HandoverError:
            await answer_query(query, _("This handover has already ended or was cancelled."))
            text, keyboard = await _listing(context, coach_id)
            await edit_or_reply(update, context, text, reply_markup=keyboard)
            return
        services.wake_sender()
        _LOGGER.info("coach %s cancelled handover %s", coach_id, handover_id)
        await answer_query(query, _("The handover is cancelled."))
        text, keyboard = await _listing(context, coach_id)
        await edit_or_reply(
            update,
            context,
            "\n\n".join([_("✓ The handover is cancelled."), text]),
            reply_markup=keyboard,
        )
        return
    await answer_query(query, _("This button no longer works."))


# -- the steps --------------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> None:
    """A button of a handover or transfer step."""
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    _action, parts = callbacks.decode(query.data)
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=coach_id, now=services.clock.now())
    if flow is None or flow.name not in FLOWS or len(parts) != 2 or parts[0] != str(flow.version):
        await answer_query(query, _("This button no longer works."))
        return
    await _advance(update, context, coach_id, flow, parts[1])


async def _advance(update: Update, context: Context, coach_id: int, flow: Flow, value: str) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    step = flow.step
    if value == "no":
        async with services.db.session() as session:
            await flows.clear(session, person_id=coach_id, flow=flow.name)
        await answer_query(query)
        await edit_or_reply(update, context, _("OK, stopped. Nothing was changed."))
        return
    if step == "who" and value in ("all", "pick"):
        await answer_query(query)
        if value == "all":
            flow = await _set(context, coach_id, flow, "coach", clients="all")
        else:
            flow = await _set(context, coach_id, flow, "pick", clients="picked", picked=[], page=0)
        await _show(update, context, coach_id, flow)
        return
    if step == "pick":
        await _pick(update, context, coach_id, flow, value)
        return
    substitute_id = callbacks.tagged(value, "s")
    if step == "coach" and substitute_id is not None:
        if substitute_id not in {p.id for p in await _colleagues(context, coach_id)}:
            raise AccessDenied(f"{substitute_id} is no colleague of {coach_id}")
        await answer_query(query)
        following = "confirm" if flow.name == TRANSFER_FLOW else "first"
        flow = await _set(context, coach_id, flow, following, coach=substitute_id)
        await _show(update, context, coach_id, flow)
        return
    if step == "first" and value in ("today", "tmrw", "other"):
        await answer_query(query)
        if value == "other":
            flow = await _set(context, coach_id, flow, "first_typed")
        else:
            today, _tz = await _today(context, coach_id)
            first = today if value == "today" else today + dt.timedelta(days=1)
            flow = await _set(context, coach_id, flow, "last", first=first.isoformat())
        await _show(update, context, coach_id, flow)
        return
    if step == "last" and (value in WEEKS or value == "other"):
        await answer_query(query)
        if value == "other":
            flow = await _set(context, coach_id, flow, "last_typed")
        else:
            start = _day(flow.data, "first")
            assert start is not None
            last = start + dt.timedelta(days=7 * WEEKS[value] - 1)
            flow = await _set(context, coach_id, flow, "confirm", last=last.isoformat())
        await _show(update, context, coach_id, flow)
        return
    if step == "confirm" and value == "ok":
        await _confirm(update, context, coach_id, flow)
        return
    await answer_query(query, _("This button no longer works."))


async def _pick(update: Update, context: Context, coach_id: int, flow: Flow, value: str) -> None:
    query = update.callback_query
    assert query is not None
    picked = [int(c) for c in flow.data.get("picked", [])]
    if value == "done":
        if not picked:
            await answer_query(query, _("Choose at least one client."))
            return
        await answer_query(query)
        flow = await _set(context, coach_id, flow, "coach")
        await _show(update, context, coach_id, flow)
        return
    page = callbacks.tagged(value, "pg")
    if page is not None:
        await answer_query(query)
        flow = await _set(context, coach_id, flow, "pick", page=page)
        await _show(update, context, coach_id, flow)
        return
    client_id = callbacks.tagged(value, "t")
    if client_id is not None:
        if client_id not in {c for c, _name in await _own(context, coach_id)}:
            raise AccessDenied(f"{client_id} is not {coach_id}'s client")
        await answer_query(query)
        picked = (
            [c for c in picked if c != client_id]
            if client_id in picked
            else [
                *picked,
                client_id,
            ]
        )
        flow = await _set(context, coach_id, flow, "pick", picked=picked)
        await _show(update, context, coach_id, flow)
        return
    await answer_query(query, _("This button no longer works."))


async def _confirm(update: Update, context: Context, coach_id: int, flow: Flow) -> None:
    """Make the handover or the transfer, and tell everyone concerned."""
    query = update.callback_query
    assert query is not None
    services = context.services
    now = services.clock.now()
    client_ids = (
        None if flow.data.get("clients") == "all" else [int(c) for c in flow.data.get("picked", [])]
    )
    other_id = int(str(flow.data["coach"]))
    try:
        async with services.db.session() as session:
            if flow.name == TRANSFER_FLOW:
                moved = await handover.transfer(
                    session,
                    from_coach_id=coach_id,
                    to_coach_id=other_id,
                    client_ids=client_ids,
                    now=now,
                    actor_id=coach_id,
                )
                await queue_transfer_notices(session, moved=moved, now=now)
                done_ids = [m.client_id for m in moved]
                made: Handover | None = None
            else:
                first, last = _day(flow.data, "first"), _day(flow.data, "last")
                assert first is not None and last is not None
                made = await handover.create_handover(
                    session,
                    coach_id=coach_id,
                    substitute_id=other_id,
                    client_ids=client_ids,
                    first_day=first,
                    last_day=last,
                    now=now,
                )
                await queue_handover_notices(session, handover=made, now=now)
                done_ids = list(made.client_ids)
            await flows.clear(session, person_id=coach_id, flow=flow.name)
            names = ", ".join(
                [
                    escape(
                        await people.name_as_seen_by(session, viewer_id=coach_id, person_id=c)
                        or "?"
                    )
                    for c in done_ids
                ]
            )
            other = await session.get(Person, other_id)
    except DomainError as exc:
        # Refused (overlapping days, a client or coach no longer there): the flow ends here.
        _LOGGER.info("coach %s: %s refused: %s", coach_id, flow.name, exc)
        async with services.db.session() as session:
            await flows.clear(session, person_id=coach_id, flow=flow.name)
        await answer_query(query)
        await edit_or_reply(update, context, gettext(exc.user_message or access.NOT_AVAILABLE))
        return
    services.wake_sender()
    await answer_query(query)
    other_name = escape((other.display_name if other else None) or "?")
    if made is None:
        _LOGGER.info("coach %s transferred %d clients to %s", coach_id, len(done_ids), other_id)
        text = _("✅ Done. {name} is now the coach of {names}.").format(
            name=other_name, names=names
        )
    else:
        _LOGGER.info("coach %s made handover %s", coach_id, made.id)
        text = "\n\n".join(
            [
                _("✅ Done. From {first} to {last}, {name} answers for {names}.").format(
                    first=day_text(made.first_day),
                    last=day_text(made.last_day),
                    name=other_name,
                    names=names,
                ),
                _("/handover shows your handovers and can cancel them."),
            ]
        )
    await edit_or_reply(update, context, text)


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """A typed first or last day."""
    coach_id = require_coach(context)
    message = update.effective_message
    assert message is not None
    if flow.step not in ("first_typed", "last_typed"):
        await _show(update, context, coach_id, flow)
        return
    today, _tz = await _today(context, coach_id)
    reading = read_date(message.text or "", today=today)
    typed = reading.day
    if typed is None:
        await reply(
            update,
            context,
            reading.refusal,
            purpose="handover-date-retry",
        )
        return
    first = _day(flow.data, "first")
    problem = None
    if flow.step == "first_typed":
        if typed < today:
            problem = handover.PAST
        elif (typed - today).days > handover.MAX_DAYS:
            problem = handover.TOO_LONG
    else:
        assert first is not None
        if typed < first:
            problem = handover.BAD_DATES
        elif (typed - first).days >= handover.MAX_DAYS:
            problem = handover.TOO_LONG
    if problem is not None:
        await reply(update, context, gettext(problem), purpose="handover-date-retry")
        return
    if flow.step == "first_typed":
        flow = await _set(context, coach_id, flow, "last", first=typed.isoformat())
    else:
        flow = await _set(context, coach_id, flow, "confirm", last=typed.isoformat())
    await _show(update, context, coach_id, flow)


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("handover", handover_command, filters=private))
    application.add_handler(CommandHandler("transfer", transfer_command, filters=private))
    application.add_handler(
        CallbackQueryHandler(on_handover_button, pattern=callbacks.pattern(HANDOVER_ACTION))
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(MOVE_ACTION)))
