"""Onboarding a client who opened their coach's invite, buttons first and in plain words:
language → who the coach is → privacy → the coaching agreement → the first check-in time → done.

Every step is kept in the client's flow row, so an interrupted onboarding continues where it
stopped, also after a restart. Declining the agreement erases what was stored and tells the coach.
Every button carries the flow's version. The steps and buttons are declared in FLOW at the end of
the module (drawn in docs/flows/onboarding.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from telegram import InlineKeyboardMarkup, Message, Update

from bot.flows.mechanism import END, VERSION, ButtonHandler, FlowSpec, Route, Text, code
from bot.handlers.language import FLAGS
from bot.handlers.replies import answer_query, answer_stale, close_question, escape, reply
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.keyboards import client_keyboard
from bot.messages.send import send_text
from bot.models.people import Organisation, Person
from bot.runtime.context import Context
from bot.services import enrolment, flows, people, schedules
from bot.services.enrolment import Enrolment
from bot.services.flows import Flow
from bot.text.dates import format_time, read_time
from bot.text.html_text import html
from bot.text.i18n import LANGUAGE_NAMES, LOCALES, _, set_locale, use_locale

ACTION = callbacks.ONBOARDING


class Step(StrEnum):
    LANGUAGE = "language"
    COACH = "coach"  # who the coach is
    PRIVACY = "privacy"
    AGREEMENT = "agreement"
    DECLINE = "decline"  # are you sure you do not join?
    TIME = "time"  # the first check-in time
    TIME_TYPED = "time_typed"  # waiting for the time, typed


class OnboardingData(BaseModel):
    coach_id: int
    coaching_id: int
    organisation_id: int
    # What this invite added, so that declining takes away exactly that.
    created: dict[str, Any] | None = None


TIMES = {"0800": dt.time(8, 0), "0900": dt.time(9, 0), "1000": dt.time(10, 0)}
_TIME_EMOJI = {"0800": "🌅", "0900": "☀️", "1000": "🕙"}


@dataclass(frozen=True, slots=True)
class _Who:
    """The names an onboarding step speaks of."""

    client_name: str
    coach_name: str
    organisation: str


def _button(label: str, version: int, value: str) -> Button:
    return Button.press(label, ACTION, version, value)


def _step_view(
    step: str, version: int, who: _Who, data: dict[str, object]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of a step, in the current language."""
    coach = escape(who.coach_name)
    if step == "language":
        text = _("Welcome! 👋 Which language do you want? Choose one:")
        rows = [[_button(f"{FLAGS[c]} {LANGUAGE_NAMES[c]}", version, c)] for c in LOCALES]
        return text, Keyboard.of(rows).markup()
    if step == "coach":
        text = "\n\n".join(
            [
                _("Your job coach is {coach} from {organisation}. 😊").format(
                    coach=coach, organisation=escape(who.organisation)
                ),
                _("I help you keep in touch with {coach} between your meetings.").format(
                    coach=coach
                ),
            ]
        )
        return text, Keyboard.of([[_button(_("▶️ Continue"), version, "go")]]).markup()
    if step == "privacy":
        text = "\n".join(
            [
                _("🔒 About your data"),
                "",
                _("• I save your answers and your messages."),
                _("• {coach} sees your check-ins and messages.").format(coach=coach),
                _("• An employer never sees them."),
                html(
                    _("• This chat is not the official client record of {organisation}."),
                    organisation=who.organisation,
                ),
                _("• /mydata sends you everything saved about you. /forget erases it."),
            ]
        )
        return text, Keyboard.of([[_button(_("👍 I understand"), version, "ok")]]).markup()
    if step == "agreement":
        text = "\n".join(
            [
                _("🤝 The coaching agreement"),
                "",
                _("• You and {coach} agree on your goals together.").format(coach=coach),
                _("• I ask you short questions, for example how you slept."),
                _("• You can write to {coach} here at any time.").format(coach=coach),
                _("• You can stop at any time."),
                "",
                _("Do you agree?"),
            ]
        )
        rows = [
            [_button(_("✅ Yes, I agree"), version, "yes")],
            [_button(_("❌ No, I do not accept"), version, "no")],
        ]
        return text, Keyboard.of(rows).markup()
    if step == "decline":
        text = _(
            "Are you sure? Then I delete what you gave me here, and I tell {coach} "
            "that you did not join."
        ).format(coach=coach)
        rows = [
            [_button(_("❌ I do not join – delete my data"), version, "decline")],
            [_button(_("↩️ Back to the agreement"), version, "back")],
        ]
        return text, Keyboard.of(rows).markup()
    if step == "time":
        text = _(
            "Every weekday I ask you a few short questions, for example how you slept. "
            "When is a good time for you?"
        )
        buttons = [
            _button(f"{_TIME_EMOJI[key]} {format_time(value)}", version, key)
            for key, value in TIMES.items()
        ]
        rows = [buttons, [_button(_("⏰ Another time"), version, "other")]]
        return text, Keyboard.of(rows).markup()
    if step == "time_typed":
        return _("Write the time, for example {example}.").format(
            example=format_time(dt.time(8, 30))
        ), None
    raise ValueError(f"unknown onboarding step {step!r}")


