"""/goal and /goals: a client adds a small goal with buttons (an area, an example or their own
words, a target date) and looks after their goals: small steps, how it goes, how often they are
asked, a passed date, letting a goal go. A coach's proposal is answered here too.

Every goal id a button names is checked again: only the client's own goals. The buttons, the
steps and the typed words are declared in FLOW at the end of the module (drawn in
docs/flows/goal.md).
"""

from __future__ import annotations

import logging
from enum import StrEnum

from pydantic import BaseModel
from telegram import InlineKeyboardMarkup, Update

from bot.flows.mechanism import (
    END,
    ID,
    Command,
    FlowSpec,
    Route,
    Stale,
    Text,
    code,
    number,
    typed_words,
)
from bot.handlers.replies import (
    edit_or_reply,
    escape,
    remove_buttons,
    reply,
)
from bot.handlers.start import stranger_text
from bot.messages import goal_notices
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
    let_go_button,
    quote,
    rhythm_words,
)
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import label
from bot.models.goals import Goal, GoalEventKind, GoalStatus
from bot.runtime.context import Context
from bot.services import flows, goals
from bot.services.days import add_months, local_day, zone_of
from bot.services.flows import Flow
from bot.services.goals import ACTIVE, OPEN
from bot.text.dates import format_date
from bot.text.i18n import _, gettext

_LOGGER = logging.getLogger(__name__)


class Step(StrEnum):
    TITLE = "title"  # waiting for the new goal's title in the client's words
    DATE = "date"  # the new goal's target date, by button
    STEP = "step"  # waiting for a small step of a goal
    REASON = "reason"  # waiting for the reason to let a goal go


class GoalData(BaseModel):
    area: str | None = None  # the new goal's area code
    title: str | None = None  # the new goal's title
    goal_id: int | None = None  # the goal a step or a reason is for


def _area_rows() -> list[list[Button]]:
    return [
        [Button.press(gettext(AREA_BUTTONS[area]), ACTION, "a", code)]
        for code, area in AREA_CODES.items()
    ]


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
        await FLOW.end(session, person_id=client_id)
    text = "\n\n".join(
        [
            _("🎯 A new small goal. Which part of life is it about?"),
            _("Choose one."),
        ]
    )
    await reply(
        update, context, text, reply_markup=Keyboard.of(_area_rows()).markup(), purpose="goal-area"
    )


def _list_view(items: list[Goal]) -> tuple[str, InlineKeyboardMarkup]:
    if not items:
        return (
            _("🎯 You have no goals yet. /goal adds one."),
            Keyboard.of([[Button.press(_("➕ Add a goal"), ACTION, "new")]]).markup(),
        )
    lines = [_("🎯 Your goals:")]
    lines.extend(f"• {goal_line(goal)}" for goal in items)
    lines.append(_("Choose a goal to see more."))
    rows = [
        [Button.press(label(f"🎯 {goal.title}"), ACTION, "v", goal.id or 0)]
        for goal in items
        if goal.status in OPEN
    ]
    rows.append([Button.press(_("➕ Add a goal"), ACTION, "new")])
    return "\n".join(lines), Keyboard.of(rows).markup()


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
            _("I ask how it goes: {rhythm}").format(rhythm=rhythm_words(goal.progress_every_days))
        )
    if steps:
        lines.append("")
        lines.append(_("Small steps:"))
        lines.extend(f"{'✅' if done else '▫️'} {escape(title)}" for title, done in steps)
    rows: list[list[Button]] = []
    if goal.status == GoalStatus.PROPOSED:
        yes = Button.press(_("✅ Yes, I want it"), ACTION, "y", goal.id)
        rows.append([yes, Button.press(_("❌ No thanks"), ACTION, "n", goal.id)])
    elif goal.status in ACTIVE:
        rows.extend(progress_rows(goal.id))
        rows.append(
            [
                Button.press(_("✏️ Add a small step"), ACTION, "as", goal.id),
                Button.press(_("⏱️ How often"), ACTION, "f", goal.id),
            ]
        )
        rows.append([Button.press(_("🌿 Let it go"), ACTION, "l", goal.id)])
    rows.append([Button.press(_("⬅️ All my goals"), ACTION, "all")])
    return "\n".join(lines), Keyboard.of(rows).markup()


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
    rows = [[Button.press(_(label_), ACTION, "d", code)] for code, label_ in DATE_CHOICES.items()]
    await edit_or_reply(update, context, text, reply_markup=Keyboard.of(rows).markup())


