"""/goal and /goals: a client adds a small goal with buttons (an area, an example or their own
words, a target date) and looks after their goals: small steps, how it goes, how often they are
asked, a passed date, letting a goal go. A coach's proposal is answered here too.

callback_data (every goal id is checked again: only the client's own goals):
  gl:a:AREA            the examples of an area (AREA 1-5)
  gl:x:AREA:N          example N of the area; gl:w:AREA the client's own words
  gl:d:MONTHS          the target date of the new goal (1, 3, 0 = none)
  gl:v:GOAL            one goal, with what can be done with it
  gl:p:GOAL:CODE       how it goes (s step done, p some progress, k stuck, r reached)
  gl:tc:GOAL           tell the coach the client is stuck
  gl:as:GOAL           write a small step
  gl:f:GOAL / gl:fr:GOAL:DAYS   how often the progress question comes
  gl:nd:GOAL:MONTHS    a new date (or none) for a goal whose date passed
  gl:l:GOAL / gl:lr:GOAL:CODE / gl:lt:GOAL   let it go, with a reason (or a typed one)
  gl:y:GOAL / gl:n:GOAL   yes or no thanks to a coach's proposal
  gl:ok                the buttons go away
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, edit_or_reply, escape, remove_buttons, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks, goal_notices
from bot.messages.goal_notices import ACTION, progress_rows
from bot.messages.goal_texts import (
    AREA_BUTTONS,
    AREA_CODES,
    DATE_CHOICES,
    EXAMPLES,
    LET_GO_REASONS,
    PROGRESS_BUTTONS,
    RHYTHM_BUTTONS,
    STATUS_WORDS,
    area_name,
    goal_line,
    months_ahead,
    quote,
)
from bot.messages.pickers import label
from bot.models.goals import Goal, GoalEventKind, GoalStatus
from bot.runtime.context import CompanionApplication, Context
from bot.services import flows, goals
from bot.services.checkins import local_day
from bot.services.flows import Flow
from bot.services.goals import ACTIVE, OPEN
from bot.text.dates import format_date
from bot.text.i18n import N_, _, gettext

_LOGGER = logging.getLogger(__name__)

FLOW = "goal"
NO_BUTTON = N_("This button no longer works.")


def _data(*parts: str | int) -> str:
    return callbacks.encode(ACTION, *parts)


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def _area_rows() -> list[list[tuple[str, str]]]:
    return [[(gettext(AREA_BUTTONS[area]), _data("a", code))] for code, area in AREA_CODES.items()]


async def _client_id(update: Update, context: Context) -> int | None:
    """The client behind the update; others are told what /goal is for."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return None
    if not actor.is_client:
        await reply(
            update,
            context,
            _("Goals are for clients. You propose a goal to a client from their card: /clients."),
            purpose="goal-not-client",
        )
        return None
    return actor.person_id


async def goal_command(update: Update, context: Context) -> None:
    """/goal: start a new goal by choosing its area."""
    client_id = await _client_id(update, context)
    if client_id is None:
        return
    async with context.services.db.session() as session:
        await flows.clear(session, person_id=client_id, flow=FLOW)
    text = "\n\n".join(
        [
            _("🎯 A new small goal. Which part of life is it about?"),
            _("Choose one."),
        ]
    )
    await reply(update, context, text, reply_markup=_markup(_area_rows()), purpose="goal-area")


def _list_view(items: list[Goal]) -> tuple[str, InlineKeyboardMarkup]:
    if not items:
        return (
            _("🎯 You have no goals yet. /goal adds one."),
            _markup([[(_("➕ Add a goal"), _data("new"))]]),
        )
    lines = [_("🎯 Your goals:")]
    lines.extend(f"• {goal_line(goal)}" for goal in items)
    lines.append(_("Choose a goal to see more."))
    rows = [
        [(label(f"🎯 {goal.title}"), _data("v", goal.id or 0))]
        for goal in items
        if goal.status in OPEN
    ]
    rows.append([(_("➕ Add a goal"), _data("new"))])
    return "\n".join(lines), _markup(rows)


