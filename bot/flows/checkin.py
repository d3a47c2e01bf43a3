"""The check-in, button first: how did you sleep, did you get up as planned, mood, what is today,
and an optional word or voice message. One message that moves from question to question as the
client answers, hours apart if they like, also after a restart (the answers are in the database).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.handlers.messages import on_message, route
from bot.handlers.replies import answer_query, edit_pressed, reply
from bot.messages import callbacks
from bot.messages.keyboards import CHECK_IN, label_filter
from bot.models.checkins import Checkin
from bot.models.flags import FlagKind
from bot.runtime.context import CompanionApplication, Context
from bot.services import checkins, encouragement, flags, flows
from bot.services.checkins import CheckinClosed
from bot.services.flows import Flow
from bot.text.dates import format_datetime
from bot.text.html_text import escape
from bot.text.i18n import N_, _

FLOW = "checkin"
ACTION = "ci"
# Short codes keep callback_data small: ci:<check-in id>:<question>:<value>.
_Q = {
    "s": "sleep",
    "g": "got_up",
    "m": "mood",
    "d": "day",
    "n": "note",
    "t": checkins.TASKS,
    "j": checkins.JOB_SEARCH,
    "r": checkins.REST,
    "w": checkins.WORKLOAD,
    "k": checkins.COLLEAGUES,
}
_Q_CODE = {v: k for k, v in _Q.items()}

SLEEP = {"well": N_("😴 Well"), "so_so": N_("😐 So-so"), "badly": N_("😫 Badly")}
GOT_UP = {"yes": N_("✅ Yes"), "later": N_("🕐 Later"), "no": N_("❌ No")}
MOOD = {
    "1": N_("😢 Very bad"),
    "2": N_("🙁 Bad"),
    "3": N_("😐 Okay"),
    "4": N_("🙂 Good"),
    "5": N_("😄 Very good"),
}
DAY = {
    "work_or_workshop": N_("🛠️ Work or workshop"),
    "appointment": N_("📅 An appointment"),
    "home": N_("🏠 At home"),
    "other": N_("✨ Something else"),
}
# Added by the plan's emphasis: work and functional capacity, employment.
TASKS = {
    "well": N_("👍 Well"),
    "partly": N_("😐 Partly"),
    "hard": N_("😣 It was hard"),
    "none": N_("➖ No tasks today"),
}
JOB_SEARCH = {
    "applied": N_("📨 I applied for a job"),
    "searched": N_("🔎 I looked at job ads"),
    "contacted": N_("🤝 I contacted an employer"),
    "not_today": N_("➖ Not today"),
}
# Added by the emphasis on coping at work: rest after work (instead of sleep), the workload, and
# how things are with colleagues and the supervisor.
REST = {"well": N_("😌 Well"), "so_so": N_("😐 So-so"), "badly": N_("😫 Badly")}
WORKLOAD = {
    "ok": N_("👍 Just right"),
    "too_much": N_("🥵 Too much"),
    "too_little": N_("🪫 Too little"),
}
COLLEAGUES = {"good": N_("🙂 Going well"), "so_so": N_("😐 So-so"), "hard": N_("😣 Hard")}
_COPING_LABELS = {
    checkins.REST: REST,
    checkins.WORKLOAD: WORKLOAD,
    checkins.COLLEAGUES: COLLEAGUES,
}
CONTACT = N_("📞 Ask my coach to contact me")


def _data(checkin_id: int, code: str, value: str) -> str:
    return callbacks.encode(ACTION, checkin_id, code, value)


def _rows(checkin_id: int, question: str) -> list[list[tuple[str, str]]]:
    code = _Q_CODE.get(question, "x")
    if question == "sleep":
        return [
            [(_(label), _data(checkin_id, code, value)) for value, label in SLEEP.items()],
            [(_("🙂 Normal day"), _data(checkin_id, "x", "normal"))],
        ]
    if question == checkins.REST:
        return [
            [(_(label), _data(checkin_id, code, value)) for value, label in REST.items()],
            [(_("🙂 Normal day"), _data(checkin_id, "x", "normal"))],
        ]
    if question in _COPING_LABELS:
        labels = _COPING_LABELS[question]
        return [[(_(label), _data(checkin_id, code, value)) for value, label in labels.items()]]
    if question == "got_up":
        return [[(_(label), _data(checkin_id, code, value)) for value, label in GOT_UP.items()]]
    if question == "mood":
        items = [(_(label), _data(checkin_id, code, value)) for value, label in MOOD.items()]
        return [items[:3], items[3:]]
    if question == "day":
        items = [(_(label), _data(checkin_id, code, value)) for value, label in DAY.items()]
        return [items[:2], items[2:]]
    if question in (checkins.TASKS, checkins.JOB_SEARCH):
        labels = TASKS if question == checkins.TASKS else JOB_SEARCH
        items = [(_(label), _data(checkin_id, code, value)) for value, label in labels.items()]
        return [items[:2], items[2:]]
    if question == "note":
        return [
            [(_("✅ No, that is all"), _data(checkin_id, code, "none"))],
            [(_(CONTACT), _data(checkin_id, "c", "yes"))],
        ]
    return [[(_("✏️ Change my answers"), _data(checkin_id, "e", "yes"))]]


def _question_text(question: str, first: bool, *, at_work: bool = False) -> str:
    texts = {
        "sleep": _("How did you sleep?"),
        "got_up": _("Did you get up as planned?"),
        "mood": _("How do you feel today?"),
        "day": _("What is today like?"),
        checkins.TASKS: _("How did your tasks go today?"),
        checkins.JOB_SEARCH: _("Did you take a step in your job search today?"),
        checkins.REST: _("Did you rest after work?"),
        checkins.WORKLOAD: _("How is your workload?"),
        checkins.COLLEAGUES: _("How are things with your colleagues and your supervisor?"),
        "note": (
            _("Anything to tell your coach? You can write a few words or send a voice message.")
            if at_work
            else _("Anything else? You can write a few words or send a voice message.")
        ),
    }
    text = texts[question]
    return _("☀️ Hello! Time for a short check-in.") + "\n\n" + text if first else text


def summary_text(checkin: Checkin, timezone: str | None = None) -> str:
    """The client's answers in one line each, in plain words; with the check-in's day and time
    as the client's country writes them when their timezone is known."""
    lines = [
        _("Thank you! ✅ Your answers ({when}):").format(
            when=format_datetime(checkin.due_at, timezone=timezone)
        )
        if timezone
        else _("Thank you! ✅ Your answers today:")
    ]
    if checkin.sleep:
        lines.append(_("Sleep: {answer}").format(answer=_(SLEEP[str(checkin.sleep)])))
    if checkin.got_up:
        lines.append(_("Got up as planned: {answer}").format(answer=_(GOT_UP[str(checkin.got_up)])))
    if checkin.mood:
        lines.append(_("Mood: {answer}").format(answer=_(MOOD[str(checkin.mood)])))
    if checkin.day_kind:
        lines.append(_("Today: {answer}").format(answer=_(DAY[str(checkin.day_kind)])))
    tasks = checkin.extra_answers.get(checkins.TASKS)
    if tasks in TASKS:
        lines.append(_("Tasks: {answer}").format(answer=_(TASKS[tasks])))
    search = checkin.extra_answers.get(checkins.JOB_SEARCH)
    if search in JOB_SEARCH:
        lines.append(_("Job search: {answer}").format(answer=_(JOB_SEARCH[search])))
    coping_lines = {
        checkins.REST: N_("Rest after work: {answer}"),
        checkins.WORKLOAD: N_("Workload: {answer}"),
        checkins.COLLEAGUES: N_("Colleagues and supervisor: {answer}"),
    }
    for question, line in coping_lines.items():
        given = checkin.extra_answers.get(question)
        if given in _COPING_LABELS[question]:
            lines.append(_(line).format(answer=_(_COPING_LABELS[question][given])))
    if checkin.note:
        lines.append(_("Your words: {note}").format(note=escape(checkin.note)))
    if checkin.voice_file_id:
        lines.append(_("🎤 Your voice message is saved."))
    if checkin.contact_requested:
        lines.append(_("📞 Your coach will contact you."))
    return "\n".join(lines)