async def _create(update: Update, context: Context, client_id: int, months: int) -> None:
    services = context.services
    now = services.clock.now()
    actor = context.require_actor()
    async with services.db.session() as session:
        flow = await flows.current(session, person_id=client_id, now=now)
        if flow is None or flow.name != FLOW.name or flow.step != Step.DATE:
            raise goals.GoalNotOpen(0)
        data = FLOW.load(flow)
        if data.area not in AREA_CODES or data.title is None:
            raise goals.GoalNotOpen(0)
        area = AREA_CODES[data.area]
        today = local_day(now, zone_of(actor))
        target = add_months(today, months) if months else None
        goal = await goals.add_goal(
            session,
            client_id=client_id,
            area=area,
            title=data.title,
            target_date=target,
            now=now,
        )
        await FLOW.end(session, person_id=client_id)
    services.wake_dispatcher()
    _LOGGER.info("client %s added goal %s", client_id, goal.id)
    assert goal.id is not None
    lines = [_("✓ Your goal is saved: {title}").format(title=quote(goal.title))]
    if target is not None:
        lines.append(_("Target date: {date}").format(date=format_date(target)))
    lines.append(_("I will ask how it goes once a week, on a check-in day."))
    lines.append(_("Do you want to write a first small step?"))
    rows = [
        [
            Button.press(_("✏️ Add a small step"), ACTION, "as", goal.id),
            Button.press(_("👍 Not now"), ACTION, "ok"),
        ]
    ]
    await edit_or_reply(
        update, context, "\n\n".join(lines), reply_markup=Keyboard.of(rows).markup()
    )


async def _wait_for_text(
    update: Update, context: Context, client_id: int, step: Step, data: GoalData, text: str
) -> None:
    services = context.services
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=client_id,
            step=step,
            now=services.clock.now(),
            data=data,
            awaiting_text=True,
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
                Button.press(_("✏️ Write a smaller step"), ACTION, "as", goal_id),
                Button.press(_("📞 Tell my coach"), ACTION, "tc", goal_id),
            ],
            [Button.press(_("👍 Not now"), ACTION, "ok")],
        ]
        await _answer_below(update, context, text, Keyboard.of(rows).markup())
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
            _("That is okay. Goals can change. Why are you letting it go?"),
        ]
    )
    rows = [
        [Button.press(let_go_button(code), ACTION, "lr", goal_id, code)] for code in LET_GO_REASONS
    ]
    rows.append([Button.press(_("✏️ Another reason"), ACTION, "lt", goal_id)])
    rows.append([Button.press(_("↩️ Keep the goal"), ACTION, "v", goal_id)])
    await edit_or_reply(update, context, text, reply_markup=Keyboard.of(rows).markup())


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
        await FLOW.end(session, person_id=client_id)
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
    today = local_day(now, zone_of(actor))
    target = add_months(today, months) if months else None
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
        rows = [
            [Button.press(_(text), ACTION, "fr", goal_id, every)]
            for every, text in RHYTHM_BUTTONS.items()
        ]
        await edit_or_reply(
            update,
            context,
            _("⏱️ How often do you want me to ask how this goal goes?"),
            reply_markup=Keyboard.of(rows).markup(),
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


def _client(context: Context) -> int:
    """The client pressing (the flow's guard let only clients through)."""
    client_id = context.require_actor().person_id
    assert client_id is not None
    return client_id


def _is_client(context: Context) -> bool:
    actor = context.require_actor()
    return actor.person_id is not None and actor.is_client


async def _examples(update: Update, context: Context, area_code: str) -> None:
    """The examples of an area, and the client's own words."""
    area = AREA_CODES[area_code]
    rows = [
        [Button.press(label(gettext(example)), ACTION, "x", area_code, i)]
        for i, example in enumerate(EXAMPLES[area])
    ]
    rows.append([Button.press(_("✏️ In my own words"), ACTION, "w", area_code)])
    text = "\n\n".join(
        [
            area_name(area),
            _("Choose an example, or write the goal in your own words."),
        ]
    )
    await edit_or_reply(update, context, text, reply_markup=Keyboard.of(rows).markup())


async def _example(update: Update, context: Context, area_code: str, index: int) -> None:
    """An example chosen as the new goal's title: on to its date."""
    examples = EXAMPLES[AREA_CODES[area_code]]
    if index >= len(examples):
        await FLOW.answer_stale(update, context)
        return
    title = gettext(examples[index])
    services = context.services
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=_client(context),
            step=Step.DATE,
            now=services.clock.now(),
            data=GoalData(area=area_code, title=title),
        )
    await _ask_date(update, context, title)