async def goals_command(update: Update, context: Context) -> None:
    """/goals: the client's goals and where they stand."""
    client_id = await _client_id(update, context)
    if client_id is None:
        return
    async with context.services.db.session() as session:
        items = await goals.goals_of(session, client_id=client_id)
    text, keyboard = _list_view(items)
    await reply(update, context, text, reply_markup=keyboard, purpose="goals")


def _goal_view(goal: Goal, steps: list[tuple[str, bool]]) -> tuple[str, InlineKeyboardMarkup]:
    assert goal.id is not None
    lines = [f"🎯 <b>{quote(goal.title)}</b>", area_name(goal.area)]
    lines.append(_("Where it stands: {status}").format(status=gettext(STATUS_WORDS[goal.status])))
    if goal.target_date is not None and goal.status in OPEN:
        lines.append(_("Target date: {date}").format(date=format_date(goal.target_date)))
    if goal.status in ACTIVE:
        lines.append(
            _("I ask how it goes: {rhythm}").format(
                rhythm=gettext(RHYTHM_BUTTONS.get(goal.progress_every_days, RHYTHM_BUTTONS[7]))
            )
        )
    if steps:
        lines.append("")
        lines.append(_("Small steps:"))
        lines.extend(f"{'✅' if done else '▫️'} {escape(title)}" for title, done in steps)
    rows: list[list[tuple[str, str]]] = []
    if goal.status == GoalStatus.PROPOSED:
        yes = (_("✅ Yes, I want it"), _data("y", goal.id))
        rows.append([yes, (_("❌ No thanks"), _data("n", goal.id))])
    elif goal.status in ACTIVE:
        rows.extend(progress_rows(goal.id))
        rows.append(
            [
                (_("✏️ Add a small step"), _data("as", goal.id)),
                (_("⏱️ How often"), _data("f", goal.id)),
            ]
        )
        rows.append([(_("🌿 Let it go"), _data("l", goal.id))])
    rows.append([(_("⬅️ All my goals"), _data("all"))])
    return "\n".join(lines), _markup(rows)


async def _show_goal(update: Update, context: Context, client_id: int, goal_id: int) -> None:
    async with context.services.db.session() as session:
        goal = await goals.own_goal(session, goal_id=goal_id, client_id=client_id)
        steps = [
            (s.title, s.done_at is not None) for s in await goals.steps_of(session, goal_id=goal_id)
        ]
    text, keyboard = _goal_view(goal, steps)
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _ask_date(update: Update, context: Context, title: str) -> None:
    text = "\n\n".join(
        [
            _("Your goal: {title}").format(title=quote(title)),
            _("Do you want a target date? It is fine to have none."),
        ]
    )
    rows = [[(_(label_), _data("d", code))] for code, label_ in DATE_CHOICES.items()]
    await edit_or_reply(update, context, text, reply_markup=_markup(rows))


async def _create(update: Update, context: Context, client_id: int, months: int) -> None:
    services = context.services
    now = services.clock.now()
    actor = context.require_actor()
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=client_id, now=now)
        if flow is None or flow.name != FLOW or flow.step != "date":
            raise goals.GoalNotOpen(0)
        area = AREA_CODES[str(flow.data["area"])]
        today = local_day(now, actor.timezone or "Europe/Helsinki")
        target = months_ahead(today, months) if months else None
        goal = await goals.add_goal(
            session,
            client_id=client_id,
            area=area,
            title=str(flow.data["title"]),
            target_date=target,
            now=now,
        )
        await flows.clear(session, person_id=client_id, flow=FLOW)
    services.wake_dispatcher()
    _LOGGER.info("client %s added goal %s", client_id, goal.id)
    assert goal.id is not None
    lines = [_("✓ Your goal is saved: {title}").format(title=quote(goal.title))]
    if target is not None:
        lines.append(_("Target date: {date}").format(date=format_date(target)))
    lines.append(_("I will ask how it goes once a week, on a check-in day."))
    lines.append(_("Do you want to write a first small step?"))
    rows = [[(_("✏️ Add a small step"), _data("as", goal.id)), (_("👍 Not now"), _data("ok"))]]
    await edit_or_reply(update, context, "\n\n".join(lines), reply_markup=_markup(rows))