def view(checkin: Checkin, timezone: str | None = None) -> tuple[str, list[list[tuple[str, str]]]]:
    """What the check-in message shows now, in the current language."""
    assert checkin.id is not None
    question = checkins.next_question(checkin)
    if question is None:
        return summary_text(checkin, timezone), _rows(checkin.id, "done")
    first = checkin.answered_at is None
    at_work = checkins.WORKLOAD in checkin.questions
    return _question_text(question, first, at_work=at_work), _rows(checkin.id, question)


def payload(checkin: Checkin, *, silent: bool) -> dict[str, Any]:
    """The check-in as a sendMessage for the outbox."""
    text, rows = view(checkin)
    return {
        "text": text,
        "parse_mode": ParseMode.HTML,
        "disable_notification": silent,
        "reply_markup": {
            "inline_keyboard": [
                [{"text": label, "callback_data": data} for label, data in row] for row in rows
            ]
        },
    }


def markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def _closing_line(session: AsyncSession, checkin: Checkin, now: dt.datetime) -> str | None:
    """A word of encouragement under a complete check-in, when there is one to say."""
    if checkins.next_question(checkin) is not None:
        return None
    return await encouragement.encouragement_line(session, client_id=checkin.client_id, now=now)


async def _show(
    update: Update, context: Context, checkin: Checkin, *, edit: bool, line: str | None
) -> None:
    """Put the check-in's current state on screen: in the pressed message, or as a new one."""
    text, rows = view(checkin, context.require_actor().timezone)
    if line:
        text = f"{text}\n\n{line}"
    query = update.callback_query
    if edit and query is not None and await edit_pressed(query, text, reply_markup=markup(rows)):
        return
    await reply(update, context, text, reply_markup=markup(rows), purpose="checkin")