async def _own_words(update: Update, context: Context, area_code: str) -> None:
    await _wait_for_text(
        update,
        context,
        _client(context),
        Step.TITLE,
        GoalData(area=area_code),
        _("✏️ Write your goal in a few words. For example: I go for a walk three times a week."),
    )


async def _date(update: Update, context: Context, months: str) -> None:
    await _create(update, context, _client(context), int(months))


async def _new(update: Update, context: Context) -> None:
    await goal_command(update, context)


async def _all(update: Update, context: Context) -> None:
    async with context.services.db.session() as session:
        items = await goals.goals_of(session, client_id=_client(context))
    text, keyboard = _list_view(items)
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _ok(update: Update, context: Context) -> None:
    await edit_or_reply(update, context, _("👍 OK. /goals shows your goals."))


async def _view(update: Update, context: Context, goal_id: int) -> None:
    await _show_goal(update, context, _client(context), goal_id)


async def _how_it_goes(update: Update, context: Context, goal_id: int, code: str) -> None:
    await _progress(update, context, _client(context), goal_id, code)


async def _stuck_tell_coach(update: Update, context: Context, goal_id: int) -> None:
    await _tell_coach(update, context, _client(context), goal_id)


async def _add_step(update: Update, context: Context, goal_id: int) -> None:
    client_id = _client(context)
    async with context.services.db.session() as session:
        goal = await goals.own_goal(session, goal_id=goal_id, client_id=client_id)
    if goal.status not in OPEN:
        raise goals.GoalNotOpen(goal_id)
    await _wait_for_text(
        update,
        context,
        client_id,
        Step.STEP,
        GoalData(goal_id=goal_id),
        _(
            "✏️ Write one small step for {title}. Small is good: something you can do this week."
        ).format(title=quote(goal.title)),
    )


async def _how_often(update: Update, context: Context, goal_id: int) -> None:
    await _rhythm(update, context, _client(context), goal_id, None)


async def _every(update: Update, context: Context, goal_id: int, days: str) -> None:
    await _rhythm(update, context, _client(context), goal_id, int(days))


async def _date_passed(update: Update, context: Context, goal_id: int, months: str) -> None:
    await _new_date(update, context, _client(context), goal_id, int(months))


async def _let_go_asked(update: Update, context: Context, goal_id: int) -> None:
    await _let_go_reasons(update, context, _client(context), goal_id)


async def _let_go_because(update: Update, context: Context, goal_id: int, code: str) -> None:
    await _let_go(update, context, _client(context), goal_id, LET_GO_REASONS[code])


async def _let_go_in_words(update: Update, context: Context, goal_id: int) -> None:
    client_id = _client(context)
    async with context.services.db.session() as session:
        await goals.own_goal(session, goal_id=goal_id, client_id=client_id)
    await _wait_for_text(
        update,
        context,
        client_id,
        Step.REASON,
        GoalData(goal_id=goal_id),
        _("✏️ Write the reason in a few words."),
    )


async def _yes(update: Update, context: Context, goal_id: int) -> None:
    await _answer_proposal(update, context, _client(context), goal_id, True)


async def _no(update: Update, context: Context, goal_id: int) -> None:
    await _answer_proposal(update, context, _client(context), goal_id, False)


async def _typed(update: Update, context: Context) -> str | None:
    return await typed_words(update, context, purpose="goal-retry")


async def on_title(update: Update, context: Context, flow: Flow) -> None:
    """The new goal's title in the client's own words: on to its date."""
    typed = await _typed(update, context)
    if typed is None:
        return
    title = " ".join(typed.split())
    if not title:
        raise goals.EmptyGoal()
    if len(title) > goals.MAX_TITLE:
        raise goals.GoalTooLong()
    services = context.services
    data = FLOW.load(flow)
    data.title = title
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=_client(context),
            step=Step.DATE,
            now=services.clock.now(),
            data=data,
        )
    await _ask_date(update, context, title)