async def _who(context: Context, client_id: int, flow: Flow) -> _Who:
    data = FLOW.load(flow)
    services = context.services
    async with services.db.session() as session:
        client = await session.get(Person, client_id)
        coach = await session.get(Person, data.coach_id)
        organisation = await session.get(Organisation, data.organisation_id)
    return _Who(
        client_name=(client.display_name if client else None) or "",
        coach_name=people.first_name(coach.display_name if coach else None) or _("your coach"),
        organisation=organisation.name if organisation else "",
    )


async def _show(update: Update, context: Context, client_id: int, flow: Flow) -> None:
    who = await _who(context, client_id, flow)
    text, keyboard = _step_view(flow.step, flow.version, who, flow.data)
    await reply(update, context, text, reply_markup=keyboard, purpose=f"onboarding-{flow.step}")


async def begin(update: Update, context: Context, joined: Enrolment) -> None:
    """The client has just opened the invite: start with the language."""
    services = context.services
    async with services.db.session() as session:
        flow = await FLOW.move(
            session,
            person_id=joined.client_id,
            step=Step.LANGUAGE,
            now=services.clock.now(),
            data=OnboardingData(
                coach_id=joined.coach_id,
                coaching_id=joined.coaching_id,
                organisation_id=joined.organisation_id,
                created=joined.created.as_data() if joined.created else None,
            ),
        )
    await _show(update, context, joined.client_id, flow)


async def resume(update: Update, context: Context, client_id: int) -> bool:
    """Show the step the client stopped at; False if they are not onboarding."""
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=client_id, now=services.clock.now())
    if flow is None or flow.name != FLOW.name:
        return False
    if flow.step == Step.TIME_TYPED and not flow.awaiting_text:
        flow = await _to(context, client_id, flow, Step.TIME)
    await _show(update, context, client_id, flow)
    return True


async def _close_question(update: Update, chosen: str) -> None:
    """Leave the answered question in the chat with the choice under it, without buttons."""
    query = update.callback_query
    if query is not None:
        await close_question(query, f"✔️ {escape(chosen)}")


def _label_of(update: Update) -> str:
    query = update.callback_query
    if (
        query is None
        or not isinstance(query.message, Message)
        or query.message.reply_markup is None
    ):
        return ""
    for row in query.message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return ""


async def _to(
    context: Context, client_id: int, flow: Flow, step: Step, *, awaiting_text: bool = False
) -> Flow:
    """On to `step`, the flow's data kept."""
    services = context.services
    async with services.db.session() as session:
        return await FLOW.move(
            session,
            person_id=client_id,
            step=step,
            now=services.clock.now(),
            data=FLOW.load(flow),
            awaiting_text=awaiting_text,
        )


async def _answered(update: Update, context: Context) -> int:
    """The press answered and its question closed with the choice under it; the client."""
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    await _close_question(update, _label_of(update))
    client_id = context.require_actor().person_id
    assert client_id is not None
    return client_id


