"""Recording a placement from a client's card, and the employer link made under consent.

💼 Placement on the card asks, one step at a time: the employer (typed, or one of the
organisation's employers), the contact person (optional), the job title, the start date (today,
next Monday, or typed d.m.yyyy), the hours a week and the kind of work. Saving it asks the client
for their consent (bot/flows/consent.py). 🔗 Employer link gives the coach a one-time link for the
employer's contact person, only while the client's consent stands.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.flows.consent import queue_question
from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.closing_notices import ACTION as CLOSING_ACTION
from bot.messages.pickers import CLIENTS_ACTION, encode, label
from bot.models.placements import Placement, PlacementKind
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import access, caseload, flows, invites, people, placements
from bot.services.employers import make_link
from bot.services.flows import Flow
from bot.services.handover import local_day
from bot.services.placements import BadPlacement
from bot.text.dates import date_example, format_date, read_date
from bot.text.i18n import N_, _, gettext

_LOGGER = logging.getLogger(__name__)

FLOW = "placement"
# pm:n:CLIENT (start), pm:e:EMPLOYER, pm:s (no contact person), pm:d:t|m (start date),
# pm:h:HOURS, pm:k:KIND, pm:l:CLIENT (an employer link)
ACTION = "pm"

KINDS = {
    "o": (PlacementKind.OPEN_LABOUR_MARKET, N_("🏢 Open labour market")),
    "w": (PlacementKind.WAGE_SUBSIDISED, N_("💶 Wage-subsidised work")),
    "a": (PlacementKind.APPRENTICESHIP, N_("🎓 Apprenticeship")),
    "t": (PlacementKind.WORK_TRIAL, N_("🔍 Work trial")),
}
KIND_NAMES = {kind: text for kind, text in KINDS.values()}
HOURS = ("20", "25", "30", "37.5")
MAX_EMPLOYER_BUTTONS = 8


def placement_lines(placement: Placement, employer: str, contact: str | None) -> list[str]:
    """The current placement as the card shows it."""
    lines = [
        _("💼 Work: {title} at {employer}").format(
            title=escape(placement.job_title), employer=escape(employer)
        ),
        _("From {date}, {kind}").format(
            date=format_date(placement.start_date), kind=gettext(KIND_NAMES[placement.kind])
        ),
    ]
    if placement.hours_per_week is not None:
        lines.append(_("{hours} hours a week").format(hours=f"{placement.hours_per_week:g}"))
    if contact:
        lines.append(_("Contact person: {name}").format(name=escape(contact)))
    return lines


def card_buttons(client_id: int, *, has_placement: bool) -> list[InlineKeyboardButton]:
    """The card's buttons for work: record a placement, and the employer link."""
    row = [InlineKeyboardButton(_("💼 Placement"), callback_data=encode(ACTION, "n", client_id))]
    if has_placement:
        row.append(
            InlineKeyboardButton(
                _("🔗 Employer link"), callback_data=encode(ACTION, "l", client_id)
            )
        )
        # bot/flows/meeting.py: a meeting with the employer, set by the coach.
        row.append(
            InlineKeyboardButton(_("📅 Meeting"), callback_data=encode("mt", "n", client_id))
        )
    return row


async def card_part(
    context: Context, *, client_id: int, organisation_ids: frozenset[int] | None = None
) -> tuple[list[str], Placement | None]:
    """The card's lines about the client's current placement (with an employer of one of
    `organisation_ids`, when given: another organisation's placement is not on this card)."""
    async with context.services.db.session() as session:
        placement = await placements.current(
            session, client_id=client_id, organisation_ids=organisation_ids
        )
        if placement is None:
            return [], None
        employer = await placements.employer_name(session, employer_id=placement.employer_id)
        contact = await placements.contact_name(session, placement=placement)
    return placement_lines(placement, employer or "?", contact), placement


