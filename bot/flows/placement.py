"""Recording a placement from a client's card, and the employer link made under consent.

💼 Placement on the card asks, one step at a time: the employer (typed, or one of the
organisation's employers), the contact person (optional), the job title, the start date (today,
next Monday, or typed d.m.yyyy), the hours a week and the kind of work. Saving it asks the client
for their consent (bot/flows/consent.py). 🔗 Employer link gives the coach a one-time link for the
employer's contact person, only while the client's consent stands. The buttons, steps and typed
answers are declared in FLOW at the end of the module (drawn in docs/flows/placement.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.flows.consent import queue_question
from bot.flows.mechanism import END, ID, FlowSpec, Route, Text, code
from bot.handlers.replies import edit_or_reply, reply
from bot.messages import callbacks, coping_notices
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import CLIENTS_ACTION, label
from bot.models.placements import Placement, PlacementKind
from bot.runtime.context import Context, require_coach
from bot.services import access, caseload, flows, invites, people, placements
from bot.services.days import local_day
from bot.services.employers import make_link
from bot.services.flows import Flow
from bot.services.placements import BadPlacement
from bot.text.dates import date_example, format_date, read_date
from bot.text.html_text import html
from bot.text.i18n import N_, _, gettext

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.PLACEMENT


class Step(StrEnum):
    EMPLOYER = "employer"  # the employer, typed or chosen
    CONTACT = "contact"  # the contact person, typed, or none
    TITLE = "title"  # the job title, typed
    START = "start"  # the start date, typed or chosen
    HOURS = "hours"  # the hours a week, typed or chosen
    KIND = "kind"  # the kind of work, chosen


class PlacementData(BaseModel):
    client_id: int
    employer_id: int | None = None
    employer: str | None = None
    contact: str | None = None
    title: str | None = None
    start: str | None = None  # ISO day
    hours: float | None = None


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
        html(_("💼 Work: {title} at {employer}"), title=placement.job_title, employer=employer),
        _("From {date}, {kind}").format(
            date=format_date(placement.start_date), kind=gettext(KIND_NAMES[placement.kind])
        ),
    ]
    if placement.hours_per_week is not None:
        lines.append(_("{hours} hours a week").format(hours=f"{placement.hours_per_week:g}"))
    if contact:
        lines.append(html(_("Contact person: {name}"), name=contact))
    return lines


def card_buttons(client_id: int, *, has_placement: bool) -> list[Button]:
    """The card's buttons for work: record a placement, and the employer link."""
    row = [Button.press(_("💼 Placement"), ACTION, "n", client_id)]
    if has_placement:
        row.append(Button.press(_("🔗 Employer link"), ACTION, "l", client_id))
        # bot/flows/meeting.py: a meeting with the employer, set by the coach.
        row.append(Button.press(_("📅 Meeting"), callbacks.MEETING, "n", client_id))
    return row


def _action_of(button: InlineKeyboardButton) -> str:
    return callbacks.decode(str(button.callback_data or ""))[0]


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
    at = next(
        (n for n, row in enumerate(rows) if _action_of(row[0]) == callbacks.CLOSING),
        max(len(rows) - 1, 0),
    )
    work = card_buttons(client_id, has_placement=placement is not None)
    rows.insert(at, [button.markup() for button in work])
    return text, InlineKeyboardMarkup(rows)