async def _next(update: Update, context: Context, flow: Flow, step: Step) -> None:
    client_id = await _answered(update, context)
    await _show(update, context, client_id, await _to(context, client_id, flow, step))


async def _language(update: Update, context: Context, flow: Flow, locale: str) -> None:
    client_id = await _answered(update, context)
    services = context.services
    async with services.db.session() as session:
        await people.choose_locale(
            session,
            telegram_user_id=context.require_actor().telegram_user_id,
            locale=locale,
            now=services.clock.now(),
            default_timezone=services.settings.default_timezone,
        )
    set_locale(locale)
    await _show(update, context, client_id, await _to(context, client_id, flow, Step.COACH))


async def _go(update: Update, context: Context, flow: Flow) -> None:
    await _next(update, context, flow, Step.PRIVACY)


async def _understood(update: Update, context: Context, flow: Flow) -> None:
    await _next(update, context, flow, Step.AGREEMENT)


async def _agree(update: Update, context: Context, flow: Flow) -> None:
    client_id = await _answered(update, context)
    services = context.services
    async with services.db.session() as session:
        await enrolment.accept_agreement(
            session,
            coaching_id=FLOW.load(flow).coaching_id,
            client_id=client_id,
            now=services.clock.now(),
        )
    await _show(update, context, client_id, await _to(context, client_id, flow, Step.TIME))


async def _do_not_accept(update: Update, context: Context, flow: Flow) -> None:
    await _next(update, context, flow, Step.DECLINE)


async def _back(update: Update, context: Context, flow: Flow) -> None:
    await _next(update, context, flow, Step.AGREEMENT)


async def _do_not_join(update: Update, context: Context, flow: Flow) -> None:
    await _decline(update, context, await _answered(update, context), flow)


async def _time(update: Update, context: Context, flow: Flow, key: str) -> None:
    await _finish(update, context, await _answered(update, context), flow, TIMES[key])


async def _other_time(update: Update, context: Context, flow: Flow) -> None:
    client_id = await _answered(update, context)
    flow = await _to(context, client_id, flow, Step.TIME_TYPED, awaiting_text=True)
    await _show(update, context, client_id, flow)


async def _stale(update: Update, context: Context) -> None:
    """An old button: said so, and the step the client is at shown again."""
    query = update.callback_query
    assert query is not None
    await answer_stale(query)
    actor = context.require_actor()
    if actor.person_id is None:
        return
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=actor.person_id, now=services.clock.now())
    if flow is not None and flow.name == FLOW.name:
        await _show(update, context, actor.person_id, flow)


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """Typed text while onboarding: a check-in time when one was asked for."""
    actor = context.require_actor()
    assert actor.person_id is not None
    message = update.effective_message
    reading = read_time(message.text or "") if message is not None else None
    typed = reading.time if reading is not None else None
    if flow.step != Step.TIME_TYPED or typed is None:
        if flow.step == Step.TIME_TYPED:
            await reply(
                update,
                context,
                reading.refusal if reading is not None else "",
                purpose="onboarding-time-retry",
            )
            return
        await resume(update, context, actor.person_id)
        return
    await _finish(update, context, actor.person_id, flow, typed)


async def _finish(
    update: Update, context: Context, client_id: int, flow: Flow, at: dt.time
) -> None:
    """Save the first check-in time, tell the client what happens next and the coach who joined."""
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        client = await session.get(Person, client_id)
        assert client is not None
        await schedules.set_single_time(
            session, client_id=client_id, local_time=at, timezone=client.timezone, now=now
        )
        await FLOW.end(session, person_id=client_id)
        coach = await session.get(Person, FLOW.load(flow).coach_id)
        if coach is not None and coach.id is not None and coach.chat_id is not None:
            name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=client_id)
            with use_locale(coach.locale):
                text = html(
                    _("✅ {name} joined. They accepted the coaching agreement."), name=name or ""
                )
            await send_text(
                session, to=coach, text=text, now=now, subject_id=client_id, purpose="client-joined"
            )
    who = await _who(context, client_id, flow)
    text = "\n".join(
        [
            html(_("All set, {name}! ✅"), name=who.client_name),
            "",
            _("What happens next:"),
            _("• Every weekday at {time} I ask how you are. It takes a minute.").format(
                time=format_time(at)
            ),
            html(_("• You can write to {coach} here at any time."), coach=who.coach_name),
            _("• /help shows everything I can do."),
        ]
    )
    await reply(update, context, text, reply_markup=client_keyboard(), purpose="onboarding-done")
    services.wake_sender()
    services.wake_dispatcher()