async def with_card_part(
    context: Context,
    *,
    client_id: int,
    can_act: bool,
    text: str,
    keyboard: InlineKeyboardMarkup,
    organisation_ids: frozenset[int] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """A client's card with their current placement under its head, and the work buttons."""
    lines, placement = await card_part(
        context, client_id=client_id, organisation_ids=organisation_ids
    )
    if lines:
        head, _sep, rest = text.partition("\n\n")
        text = "\n\n".join(part for part in [head, "\n".join(lines), rest] if part)
    if not can_act:
        return text, keyboard
    rows = [list(row) for row in keyboard.inline_keyboard]
    # Above ending the coaching (when the card offers it) and going back: work comes before both.
    closing = f"{CLOSING_ACTION}:"
    at = next(
        (n for n, row in enumerate(rows) if str(row[0].callback_data or "").startswith(closing)),
        max(len(rows) - 1, 0),
    )
    rows.insert(at, card_buttons(client_id, has_placement=placement is not None))
    return text, InlineKeyboardMarkup(rows)


async def _set(context: Context, coach_id: int, step: str, data: dict[str, object]) -> None:
    services = context.services
    async with services.db.session() as session:
        await flows.set_step(
            session,
            person_id=coach_id,
            flow=FLOW,
            step=step,
            now=services.clock.now(),
            data=data,
            awaiting_text=True,
        )


async def _begin(update: Update, context: Context, client_id: int) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
        employers = await placements.employers_of(session, coach_id=coach_id, now=now)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
        await flows.set_step(
            session,
            person_id=coach_id,
            flow=FLOW,
            step="employer",
            now=now,
            data={"client_id": client_id},
            awaiting_text=True,
            merge=False,
        )
    buttons = [
        InlineKeyboardButton(label(f"🏢 {employer}"), callback_data=encode(ACTION, "e", eid))
        for eid, employer in employers[:MAX_EMPLOYER_BUTTONS]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    lines = [
        _("💼 New work for {name}.").format(name=escape(name or "?")),
        _("Which employer? Write the name of the workplace."),
    ]
    if buttons:
        lines[-1] = _("Which employer? Choose one, or write the name of the workplace.")
    lines.append(_("/cancel stops."))
    await reply(
        update,
        context,
        "\n\n".join(lines),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
        purpose="placement-employer",
    )


async def _ask_contact(update: Update, context: Context) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("⏭️ No contact person now"), callback_data=encode(ACTION, "s"))]]
    )
    await reply(
        update,
        context,
        _("Who is the contact person at the workplace? Write their name."),
        reply_markup=keyboard,
        purpose="placement-contact",
    )


async def _ask_title(update: Update, context: Context) -> None:
    await reply(
        update, context, _("What is the job? Write the job title."), purpose="placement-title"
    )


async def _ask_start(update: Update, context: Context) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("📅 Today"), callback_data=encode(ACTION, "d", "t")),
                InlineKeyboardButton(_("📅 Next Monday"), callback_data=encode(ACTION, "d", "m")),
            ]
        ]
    )
    await reply(
        update,
        context,
        _("When does the work start? Choose, or write another date like {example}.").format(
            example=date_example()
        ),
        reply_markup=keyboard,
        purpose="placement-start",
    )


async def _ask_hours(update: Update, context: Context) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(h, callback_data=encode(ACTION, "h", h)) for h in HOURS]]
    )
    await reply(
        update,
        context,
        _("How many hours a week? Choose, or write the number."),
        reply_markup=keyboard,
        purpose="placement-hours",
    )


async def _ask_kind(update: Update, context: Context) -> None:
    rows = [
        [InlineKeyboardButton(gettext(text), callback_data=encode(ACTION, "k", code))]
        for code, (_kind, text) in KINDS.items()
    ]
    await reply(
        update,
        context,
        _("What kind of work is it?"),
        reply_markup=InlineKeyboardMarkup(rows),
        purpose="placement-kind",
    )


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """A typed answer: the employer's name, the contact's name, the title, a date or hours."""
    coach_id = require_coach(context)
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    if not text:
        await reply(update, context, _("Please write it as text."), purpose="placement-retry")
        return
    step = flow.step
    try:
        if step == "employer":
            await _set(
                context,
                coach_id,
                "contact",
                {"employer_id": None, "employer": placements.clean_text(text, placements.MAX_NAME)},
            )
            await _ask_contact(update, context)
        elif step == "contact":
            name = placements.clean_text(text, placements.MAX_NAME)
            await _set(context, coach_id, "title", {"contact": name})
            await _ask_title(update, context)
        elif step == "title":
            title = placements.clean_text(text, placements.MAX_TITLE)
            await _set(context, coach_id, "start", {"title": title})
            await _ask_start(update, context)
        elif step == "start":
            today = context.services.clock.now().astimezone(context.services.settings.tz).date()
            reading = read_date(text, today=today)
            day = reading.day
            if day is None:
                await reply(
                    update,
                    context,
                    reading.refusal,
                    purpose="placement-retry",
                )
                return
            await _set(context, coach_id, "hours", {"start": day.isoformat()})
            await _ask_hours(update, context)
        elif step == "hours":
            hours, refusal = placements.read_hours(text)
            if hours is None:
                await reply(
                    update,
                    context,
                    refusal,
                    purpose="placement-retry",
                )
                return
            await _set(context, coach_id, "kind", {"hours": hours})
            await _ask_kind(update, context)
        else:
            await _ask_kind(update, context)
    except BadPlacement:
        await reply(
            update,
            context,
            _("That is empty or too long. Please write it again, at most 200 characters."),
            purpose="placement-retry",
        )