async def _after_answer(
    session: AsyncSession, checkin: Checkin, client_id: int, now: dt.datetime
) -> None:
    """Wait for typed words while the note question is open; stop waiting otherwise."""
    if checkins.next_question(checkin) == "note":
        await flows.set_step(
            session,
            person_id=client_id,
            flow=FLOW,
            step="note",
            now=now,
            data={"checkin_id": checkin.id},
            awaiting_text=True,
            merge=False,
        )
    else:
        await flows.clear(session, person_id=client_id, flow=FLOW)


async def on_button(update: Update, context: Context) -> None:
    """An answer button of a check-in."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    _action, parts = callbacks.decode(query.data)
    checkin_id = callbacks.number(parts, 0)
    code = callbacks.choice(parts, 1, {*_Q, "x", "c", "e"})
    if actor.person_id is None or len(parts) != 3 or checkin_id is None or code is None:
        await answer_query(query, _("This button no longer works."))
        return
    value = parts[2]
    question = _Q.get(code)
    if question in checkins.VALUES and value not in checkins.VALUES[question]:
        await answer_query(query, _("This button no longer works."))
        return
    services = context.services
    now = services.clock.now()
    # The answer, the flags it completes, the flow's next step and the closing words: one
    # transaction, before anything goes over the network.
    try:
        async with services.db.session() as session:
            checkin = await _record(
                session,
                checkin_id=checkin_id,
                client_id=actor.person_id,
                code=code,
                value=value,
                now=now,
            )
            raised = await _raise_flags(
                session, checkin, actor.person_id, code, timezone=actor.timezone, now=now
            )
            await _after_answer(session, checkin, actor.person_id, now)
            line = await _closing_line(session, checkin, now)
    except CheckinClosed:
        await answer_query(query, _("This check-in is closed. The next one comes at its time."))
        return
    if raised:
        services.wake_dispatcher()
    await answer_query(query)
    await _show(update, context, checkin, edit=True, line=line)


async def _record(
    session: AsyncSession,
    *,
    checkin_id: int,
    client_id: int,
    code: str,
    value: str,
    now: dt.datetime,
) -> Checkin:
    """What one press says about the check-in."""
    if code == "x":
        return await checkins.normal_day(
            session, checkin_id=checkin_id, client_id=client_id, now=now
        )
    if code == "c":
        await checkins.request_contact(session, checkin_id=checkin_id, client_id=client_id, now=now)
        return await checkins.answer(
            session,
            checkin_id=checkin_id,
            client_id=client_id,
            question="note",
            value="none",
            now=now,
        )
    if code == "e":
        return await checkins.reopen(session, checkin_id=checkin_id, client_id=client_id, now=now)
    return await checkins.answer(
        session,
        checkin_id=checkin_id,
        client_id=client_id,
        question=_Q[code],
        value=value,
        now=now,
    )


async def _raise_flags(
    session: AsyncSession,
    checkin: Checkin,
    client_id: int,
    code: str,
    *,
    timezone: str | None,
    now: dt.datetime,
) -> bool:
    """A mood answer may complete a low-mood run, a workload or colleagues answer a run of strain
    at work; a contact request is a flag of its own."""
    if code in ("m", "x"):
        flag = await flags.after_mood(
            session, client_id=client_id, timezone=timezone or "Europe/Helsinki", now=now
        )
        return flag is not None
    if code in ("w", "k"):
        flag = await flags.after_work_strain(session, client_id=client_id, now=now)
        return flag is not None
    if code == "c":
        flag = await flags.raise_flag(
            session,
            client_id=client_id,
            kind=FlagKind.CONTACT_REQUEST,
            now=now,
            source=("checkin", checkin.id or 0),
        )
        return flag is not None
    return False


async def on_note(update: Update, context: Context, flow: Flow) -> None:
    """Typed words or a voice message for the open note question."""
    actor = context.require_actor()
    message = update.effective_message
    assert actor.person_id is not None and message is not None
    services = context.services
    now = services.clock.now()
    text = message.text
    voice = message.voice.file_id if message.voice is not None else None
    if text is None and voice is None:
        # A photo or a sticker is not an answer: it goes to the coach like any message.
        async with services.db.session() as session:
            await flows.clear(session, person_id=actor.person_id, flow=FLOW)
        await route(update, context)
        return
    try:
        async with services.db.session() as session:
            checkin = await checkins.add_note(
                session,
                checkin_id=int(str(flow.data["checkin_id"])),
                client_id=actor.person_id,
                now=now,
                text=text,
                voice_file_id=voice,
            )
            await flows.clear(session, person_id=actor.person_id, flow=FLOW)
            line = await _closing_line(session, checkin, now)
    except CheckinClosed:
        async with services.db.session() as session:
            await flows.clear(session, person_id=actor.person_id, flow=FLOW)
        await reply(
            update,
            context,
            _("This check-in is closed. The next one comes at its time."),
            purpose="checkin-closed",
        )
        return
    await _show(update, context, checkin, edit=False, line=line)


async def start_from_keyboard(update: Update, context: Context) -> None:
    """The client starts a check-in themself (or continues the open one)."""
    actor = context.require_actor()
    if not actor.is_client or actor.person_id is None:
        # Not a client's button: words like any other (a coach's answer, a stranger's hello).
        await on_message(update, context)
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        checkin = await checkins.start_now(session, client_id=actor.person_id, now=now)
        await _after_answer(session, checkin, actor.person_id, now)
        line = await _closing_line(session, checkin, now)
    await _show(update, context, checkin, edit=False, line=line)


def register(application: CompanionApplication) -> None:
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & label_filter(CHECK_IN), start_from_keyboard)
    )
