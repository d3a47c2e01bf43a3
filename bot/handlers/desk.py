"""The coach's desk: /clients shows the caseload on one screen, and a client's card opens from it.

The list shows each client by the name the coach gave them, with their last check-in, open flags
and unread messages, eight to a page. A card shows the agreement, check-in times, recent
check-ins, goals and notes, with buttons to write a note or a message. Every id in a button is
checked again against what the coach may see.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.flows import placement
from bot.flows.coach_goal import ACTION as COACH_GOAL_ACTION
from bot.flows.coach_reply import REPLY_FLOW
from bot.flows.plan import ACTION as PLAN_ACTION
from bot.flows.rhythm_access import PAUSE_ACTION, SCHEDULE_ACTION
from bot.handlers.progress import CHART_ACTION
from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.closing_notices import ACTION as CLOSING_ACTION
from bot.messages.pickers import CLIENTS_ACTION, NOTE_ACTION, encode, label, nav_row
from bot.models.checkins import GotUp, Sleep
from bot.models.coaching import CoachingStatus, GoalArea
from bot.models.goals import GoalStatus
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import access, caseload, flows, people
from bot.services.caseload import CaseloadEntry, CheckinLine, ClientCard, Standing
from bot.services.handover import last_day_before, local_day
from bot.text.dates import format_date, format_time
from bot.text.i18n import N_, _, gettext, ngettext

_LOGGER = logging.getLogger(__name__)

NOTE_PREVIEW = 300
GOAL_PREVIEW = 120

STATUS = {
    CoachingStatus.ONBOARDING: N_("joining (agreement not yet accepted)"),
    CoachingStatus.ACTIVE: N_("in coaching"),
    CoachingStatus.CLOSED: N_("coaching ended, follow-up"),
    CoachingStatus.DECLINED: N_("did not join"),
}
SLEEP = {
    Sleep.WELL: N_("slept well"),
    Sleep.SO_SO: N_("slept so-so"),
    Sleep.BADLY: N_("slept badly"),
}
GOT_UP = {
    GotUp.YES: N_("got up as planned"),
    GotUp.LATER: N_("got up later"),
    GotUp.NO: N_("did not get up"),
}
AREA = {
    GoalArea.EVERYDAY_LIFE: N_("everyday life"),
    GoalArea.WORK_CAPACITY: N_("work capacity"),
    GoalArea.COMPETENCE: N_("skills"),
    GoalArea.EMPLOYMENT: N_("finding work"),
    GoalArea.COPING_AT_WORK: N_("coping at work"),
}


_CLOSING_BUTTON = {
    CoachingStatus.ACTIVE: (N_("🏁 End the coaching"), "o"),
    CoachingStatus.CLOSED: (N_("📄 Summary for the purchaser"), "v"),
}


def _day(when: dt.datetime, timezone: str) -> str:
    return format_date(local_day(when, timezone))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def standing_line(standing: Standing, timezone: str) -> str | None:
    """Who answers for the client now, if it is not simply this coach."""
    until = last_day_before(standing.until, timezone) if standing.until else None
    if standing.answered_by is not None:
        if until is None:
            return _("🔁 {coach} answers for now.").format(coach=escape(standing.answered_by))
        return _("🔁 {coach} answers until {date}.").format(
            coach=escape(standing.answered_by), date=format_date(until)
        )
    if standing.covering_for is not None:
        if until is None:
            return _("🔁 You stand in for {coach}.").format(coach=escape(standing.covering_for))
        return _("🔁 You stand in for {coach} until {date}.").format(
            coach=escape(standing.covering_for), date=format_date(until)
        )
    return None


def _entry_lines(entry: CaseloadEntry, timezone: str) -> list[str]:
    lines = [f"<b>{escape(entry.name)}</b>"]
    if entry.follow_up_until is not None:
        lines.append(
            _("Coaching ended. Follow-up until {date}.").format(
                date=_day(entry.follow_up_until, timezone)
            )
        )
    elif entry.last_checkin_at is None:
        lines.append(_("No check-ins yet."))
    else:
        lines.append(_("Last check-in: {date}").format(date=_day(entry.last_checkin_at, timezone)))
    counts = []
    if entry.unread:
        counts.append(
            ngettext("💬 {n} new message", "💬 {n} new messages", entry.unread).format(
                n=entry.unread
            )
        )
    if entry.open_flags:
        counts.append(
            ngettext("🚩 {n} open flag", "🚩 {n} open flags", entry.open_flags).format(
                n=entry.open_flags
            )
        )
    if counts:
        lines.append(" · ".join(counts))
    standing = standing_line(entry.standing, timezone)
    if standing:
        lines.append(standing)
    return lines


def list_view(
    entries: list[CaseloadEntry], page: int, timezone: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the caseload, with a button per client and ◀️ ▶️."""
    if not entries:
        return _("You have no clients yet. /invite makes an invite link."), None
    shown, page, pages = caseload.page_of(entries, page)
    header = ngettext("👥 You have {n} client.", "👥 You have {n} clients.", len(entries)).format(
        n=len(entries)
    )
    if pages > 1:
        header += " " + _("Page {page} of {pages}.").format(page=page + 1, pages=pages)
    blocks = [header]
    blocks.extend("\n".join(_entry_lines(entry, timezone)) for entry in shown)
    blocks.append(_("Choose a client to open their card."))
    buttons = []
    for entry in shown:
        badge = f" 💬{entry.unread}" if entry.unread else ""
        flag = " 🚩" if entry.open_flags else ""
        buttons.append(
            InlineKeyboardButton(
                label(f"👤 {entry.name}{badge}{flag}"),
                callback_data=encode(CLIENTS_ACTION, "c", entry.client_id, page),
            )
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = nav_row(page, pages, lambda p: encode(CLIENTS_ACTION, "p", p))
    if nav:
        rows.append(nav)
    return "\n\n".join(blocks), InlineKeyboardMarkup(rows)


def _checkin_line(line: CheckinLine, timezone: str) -> str:
    parts = []
    if line.mood is not None:
        parts.append(_("mood {mood}/5").format(mood=line.mood))
    if line.sleep is not None:
        parts.append(gettext(SLEEP[line.sleep]))
    if line.got_up is not None:
        parts.append(gettext(GOT_UP[line.got_up]))
    answers = ", ".join(parts) if parts else _("no answers")
    return f"• {_day(line.due_at, timezone)}: {answers}"


def card_view(card: ClientCard, page: int, timezone: str) -> tuple[str, InlineKeyboardMarkup]:
    """A client's card: who, agreement, times, check-ins, goals, notes, messages; and buttons."""
    head = [f"👤 <b>{escape(card.name)}</b>"]
    if card.status is not None:
        head.append(_("Status: {status}").format(status=gettext(STATUS[card.status])))
    if card.follow_up_until is not None:
        head.append(_("Follow-up until {date}.").format(date=_day(card.follow_up_until, timezone)))
    if card.agreement_accepted_at is not None:
        head.append(
            _("Agreement accepted on {date}.").format(
                date=_day(card.agreement_accepted_at, timezone)
            )
        )
    else:
        head.append(_("The agreement is not accepted yet."))
    if not card.checkins_shown:
        pass  # in follow-up there are no check-ins to time
    elif card.checkin_times:
        head.append(
            _("Check-in time: {times}").format(
                times=", ".join(format_time(t) for t in card.checkin_times)
            )
        )
    else:
        head.append(_("No check-in time yet."))
    standing = standing_line(card.standing, timezone)
    if standing:
        head.append(standing)
    blocks = ["\n".join(head)]

    if not card.checkins_shown:
        # Follow-up: the daily check-ins served the coaching and are not shown after it.
        blocks.append(_("📋 The check-ins ended with the coaching."))
    elif card.checkins:
        blocks.append(
            "\n".join(
                [_("📋 Last check-ins:")] + [_checkin_line(c, timezone) for c in card.checkins]
            )
        )
    else:
        blocks.append(_("📋 No check-ins yet."))

    if card.goals:
        goal_lines = [_("🎯 Goals:")]
        for goal in card.goals:
            line = _("• {title} ({area})").format(
                title=escape(_short(goal.title, GOAL_PREVIEW)), area=gettext(AREA[goal.area])
            )
            if goal.target_date is not None:
                line += " – " + _("by {date}").format(date=format_date(goal.target_date))
            if goal.status == GoalStatus.PROPOSED:
                line += " – " + _("waiting for the client's yes")
            goal_lines.append(line)
        blocks.append("\n".join(goal_lines))
    else:
        blocks.append(_("🎯 No goals yet."))

    if card.plan:
        blocks.append(
            _("📊 Plan: {areas}").format(
                areas=", ".join(
                    f"{gettext(AREA[area])} {'★' * card.plan.get(area.value, 0) or '–'}"
                    for area in GoalArea
                )
            )
        )

    if card.notes:
        note_lines = [_("📝 Latest notes (the client can read them):")]
        for note in card.notes:
            note_lines.append(
                _("• {date}, {coach}: {text}").format(
                    date=_day(note.created_at, timezone),
                    coach=escape(note.coach_name or _("a coach")),
                    text=escape(_short(note.text, NOTE_PREVIEW)),
                )
            )
        blocks.append("\n".join(note_lines))
    else:
        blocks.append(_("📝 No notes yet."))

    if card.unread:
        blocks.append(
            ngettext(
                "💬 {n} new message. /inbox shows it.",
                "💬 {n} new messages. /inbox shows them.",
                card.unread,
            ).format(n=card.unread)
        )
    else:
        blocks.append(_("💬 No new messages."))

    first_row = [
        InlineKeyboardButton(_("📝 Note"), callback_data=encode(NOTE_ACTION, "n", card.client_id))
    ]
    if card.can_act:
        first_row.append(
            InlineKeyboardButton(
                _("💬 Write"), callback_data=encode(CLIENTS_ACTION, "w", card.client_id)
            )
        )
    rows = [first_row]
    if card.can_act:
        # The client's rhythm: the same choices as the client's own /schedule and /pause.
        rows.append(
            [
                InlineKeyboardButton(
                    _("⏰ Check-in times"),
                    callback_data=encode(SCHEDULE_ACTION, card.client_id, "v"),
                ),
                InlineKeyboardButton(
                    _("⏸️ Pause"), callback_data=encode(PAUSE_ACTION, card.client_id, "v")
                ),
            ]
        )
    work_row = [
        InlineKeyboardButton(
            _("🎯 Goals"), callback_data=encode(COACH_GOAL_ACTION, "v", card.client_id)
        ),
        InlineKeyboardButton(_("📊 Plan"), callback_data=encode(PLAN_ACTION, "v", card.client_id)),
    ]
    if card.checkins_shown:
        # The chart is drawn from the check-ins: not in follow-up.
        work_row.append(
            InlineKeyboardButton(
                _("📈 Chart"), callback_data=encode(CHART_ACTION, "c", card.client_id)
            )
        )
    rows.append(work_row)
    if card.can_act and card.status in _CLOSING_BUTTON:
        # Ending the coaching, and afterwards its summary for the purchaser (bot/flows/closing.py).
        text, kind = _CLOSING_BUTTON[card.status]
        rows.append(
            [
                InlineKeyboardButton(
                    gettext(text), callback_data=encode(CLOSING_ACTION, kind, card.client_id)
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                _("⬅️ Back to the list"), callback_data=encode(CLIENTS_ACTION, "p", page)
            )
        ]
    )
    return "\n\n".join(blocks), InlineKeyboardMarkup(rows)


async def _list(
    context: Context, coach_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    async with services.db.session() as session:
        entries = await caseload.caseload(session, coach_id=coach_id, now=services.clock.now())
    return list_view(entries, page, context.require_actor().timezone)


async def clients_command(update: Update, context: Context) -> None:
    """/clients: the caseload on one screen."""
    coach_id = require_coach(context)
    text, keyboard = await _list(context, coach_id, 0)
    await reply(update, context, text, reply_markup=keyboard, purpose="clients")


async def show_card(update: Update, context: Context, client_id: int, page: int = 0) -> None:
    """Open a client's card in place of the message whose button was pressed."""
    coach_id = require_coach(context)
    services = context.services
    async with services.db.session() as session:
        card = await caseload.open_card(
            session, coach_id=coach_id, client_id=client_id, now=services.clock.now()
        )
    _LOGGER.info("coach %s read the card of client %s", coach_id, client_id)
    text, keyboard = card_view(card, page, context.require_actor().timezone)
    text, keyboard = await placement.with_card_part(
        context,
        client_id=client_id,
        can_act=card.can_act,
        text=text,
        keyboard=keyboard,
        organisation_ids=card.organisation_ids,
    )
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _start_writing(update: Update, context: Context, client_id: int) -> None:
    """The card's Write button: the coach's next message goes to this client."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
        await flows.set_step(
            session,
            person_id=coach_id,
            flow=REPLY_FLOW,
            step="answer",
            now=now,
            data={"client_id": client_id, "reply_to_id": None},
            awaiting_text=True,
            merge=False,
        )
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    await reply(
        update,
        context,
        _("Write your message to {name}. /cancel stops.").format(name=escape(name or "?")),
        purpose="write-prompt",
    )


async def on_button(update: Update, context: Context) -> None:
    """A button of the desk: a page of the list, a card, or Write."""
    query = update.callback_query
    assert query is not None
    require_coach(context)
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    if kind == "p" and callbacks.number(parts, 1) is not None:
        await answer_query(query)
        coach_id = require_coach(context)
        text, keyboard = await _list(context, coach_id, callbacks.number(parts, 1) or 0)
        await edit_or_reply(update, context, text, reply_markup=keyboard)
        return
    client_id = callbacks.number(parts, 1)
    if kind == "c" and client_id is not None:
        await show_card(update, context, client_id, callbacks.number(parts, 2) or 0)
        await answer_query(query)
        return
    if kind == "w" and client_id is not None:
        await _start_writing(update, context, client_id)
        await answer_query(query)
        return
    await answer_query(query, _("This button no longer works."))


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("clients", clients_command, filters=private))
    application.add_handler(
        CallbackQueryHandler(on_button, pattern=callbacks.pattern(CLIENTS_ACTION))
    )