async def _wait_for_text(
    update: Update, context: Context, client_id: int, step: str, data: dict[str, object], text: str
) -> None:
    services = context.services
    async with services.db.session() as session:
        await flows.set_step(
            session,
            person_id=client_id,
            flow=FLOW,
            step=step,
            now=services.clock.now(),
            data=data,
            awaiting_text=True,
            merge=False,
        )
    await reply(update, context, text + "\n" + _("/cancel stops."), purpose=f"goal-{step}")


async def _answer_below(
    update: Update, context: Context, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """The question stays as it was asked, without its buttons; the answer comes below it."""
    query = update.callback_query
    if query is not None:
        await remove_buttons(query)
    await reply(update, context, text, reply_markup=keyboard, purpose="goal-progress")


async def _progress(
    update: Update, context: Context, client_id: int, goal_id: int, code: str
) -> None:
    kind = PROGRESS_BUTTONS[code][0]
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        goal = await goals.record_progress(
            session, goal_id=goal_id, client_id=client_id, kind=kind, now=now
        )
        if kind == GoalEventKind.REACHED:
            await goal_notices.reached(session, goal=goal, now=now)
    if kind == GoalEventKind.REACHED:
        services.wake_sender()
        text = "\n\n".join(
            [
                _("🏆 You reached your goal {title}!").format(title=quote(goal.title)),
                _("That is great. You did it, step by step. Be proud of yourself! 🎉"),
                _("I told your coach the good news. /goal adds a new goal when you want one."),
            ]
        )
        await _answer_below(update, context, text)
        return
    if kind == GoalEventKind.STUCK:
        text = "\n\n".join(
            [
                _("🧱 Being stuck happens to everyone. It is okay."),
                _("A smaller step often helps. Do you want to write one?"),
                _("Or I can tell your coach, so you can think about it together."),
            ]
        )
        rows = [
            [
                (_("✏️ Write a smaller step"), _data("as", goal_id)),
                (_("📞 Tell my coach"), _data("tc", goal_id)),
            ],
            [(_("👍 Not now"), _data("ok"))],
        ]
        await _answer_below(update, context, text, _markup(rows))
        return
    if kind == GoalEventKind.STEP_DONE:
        text = _("✅ Well done! One step done for {title}. Keep going!")
    else:
        text = _("🙂 Good! Every bit of progress counts for {title}.")
    await _answer_below(update, context, text.format(title=quote(goal.title)))


async def _tell_coach(update: Update, context: Context, client_id: int, goal_id: int) -> None:
    services = context.services
    async with services.db.session() as session:
        await goals.tell_coach_stuck(
            session, goal_id=goal_id, client_id=client_id, now=services.clock.now()
        )
    services.wake_dispatcher()
    await edit_or_reply(
        update, context, _("✓ I told your coach. They will contact you about your goal.")
    )


async def _let_go_reasons(update: Update, context: Context, client_id: int, goal_id: int) -> None:
    async with context.services.db.session() as session:
        goal = await goals.own_goal(session, goal_id=goal_id, client_id=client_id)
    if goal.status not in OPEN:
        raise goals.GoalNotOpen(goal_id)
    text = "\n\n".join(
        [
            _("🌿 Let go of {title}?").format(title=quote(goal.title)),
            _("That is okay. Goals can change. Why do you let it go?"),
        ]
    )
    rows = [[(_(reason), _data("lr", goal_id, code))] for code, reason in LET_GO_REASONS.items()]
    rows.append([(_("✏️ Another reason"), _data("lt", goal_id))])
    rows.append([(_("↩️ Keep the goal"), _data("v", goal_id))])
    await edit_or_reply(update, context, text, reply_markup=_markup(rows))


async def _let_go(
    update: Update, context: Context, client_id: int, goal_id: int, reason: str
) -> None:
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        goal = await goals.own_goal(session, goal_id=goal_id, client_id=client_id)
        goal = await goals.let_go(
            session, goal_id=goal_id, person_id=client_id, reason=reason, now=now
        )
        await goal_notices.let_go_by_client(session, goal=goal, now=now)
        await flows.clear(session, person_id=client_id, flow=FLOW)
    services.wake_sender()
    text = "\n\n".join(
        [
            _("🌿 You let go of {title}.").format(title=quote(goal.title)),
            _("That was a clear choice. It stays in your history. /goal adds a new goal."),
        ]
    )
    await edit_or_reply(update, context, text)


async def _answer_proposal(
    update: Update, context: Context, client_id: int, goal_id: int, accept: bool
) -> None:
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        goal = await goals.answer_proposal(
            session, goal_id=goal_id, client_id=client_id, accept=accept, now=now
        )
        await goal_notices.answered(session, goal=goal, accepted=accept, now=now)
    services.wake_sender()
    services.wake_dispatcher()
    if accept:
        text = _("✅ Good! {title} is your goal now. /goals shows your goals.")
    else:
        text = _("OK. You said no thanks to {title}. That is fine.")
    await edit_or_reply(update, context, text.format(title=quote(goal.title)))


async def _new_date(
    update: Update, context: Context, client_id: int, goal_id: int, months: int
) -> None:
    services = context.services
    now = services.clock.now()
    actor = context.require_actor()
    today = local_day(now, actor.timezone or "Europe/Helsinki")
    target = months_ahead(today, months) if months else None
    async with services.db.session() as session:
        goal = await goals.set_target(
            session, goal_id=goal_id, client_id=client_id, target_date=target, now=now
        )
    services.wake_dispatcher()
    if target is None:
        text = _("▶️ OK. You keep going with {title}, without a date.").format(
            title=quote(goal.title)
        )
    else:
        text = _("📅 OK. The new date for {title} is {date}.").format(
            title=quote(goal.title), date=format_date(target)
        )
    await _answer_below(update, context, text)


async def _rhythm(
    update: Update, context: Context, client_id: int, goal_id: int, days: int | None
) -> None:
    services = context.services
    if days is None:
        rows = [[(_(text), _data("fr", goal_id, every))] for every, text in RHYTHM_BUTTONS.items()]
        await edit_or_reply(
            update,
            context,
            _("⏱️ How often do you want me to ask how this goal goes?"),
            reply_markup=_markup(rows),
        )
        return
    async with services.db.session() as session:
        await goals.set_rhythm(
            session,
            goal_id=goal_id,
            client_id=client_id,
            every_days=days,
            now=services.clock.now(),
        )
    services.wake_dispatcher()
    await _show_goal(update, context, client_id, goal_id)


async def on_button(update: Update, context: Context) -> None:
    """A button of the goals."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    client_id = actor.person_id
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    if client_id is None or not actor.is_client:
        await answer_query(query, _(NO_BUTTON))
        return
    await answer_query(query)
    number = callbacks.number(parts, 1)
    code = parts[2] if len(parts) > 2 else ""
    if kind == "a" and parts[1:2] and parts[1] in AREA_CODES:
        area = AREA_CODES[parts[1]]
        rows = [
            [(label(gettext(example)), _data("x", parts[1], i))]
            for i, example in enumerate(EXAMPLES[area])
        ]
        rows.append([(_("✏️ In my own words"), _data("w", parts[1]))])
        text = "\n\n".join(
            [
                area_name(area),
                _("Choose an example, or write the goal in your own words."),
            ]
        )
        await edit_or_reply(update, context, text, reply_markup=_markup(rows))
    elif kind == "x" and callbacks.choice(parts, 1, AREA_CODES) is not None:
        examples = EXAMPLES[AREA_CODES[parts[1]]]
        example = callbacks.number(parts, 2, high=len(examples) - 1)
        if example is None:
            await reply(update, context, _(NO_BUTTON))
            return
        title = gettext(examples[example])
        services = context.services
        async with services.db.session() as session:
            await flows.set_step(
                session,
                person_id=client_id,
                flow=FLOW,
                step="date",
                now=services.clock.now(),
                data={"area": parts[1], "title": title},
                merge=False,
            )
        await _ask_date(update, context, title)
    elif kind == "w" and parts[1:2] and parts[1] in AREA_CODES:
        await _wait_for_text(
            update,
            context,
            client_id,
            "title",
            {"area": parts[1]},
            _("✏️ Write your goal in a few words. For example: I go for a walk three times a week."),
        )
    elif kind == "d" and number is not None and number in (0, 1, 3):
        await _create(update, context, client_id, number)
    elif kind == "new":
        await goal_command(update, context)
    elif kind == "all":
        async with context.services.db.session() as session:
            items = await goals.goals_of(session, client_id=client_id)
        text, keyboard = _list_view(items)
        await edit_or_reply(update, context, text, reply_markup=keyboard)
    elif kind == "ok":
        await edit_or_reply(update, context, _("👍 OK. /goals shows your goals."))
    elif number is None:
        await reply(update, context, _(NO_BUTTON))
    elif kind == "v":
        await _show_goal(update, context, client_id, number)
    elif kind == "p" and code in PROGRESS_BUTTONS:
        await _progress(update, context, client_id, number, code)
    elif kind == "tc":
        await _tell_coach(update, context, client_id, number)
    elif kind == "as":
        async with context.services.db.session() as session:
            goal = await goals.own_goal(session, goal_id=number, client_id=client_id)
        if goal.status not in OPEN:
            raise goals.GoalNotOpen(number)
        await _wait_for_text(
            update,
            context,
            client_id,
            "step",
            {"goal_id": number},
            _(
                "✏️ Write one small step for {title}. Small is good: something you can do this week."
            ).format(title=quote(goal.title)),
        )
    elif kind == "f":
        await _rhythm(update, context, client_id, number, None)
    elif kind == "fr" and code in {str(days) for days in RHYTHM_BUTTONS}:
        await _rhythm(update, context, client_id, number, int(code))
    elif kind == "nd" and code in ("0", "1", "3"):
        await _new_date(update, context, client_id, number, int(code))
    elif kind == "l":
        await _let_go_reasons(update, context, client_id, number)
    elif kind == "lr" and code in LET_GO_REASONS:
        await _let_go(update, context, client_id, number, LET_GO_REASONS[code])
    elif kind == "lt":
        async with context.services.db.session() as session:
            await goals.own_goal(session, goal_id=number, client_id=client_id)
        await _wait_for_text(
            update,
            context,
            client_id,
            "reason",
            {"goal_id": number},
            _("✏️ Write the reason in a few words."),
        )
    elif kind in ("y", "n"):
        await _answer_proposal(update, context, client_id, number, kind == "y")
    else:
        await reply(update, context, _(NO_BUTTON))


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """Typed words: a goal's title, a small step or a reason to let a goal go."""
    actor = context.require_actor()
    message = update.effective_message
    assert message is not None and actor.person_id is not None
    client_id = actor.person_id
    if not message.text:
        await reply(update, context, _("Please write it as text."), purpose="goal-retry")
        return
    services = context.services
    now = services.clock.now()
    if flow.step == "title":
        title = " ".join(message.text.split())
        if not title:
            raise goals.EmptyGoal()
        if len(title) > goals.MAX_TITLE:
            raise goals.GoalTooLong()
        async with services.db.session() as session:
            await flows.set_step(
                session,
                person_id=client_id,
                flow=FLOW,
                step="date",
                now=now,
                data={"title": title},
            )
        await _ask_date(update, context, title)
        return
    goal_id = int(str(flow.data.get("goal_id", 0)))
    if flow.step == "step":
        async with services.db.session() as session:
            await goals.add_step(
                session, goal_id=goal_id, client_id=client_id, title=message.text, now=now
            )
            await flows.clear(session, person_id=client_id, flow=FLOW)
        another = (_("✏️ Add another step"), _data("as", goal_id))
        rows = [[another, (_("🎯 See the goal"), _data("v", goal_id))]]
        await reply(
            update,
            context,
            _("✓ Step saved. Small steps make big goals."),
            reply_markup=_markup(rows),
            purpose="goal-step",
        )
        return
    if flow.step == "reason":
        await _let_go(update, context, client_id, goal_id, message.text)
        return
    async with services.db.session() as session:
        await flows.clear(session, person_id=client_id, flow=FLOW)


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("goal", goal_command, filters=private))
    application.add_handler(CommandHandler("goals", goals_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
