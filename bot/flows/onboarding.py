"""Onboarding a client who opened their coach's invite, buttons first and in plain words:
language → who the coach is → privacy → the coaching agreement → the first check-in time → done.

Every step is kept in the client's flow row, so an interrupted onboarding continues where it
stopped, also after a restart. Declining the agreement erases what was stored and tells the coach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler

from bot.handlers.language import FLAGS
from bot.handlers.replies import answer_query, close_question, escape, reply
from bot.messages import callbacks
from bot.messages.keyboards import client_keyboard
from bot.models.people import Organisation, Person
from bot.runtime.context import CompanionApplication, Context
from bot.services import enrolment, flows, outbox, people, schedules
from bot.services.enrolment import Enrolment
from bot.services.flows import Flow
from bot.text.dates import format_time, read_time
from bot.text.i18n import LANGUAGE_NAMES, LOCALES, _, set_locale, use_locale

FLOW = "onboarding"
ACTION = "ob"
TIMES = {"0800": dt.time(8, 0), "0900": dt.time(9, 0), "1000": dt.time(10, 0)}
_TIME_EMOJI = {"0800": "🌅", "0900": "☀️", "1000": "🕙"}


@dataclass(frozen=True, slots=True)
class _Who:
    """The names an onboarding step speaks of."""

    client_name: str
    coach_name: str
    organisation: str


def _button(label: str, version: int, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(ACTION, version, value))


def _step_view(
    step: str, version: int, who: _Who, data: dict[str, object]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of a step, in the current language."""
    coach = escape(who.coach_name)
    if step == "language":
        text = _("Welcome! 👋 Which language do you want? Choose one:")
        rows = [[_button(f"{FLAGS[c]} {LANGUAGE_NAMES[c]}", version, c)] for c in LOCALES]
        return text, InlineKeyboardMarkup(rows)
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
        return text, InlineKeyboardMarkup([[_button(_("▶️ Continue"), version, "go")]])
    if step == "privacy":
        text = "\n".join(
            [
                _("🔒 About your data"),
                "",
                _("• I save your answers and your messages."),
                _("• {coach} sees your check-ins and messages.").format(coach=coach),
                _("• An employer never sees them."),
                _("• This chat is not the official client record of {organisation}.").format(
                    organisation=escape(who.organisation)
                ),
                _("• /mydata sends you everything saved about you. /forget erases it."),
            ]
        )
        return text, InlineKeyboardMarkup([[_button(_("👍 I understand"), version, "ok")]])
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
        return text, InlineKeyboardMarkup(rows)
    if step == "decline":
        text = _(
            "Are you sure? Then I delete what you gave me here, and I tell {coach} "
            "that you did not join."
        ).format(coach=coach)
        rows = [
            [_button(_("❌ Yes, I do not join"), version, "decline")],
            [_button(_("↩️ Back to the agreement"), version, "back")],
        ]
        return text, InlineKeyboardMarkup(rows)
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
        return text, InlineKeyboardMarkup(rows)
    if step == "time_typed":
        return _("Write the time, for example {example}.").format(
            example=format_time(dt.time(8, 30))
        ), None
    raise ValueError(f"unknown onboarding step {step!r}")


async def _who(context: Context, client_id: int, data: dict[str, object]) -> _Who:
    services = context.services
    async with services.db.session() as session:
        client = await session.get(Person, client_id)
        coach = await session.get(Person, int(str(data["coach_id"])))
        organisation = await session.get(Organisation, int(str(data["organisation_id"])))
    return _Who(
        client_name=(client.display_name if client else None) or "",
        coach_name=people.first_name(coach.display_name if coach else None) or _("your coach"),
        organisation=organisation.name if organisation else "",
    )


async def _show(update: Update, context: Context, client_id: int, flow: Flow) -> None:
    who = await _who(context, client_id, flow.data)
    text, keyboard = _step_view(flow.step, flow.version, who, flow.data)
    await reply(update, context, text, reply_markup=keyboard, purpose=f"onboarding-{flow.step}")


async def begin(update: Update, context: Context, joined: Enrolment) -> None:
    """The client has just opened the invite: start with the language."""
    services = context.services
    async with services.db.session() as session:
        flow = await flows.set_step(
            session,
            person_id=joined.client_id,
            flow=FLOW,
            step="language",
            now=services.clock.now(),
            data={
                "coach_id": joined.coach_id,
                "coaching_id": joined.coaching_id,
                "organisation_id": joined.organisation_id,
                # What this invite added, so that declining takes away exactly that.
                "created": joined.created.as_data() if joined.created else None,
            },
        )
    await _show(update, context, joined.client_id, flow)


async def resume(update: Update, context: Context, client_id: int) -> bool:
    """Show the step the client stopped at; False if they are not onboarding."""
    services = context.services
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=client_id, now=services.clock.now())
    if flow is None or flow.name != FLOW:
        return False
    if flow.step == "time_typed" and not flow.awaiting_text:
        async with services.db.session() as session:
            flow = await flows.set_step(
                session, person_id=client_id, flow=FLOW, step="time", now=services.clock.now()
            )
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