async def _set(context: Context, coach_id: int, step: Step, **changes: object) -> None:
    """On to `step`, with what the last answer gave."""
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=coach_id, now=now)
        if flow is None or flow.name != FLOW.name:
            raise BadPlacement("the placement's flow has ended")
        await FLOW.move(
            session,
            person_id=coach_id,
            step=step,
            now=now,
            data=FLOW.load(flow).model_copy(update=changes),
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
        await FLOW.move(
            session,
            person_id=coach_id,
            step=Step.EMPLOYER,
            now=now,
            data=PlacementData(client_id=client_id),
            awaiting_text=True,
        )
    buttons = [
        Button.press(label(f"🏢 {employer}"), ACTION, "e", eid)
        for eid, employer in employers[:MAX_EMPLOYER_BUTTONS]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    lines = [
        html(_("💼 New work for {name}."), name=name or "?"),
        _("Which employer? Write the name of the workplace."),
    ]
    if buttons:
        lines[-1] = _("Which employer? Choose one, or write the name of the workplace.")
    lines.append(_("/cancel stops."))
    await reply(
        update,
        context,
        "\n\n".join(lines),
        reply_markup=Keyboard.of(rows).markup() if rows else None,
        purpose="placement-employer",
    )


async def _ask_contact(update: Update, context: Context) -> None:
    keyboard = Keyboard.column(Button.press(_("⏭️ No contact person now"), ACTION, "s")).markup()
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
    keyboard = Keyboard.row(
        Button.press(_("📅 Today"), ACTION, "d", "t"),
        Button.press(_("📅 Next Monday"), ACTION, "d", "m"),
    ).markup()
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
    keyboard = Keyboard.row(*(Button.press(h, ACTION, "h", h) for h in HOURS)).markup()
    await reply(
        update,
        context,
        _("How many hours a week? Choose, or write the number."),
        reply_markup=keyboard,
        purpose="placement-hours",
    )


async def _ask_kind(update: Update, context: Context) -> None:
    rows = [
        [Button.press(gettext(text), ACTION, "k", code)] for code, (_kind, text) in KINDS.items()
    ]
    await reply(
        update,
        context,
        _("What kind of work is it?"),
        reply_markup=Keyboard.of(rows).markup(),
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
        if step == Step.EMPLOYER:
            employer = placements.clean_text(text, placements.MAX_NAME)
            await _set(context, coach_id, Step.CONTACT, employer_id=None, employer=employer)
            await _ask_contact(update, context)
        elif step == Step.CONTACT:
            name = placements.clean_text(text, placements.MAX_NAME)
            await _set(context, coach_id, Step.TITLE, contact=name)
            await _ask_title(update, context)
        elif step == Step.TITLE:
            title = placements.clean_text(text, placements.MAX_TITLE)
            await _set(context, coach_id, Step.START, title=title)
            await _ask_start(update, context)
        elif step == Step.START:
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
            await _set(context, coach_id, Step.HOURS, start=day.isoformat())
            await _ask_hours(update, context)
        elif step == Step.HOURS:
            hours, refusal = placements.read_hours(text)
            if hours is None:
                await reply(
                    update,
                    context,
                    refusal,
                    purpose="placement-retry",
                )
                return
            await _set(context, coach_id, Step.KIND, hours=hours)
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
    data = FLOW.load(flow)
    client_id = data.client_id
    if data.title is None or data.start is None:
        raise BadPlacement("the placement has no title or start yet")
    async with services.db.session() as session:
        placement = await placements.record(
            session,
            coach_id=coach_id,
            client_id=client_id,
            employer_id=data.employer_id or None,
            employer_name=data.employer or "",
            contact_name=data.contact or None,
            job_title=data.title,
            start_date=dt.date.fromisoformat(data.start),
            hours_per_week=data.hours,
            kind=kind,
            now=now,
        )
        # The coach is offered to put emphasis on coping at work (agreed with the client).
        await coping_notices.propose_coping_emphasis(
            session, client_id=client_id, coach_id=coach_id, now=now
        )
        await FLOW.end(session, person_id=coach_id)
        assert placement.id is not None
        await queue_question(session, placement=placement, now=now)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
        employer = await placements.employer_name(session, employer_id=placement.employer_id)
    services.wake_sender()
    services.wake_dispatcher()  # the follow-up's first contacts are due from the start date
    _LOGGER.info("coach %s recorded placement %s", coach_id, placement.id)
    keyboard = Keyboard.column(
        Button.press(_("👤 Open the card"), CLIENTS_ACTION, "c", client_id, 0)
    ).markup()
    await edit_or_reply(
        update,
        context,
        "\n\n".join(
            [
                html(
                    _("✓ Saved: {title} at {employer}."),
                    title=placement.job_title,
                    employer=employer or "?",
                ),
                html(
                    _(
                        "I asked {name} whether {employer} may be in touch with you about their "
                        "work. I will tell you the answer."
                    ),
                    name=name or "?",
                    employer=employer or "?",
                ),
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
                html(
                    _("🔗 A link for the contact person at {employer}:"),
                    employer=link.employer_name,
                ),
                url,
                _("It works once, until {date}. Send it to the contact person yourself.").format(
                    date=format_date(local_day(link.expires_at, timezone))
                ),
            ]
        ),
        purpose="employer-link",
    )


async def _start(update: Update, context: Context, client_id: int) -> None:
    await _begin(update, context, client_id)


async def _employer_link(update: Update, context: Context, client_id: int) -> None:
    await _link(update, context, client_id)


async def _employer(update: Update, context: Context, employer_id: int) -> None:
    """One of the organisation's employers chosen."""
    coach_id = require_coach(context)
    services = context.services
    async with services.db.session() as session:
        employers = dict(
            await placements.employers_of(session, coach_id=coach_id, now=services.clock.now())
        )
    if employer_id not in employers:
        raise access.AccessDenied(f"employer {employer_id} is not of the coach's organisation")
    await _set(context, coach_id, Step.CONTACT, employer_id=employer_id, employer=None)
    await _ask_contact(update, context)


async def _no_contact(update: Update, context: Context) -> None:
    await _set(context, require_coach(context), Step.TITLE, contact=None)
    await _ask_title(update, context)


async def _start_day(update: Update, context: Context, when: str) -> None:
    """Today, or next Monday."""
    today = local_day(context.services.clock.now(), context.require_actor().timezone)
    day = today if when == "t" else placements.next_monday(today)
    await _set(context, require_coach(context), Step.HOURS, start=day.isoformat())
    await _ask_hours(update, context)


async def _hours(update: Update, context: Context, hours: str) -> None:
    await _set(context, require_coach(context), Step.KIND, hours=float(hours))
    await _ask_kind(update, context)


async def _kind(update: Update, context: Context, code: str) -> None:
    """The kind of work: the placement is saved."""
    coach_id = require_coach(context)
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=coach_id, now=services.clock.now())
    if flow is None or flow.name != FLOW.name:
        await FLOW.answer_stale(update, context)
        return
    await _save(update, context, flow, KINDS[code][0])


FLOW = FlowSpec[PlacementData](
    name="placement",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=PlacementData,
    guard=require_coach,
    answer_first=True,
    routes=[
        Route(("n", ID), _start, goes_to=Step.EMPLOYER, what="💼 Placement on the card"),
        Route(("l", ID), _employer_link, what="🔗 Employer link on the card"),
        Route(
            ("e", ID),
            _employer,
            shown_in=(Step.EMPLOYER,),
            goes_to=Step.CONTACT,
            strict=True,
            what="one of the organisation's employers",
        ),
        Route(
            ("s",),
            _no_contact,
            shown_in=(Step.CONTACT,),
            goes_to=Step.TITLE,
            strict=True,
            what="no contact person now",
        ),
        Route(
            ("d", code("day", ("t", "m"))),
            _start_day,
            shown_in=(Step.START,),
            goes_to=Step.HOURS,
            strict=True,
            what="today, or next Monday",
        ),
        Route(
            ("h", code("hours", HOURS)),
            _hours,
            shown_in=(Step.HOURS,),
            goes_to=Step.KIND,
            strict=True,
            what="hours a week",
        ),
        Route(
            ("k", code("kind", KINDS)),
            _kind,
            shown_in=(Step.KIND,),
            goes_to=END,
            strict=True,
            what="the kind of work: saved",
        ),
    ],
    texts=[Text(None, on_text, goes_to=None)],
)
register = FLOW.register