async def _save(update: Update, context: Context, flow: Flow, kind: PlacementKind) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    data = flow.data
    client_id = int(str(data["client_id"]))
    async with services.db.session() as session:
        placement = await placements.record(
            session,
            coach_id=coach_id,
            client_id=client_id,
            employer_id=int(str(data["employer_id"])) if data.get("employer_id") else None,
            employer_name=str(data.get("employer") or ""),
            contact_name=str(data["contact"]) if data.get("contact") else None,
            job_title=str(data["title"]),
            start_date=dt.date.fromisoformat(str(data["start"])),
            hours_per_week=float(str(data["hours"])) if data.get("hours") is not None else None,
            kind=kind,
            now=now,
        )
        await flows.clear(session, person_id=coach_id, flow=FLOW)
        assert placement.id is not None
        await queue_question(session, placement=placement, now=now)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
        employer = await placements.employer_name(session, employer_id=placement.employer_id)
    services.wake_sender()
    services.wake_dispatcher()  # the follow-up's first contacts are due from the start date
    _LOGGER.info("coach %s recorded placement %s", coach_id, placement.id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("👤 Open the card"), callback_data=encode(CLIENTS_ACTION, "c", client_id, 0)
                )
            ]
        ]
    )
    await edit_or_reply(
        update,
        context,
        "\n\n".join(
            [
                _("✓ Saved: {title} at {employer}.").format(
                    title=escape(placement.job_title), employer=escape(employer or "?")
                ),
                _(
                    "I asked {name} whether {employer} may be in touch with you about their "
                    "work. I will tell you the answer."
                ).format(name=escape(name or "?"), employer=escape(employer or "?")),
            ]
        ),
        reply_markup=keyboard,
    )


async def _link(update: Update, context: Context, client_id: int) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        link = await make_link(session, coach_id=coach_id, client_id=client_id, now=now)
    url = invites.deep_link(context.bot.username, link.token)
    timezone = context.require_actor().timezone
    await reply(
        update,
        context,
        "\n\n".join(
            [
                _("🔗 A link for the contact person at {employer}:").format(
                    employer=escape(link.employer_name)
                ),
                url,
                _("It works once, until {date}. Send it to the contact person yourself.").format(
                    date=format_date(local_day(link.expires_at, timezone))
                ),
            ]
        ),
        purpose="employer-link",
    )


async def on_button(update: Update, context: Context) -> None:
    """A button of recording a placement, or the employer link."""
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    value = parts[1] if len(parts) > 1 else ""
    number = callbacks.number(parts, 1)
    if kind == "n" and number is not None:
        await answer_query(query)
        await _begin(update, context, number)
        return
    if kind == "l" and number is not None:
        await answer_query(query)
        await _link(update, context, number)
        return
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=coach_id, now=services.clock.now())
    expected = {"e": "employer", "s": "contact", "d": "start", "h": "hours", "k": "kind"}
    if flow is None or flow.name != FLOW or expected.get(kind) != flow.step:
        await answer_query(query, _("This button no longer works."))
        return
    await answer_query(query)
    if kind == "e" and number is not None:
        async with services.db.session() as session:
            employers = dict(
                await placements.employers_of(session, coach_id=coach_id, now=services.clock.now())
            )
        if number not in employers:
            raise access.AccessDenied(f"employer {number} is not of the coach's organisation")
        await _set(context, coach_id, "contact", {"employer_id": number, "employer": None})
        await _ask_contact(update, context)
    elif kind == "s":
        await _set(context, coach_id, "title", {"contact": None})
        await _ask_title(update, context)
    elif kind == "d" and value in ("t", "m"):
        today = local_day(services.clock.now(), context.require_actor().timezone)
        day = today if value == "t" else placements.next_monday(today)
        await _set(context, coach_id, "hours", {"start": day.isoformat()})
        await _ask_hours(update, context)
    elif kind == "h" and value in HOURS:
        await _set(context, coach_id, "kind", {"hours": float(value)})
        await _ask_kind(update, context)
    elif kind == "k" and value in KINDS:
        await _save(update, context, flow, KINDS[value][0])
    else:
        await reply(update, context, _("This button no longer works."), purpose="stale")


def register(application: CompanionApplication) -> None:
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