async def on_button(update: Update, context: Context) -> None:
    """A button of an onboarding step."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    services = context.services
    _action, parts = callbacks.decode(query.data)
    async with services.db.session() as session:
        flow = (
            await flows.current(session, person_id=actor.person_id, now=services.clock.now())
            if actor.person_id is not None
            else None
        )
    if (
        actor.person_id is None
        or flow is None
        or flow.name != FLOW
        or len(parts) != 2
        or parts[0] != str(flow.version)
    ):
        await answer_query(query, _("This button no longer works."))
        if actor.person_id is not None and flow is not None and flow.name == FLOW:
            await _show(update, context, actor.person_id, flow)
        return
    await answer_query(query)
    await _close_question(update, _label_of(update))
    await _advance(update, context, actor.person_id, flow, parts[1])


async def _advance(
    update: Update, context: Context, client_id: int, flow: Flow, value: str
) -> None:
    services = context.services
    now = services.clock.now()
    step = flow.step
    following: str | None = None
    if step == "language" and value in LOCALES:
        async with services.db.session() as session:
            await people.choose_locale(
                session,
                telegram_user_id=context.require_actor().telegram_user_id,
                locale=value,
                now=now,
                default_timezone=services.settings.default_timezone,
            )
        set_locale(value)
        following = "coach"
    elif step == "coach" and value == "go":
        following = "privacy"
    elif step == "privacy" and value == "ok":
        following = "agreement"
    elif step == "agreement" and value == "yes":
        async with services.db.session() as session:
            await enrolment.accept_agreement(
                session,
                coaching_id=int(str(flow.data["coaching_id"])),
                client_id=client_id,
                now=now,
            )
        following = "time"
    elif step == "agreement" and value == "no":
        following = "decline"
    elif step == "decline" and value == "back":
        following = "agreement"
    elif step == "decline" and value == "decline":
        await _decline(update, context, client_id, flow)
        return
    elif step == "time" and value in TIMES:
        await _finish(update, context, client_id, flow, TIMES[value])
        return
    elif step == "time" and value == "other":
        async with services.db.session() as session:
            flow = await flows.set_step(
                session,
                person_id=client_id,
                flow=FLOW,
                step="time_typed",
                now=now,
                awaiting_text=True,
            )
        await _show(update, context, client_id, flow)
        return
    if following is None:
        await _show(update, context, client_id, flow)
        return
    async with services.db.session() as session:
        flow = await flows.set_step(
            session, person_id=client_id, flow=FLOW, step=following, now=now
        )
    await _show(update, context, client_id, flow)


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """Typed text while onboarding: a check-in time when one was asked for."""
    actor = context.require_actor()
    assert actor.person_id is not None
    message = update.effective_message
    reading = read_time(message.text or "") if message is not None else None
    typed = reading.time if reading is not None else None
    if flow.step != "time_typed" or typed is None:
        if flow.step == "time_typed":
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
        await flows.clear(session, person_id=client_id, flow=FLOW)
        coach = await session.get(Person, int(str(flow.data["coach_id"])))
        if coach is not None and coach.id is not None and coach.chat_id is not None:
            name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=client_id)
            with use_locale(coach.locale):
                text = _("✅ {name} joined. They accepted the coaching agreement.").format(
                    name=escape(name or "")
                )
            await outbox.enqueue(
                session,
                chat_id=coach.chat_id,
                method="sendMessage",
                payload={"text": text, "parse_mode": ParseMode.HTML},
                now=now,
                person_id=coach.id,
                subject_id=client_id,
                purpose="client-joined",
            )
    who = await _who(context, client_id, flow.data)
    text = "\n".join(
        [
            _("All set, {name}! ✅").format(name=escape(who.client_name)),
            "",
            _("What happens next:"),
            _("• Every weekday at {time} I ask how you are. It takes a minute.").format(
                time=format_time(at)
            ),
            _("• You can write to {coach} here at any time.").format(coach=escape(who.coach_name)),
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
    coaching_id = int(str(flow.data["coaching_id"]))
    organisation_id = int(str(flow.data["organisation_id"]))
    async with services.db.session() as session:
        coach = await session.get(Person, int(str(flow.data["coach_id"])))
        name = None
        if coach is not None and coach.id is not None:
            name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=client_id)
        # Only what this organisation could see before decides the coach's words: a person
        # known to another organisation is a new person here.
        known_here = await enrolment.had_coaching_before(
            session, client_id=client_id, organisation_id=organisation_id, coaching_id=coaching_id
        )
        await flows.clear(session, person_id=client_id, flow=FLOW)
        declined = await enrolment.decline(
            session,
            client_id=client_id,
            coaching_id=coaching_id,
            coach_id=int(str(flow.data["coach_id"])),
            created=enrolment.Created.from_data(flow.data.get("created")),
            now=now,
        )
        if coach is not None and coach.id is not None and coach.chat_id is not None:
            with use_locale(coach.locale):
                if known_here:
                    text = _(
                        "{name} did not accept the coaching agreement. I removed the new "
                        "coaching. Their earlier coaching here stays as it was."
                    ).format(name=escape(name or ""))
                else:
                    text = _(
                        "{name} did not accept the coaching agreement. "
                        "Nothing about them was saved."
                    ).format(name=escape(name or ""))
            await outbox.enqueue(
                session,
                chat_id=coach.chat_id,
                method="sendMessage",
                payload={"text": text, "parse_mode": ParseMode.HTML},
                now=now,
                person_id=coach.id,
                purpose="client-declined",
            )
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


def register(application: CompanionApplication) -> None:
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