async def on_step(update: Update, context: Context, flow: Flow) -> None:
    """A small step of a goal, as typed."""
    typed = await _typed(update, context)
    if typed is None:
        return
    client_id = _client(context)
    goal_id = FLOW.load(flow).goal_id or 0
    services = context.services
    async with services.db.session() as session:
        await goals.add_step(
            session, goal_id=goal_id, client_id=client_id, title=typed, now=services.clock.now()
        )
        await FLOW.end(session, person_id=client_id)
    another = Button.press(_("✏️ Add another step"), ACTION, "as", goal_id)
    rows = [[another, Button.press(_("🎯 See the goal"), ACTION, "v", goal_id)]]
    await reply(
        update,
        context,
        _("✓ Step saved. Small steps make big goals."),
        reply_markup=Keyboard.of(rows).markup(),
        purpose="goal-step",
    )


async def on_reason(update: Update, context: Context, flow: Flow) -> None:
    """The client's own reason to let a goal go."""
    typed = await _typed(update, context)
    if typed is None:
        return
    await _let_go(update, context, _client(context), FLOW.load(flow).goal_id or 0, typed)


async def on_other_words(update: Update, context: Context, flow: Flow) -> None:
    """Words typed at a step that waits for none: the flow ends."""
    if await _typed(update, context) is None:
        return
    async with context.services.db.session() as session:
        await FLOW.end(session, person_id=_client(context))


_MONTHS = ("0", "1", "3")
_ON_GOAL = (Step.DATE, Step.TITLE, Step.STEP, Step.REASON)

FLOW = FlowSpec[GoalData](
    name="goal",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=GoalData,
    guard=_is_client,
    answer_first=True,
    stale=Stale.MESSAGE,
    commands=[Command("goal", goal_command), Command("goals", goals_command)],
    routes=[
        Route(("a", code("area", AREA_CODES)), _examples, what="the examples of an area"),
        Route(
            ("x", code("area", AREA_CODES), number("example")),
            _example,
            goes_to=Step.DATE,
            what="an example as the new goal",
        ),
        Route(("w", code("area", AREA_CODES)), _own_words, goes_to=Step.TITLE, what="own words"),
        Route(
            ("d", code("months", _MONTHS)),
            _date,
            shown_in=(Step.DATE,),
            goes_to=END,
            what="the new goal's target date (1, 3, 0 = none): the goal is saved",
        ),
        Route(("new",), _new, what="start a new goal"),
        Route(("all",), _all, what="all the client's goals"),
        Route(("ok",), _ok, what="the buttons go away"),
        Route(("v", ID), _view, what="one goal, with what can be done with it"),
        Route(
            ("p", ID, code("progress", PROGRESS_BUTTONS)),
            _how_it_goes,
            what="how it goes (step done, some progress, stuck, reached)",
        ),
        Route(("tc", ID), _stuck_tell_coach, what="tell the coach the client is stuck"),
        Route(("as", ID), _add_step, goes_to=Step.STEP, what="write a small step"),
        Route(("f", ID), _how_often, what="how often the progress question comes"),
        Route(
            ("fr", ID, code("days", [str(days) for days in RHYTHM_BUTTONS])),
            _every,
            what="the progress question every so many days",
        ),
        Route(
            ("nd", ID, code("months", _MONTHS)),
            _date_passed,
            what="a new date (or none) for a goal whose date passed",
        ),
        Route(("l", ID), _let_go_asked, what="let a goal go: why?"),
        Route(
            ("lr", ID, code("reason", LET_GO_REASONS)),
            _let_go_because,
            goes_to=END,
            what="let it go, with a reason",
        ),
        Route(("lt", ID), _let_go_in_words, goes_to=Step.REASON, what="a reason in own words"),
        Route(("y", ID), _yes, what="yes to a coach's proposal"),
        Route(("n", ID), _no, what="no thanks to a coach's proposal"),
    ],
    texts=[
        Text(Step.TITLE, on_title, goes_to=Step.DATE),
        Text(Step.STEP, on_step, goes_to=END),
        Text(Step.REASON, on_reason, goes_to=END),
        Text(None, on_other_words, goes_to=END),
    ],
)
register = FLOW.register