async def _decline(update: Update, context: Context, client_id: int, flow: Flow) -> None:
    """The client does not join: take away what the invite added and tell the coach, naming
    no reason. A person who was there before keeps everything they had."""
    services = context.services
    now = services.clock.now()
    data = FLOW.load(flow)
    coaching_id = data.coaching_id
    organisation_id = data.organisation_id
    async with services.db.session() as session:
        coach = await session.get(Person, data.coach_id)
        name = None
        if coach is not None and coach.id is not None:
            name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=client_id)
        # Only what this organisation could see before decides the coach's words: a person
        # known to another organisation is a new person here.
        known_here = await enrolment.had_coaching_before(
            session, client_id=client_id, organisation_id=organisation_id, coaching_id=coaching_id
        )
        await FLOW.end(session, person_id=client_id)
        declined = await enrolment.decline(
            session,
            client_id=client_id,
            coaching_id=coaching_id,
            coach_id=data.coach_id,
            created=enrolment.Created.from_data(data.created),
            now=now,
        )
        if coach is not None and coach.id is not None and coach.chat_id is not None:
            with use_locale(coach.locale):
                if known_here:
                    text = html(
                        _(
                            "{name} did not accept the coaching agreement. I removed the new "
                            "coaching. Their earlier coaching here stays as it was."
                        ),
                        name=name or "",
                    )
                else:
                    text = html(
                        _(
                            "{name} did not accept the coaching agreement. "
                            "Nothing about them was saved."
                        ),
                        name=name or "",
                    )
            await send_text(session, to=coach, text=text, now=now, purpose="client-declined")
    if declined is enrolment.Declined.ERASED:
        text = _(
            "OK. You did not join, and I deleted what you gave me. "
            "If you change your mind, ask your coach for a new link."
        )
    else:
        text = _(
            "OK. You did not join this coaching. I removed only what this link started. "
            "Everything from before stays as it was. "
            "If you change your mind, ask your coach for a new link."
        )
    await reply(update, context, text, purpose="onboarding-declined")
    services.wake_sender()


def _on(step: Step, value: str, handler: ButtonHandler, goes_to: str, what: str) -> Route:
    return Route((VERSION, value), handler, shown_in=(step,), goes_to=goes_to, what=what)


FLOW = FlowSpec[OnboardingData](
    name="onboarding",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=OnboardingData,
    guard=lambda context: context.require_actor().person_id is not None,
    on_stale=_stale,
    routes=[
        Route(
            (VERSION, code("locale", LOCALES)),
            _language,
            shown_in=(Step.LANGUAGE,),
            goes_to=Step.COACH,
            what="the language",
        ),
        _on(Step.COACH, "go", _go, Step.PRIVACY, "▶️ Continue"),
        _on(Step.PRIVACY, "ok", _understood, Step.AGREEMENT, "👍 I understand"),
        _on(Step.AGREEMENT, "yes", _agree, Step.TIME, "✅ Yes, I agree"),
        _on(Step.AGREEMENT, "no", _do_not_accept, Step.DECLINE, "❌ No, I do not accept"),
        _on(Step.DECLINE, "back", _back, Step.AGREEMENT, "↩️ Back to the agreement"),
        _on(Step.DECLINE, "decline", _do_not_join, END, "❌ Yes, I do not join"),
        Route(
            (VERSION, code("time", TIMES)),
            _time,
            shown_in=(Step.TIME,),
            goes_to=END,
            what="the first check-in time",
        ),
        _on(Step.TIME, "other", _other_time, Step.TIME_TYPED, "⏰ Another time"),
    ],
    texts=[Text(None, on_text, goes_to=END)],
)
register = FLOW.register
