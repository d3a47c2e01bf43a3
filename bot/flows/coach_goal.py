"""A coach and a client's goals, from the client card (🎯 Goals): the goals and where they stand,
proposing a goal (it is agreed only when the client says yes) and letting one go with a reason.

callback_data (each press checked again: the coach who acts for the client now):
  cg:v:CLIENT          the client's goals
  cg:a:CLIENT          propose a goal: choose its area; cg:ar:CLIENT:AREA then type the goal
  cg:l:GOAL            let a goal go: choose a reason; cg:lr:GOAL:CODE, or cg:lt:GOAL to type one
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks, goal_notices
from bot.messages.goal_texts import (
    AREA_BUTTONS,
    AREA_CODES,
    LET_GO_REASONS,
    goal_line,
    let_go_button,
    quote,
)
from bot.messages.pickers import CLIENTS_ACTION, label
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import access, flows, goals, people
from bot.services.flows import Flow
from bot.services.goals import OPEN
from bot.text.i18n import N_, _, gettext

_LOGGER = logging.getLogger(__name__)

ACTION = "cg"
FLOW = "coach_goal"
NO_BUTTON = N_("This button no longer works.")


def _data(*parts: str | int) -> str:
    return callbacks.encode(ACTION, *parts)


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def _back(client_id: int) -> list[tuple[str, str]]:
    return [(_("⬅️ Back to the card"), callbacks.encode(CLIENTS_ACTION, "c", client_id, 0))]


async def show_goals(update: Update, context: Context, client_id: int) -> None:
    """The client's goals as their coach sees them, with what the coach can do."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        view = await access.require_goal(
            session, person_id=coach_id, client_id=client_id, now=now, act=False
        )
        may_act = await access.can_touch_goal(
            session, person_id=coach_id, client_id=client_id, now=now, act=True
        )
        items = await goals.goals_of(session, client_id=client_id, view=view)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    lines = [_("🎯 Goals of {name}:").format(name=escape(name or "?"))]
    if items:
        lines.extend(f"• {goal_line(goal, for_coach=True)}" for goal in items)
    else:
        lines.append(_("No goals yet."))
    rows: list[list[tuple[str, str]]] = []
    if may_act:
        rows.append([(_("➕ Propose a goal"), _data("a", client_id))])
        rows.extend(
            [(label(_("🌿 Let go: {title}").format(title=goal.title)), _data("l", goal.id or 0))]
            for goal in items
            if goal.status in OPEN
        )
    rows.append(_back(client_id))
    await edit_or_reply(update, context, "\n".join(lines), reply_markup=_markup(rows))


async def _require_act(context: Context, coach_id: int, client_id: int) -> None:
    services = context.services
    async with services.db.session() as session:
        await access.require_goal(
            session, person_id=coach_id, client_id=client_id, now=services.clock.now(), act=True
        )


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    number = callbacks.number(parts, 1)
    code = parts[2] if len(parts) > 2 else ""
    await answer_query(query)
    services = context.services
    now = services.clock.now()
    if number is None:
        await reply(update, context, _(NO_BUTTON))
    elif kind == "v":
        await show_goals(update, context, number)
    elif kind == "a":
        await _require_act(context, coach_id, number)
        rows = [
            [(gettext(AREA_BUTTONS[area]), _data("ar", number, area_code))]
            for area_code, area in AREA_CODES.items()
        ]
        rows.append(_back(number))
        await edit_or_reply(
            update,
            context,
            _("🎯 Which area is the goal in? Choose it together with the client."),
            reply_markup=_markup(rows),
        )
    elif kind == "ar" and code in AREA_CODES:
        await _require_act(context, coach_id, number)
        async with services.db.session() as session:
            await flows.set_step(
                session,
                person_id=coach_id,
                flow=FLOW,
                step="title",
                now=now,
                data={"client_id": number, "area": code},
                awaiting_text=True,
                merge=False,
            )
        await reply(
            update,
            context,
            _(
                "Write the goal in a few words, in words the client would use. The client "
                "gets it as a suggestion and decides. /cancel stops."
            ),
            purpose="coach-goal-title",
        )
    elif kind == "l":
        async with services.db.session() as session:
            goal = await goals.goal_for(
                session, goal_id=number, person_id=coach_id, now=now, act=True
            )
        if goal.status not in OPEN:
            raise goals.GoalNotOpen(number)
        rows = [[(let_go_button(c), _data("lr", number, c))] for c in LET_GO_REASONS]
        rows.append([(_("✏️ Another reason"), _data("lt", number))])
        rows.append([(_("↩️ Keep the goal"), _data("v", goal.client_id))])
        await edit_or_reply(
            update,
            context,
            _("🌿 Let go of {title}? Why?").format(title=quote(goal.title)),
            reply_markup=_markup(rows),
        )
    elif kind == "lr" and code in LET_GO_REASONS:
        await _let_go(update, context, coach_id, number, LET_GO_REASONS[code])
    elif kind == "lt":
        async with services.db.session() as session:
            await goals.goal_for(session, goal_id=number, person_id=coach_id, now=now, act=True)
            await flows.set_step(
                session,
                person_id=coach_id,
                flow=FLOW,
                step="reason",
                now=now,
                data={"goal_id": number},
                awaiting_text=True,
                merge=False,
            )
        await reply(
            update,
            context,
            _("Write the reason in a few words. The client will see it. /cancel stops."),
            purpose="coach-goal-reason",
        )
    else:
        await reply(update, context, _(NO_BUTTON))


async def _let_go(
    update: Update, context: Context, coach_id: int, goal_id: int, reason: str
) -> None:
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        goal = await goals.let_go(
            session, goal_id=goal_id, person_id=coach_id, reason=reason, now=now
        )
        await goal_notices.let_go_by_coach(session, goal=goal, coach_id=coach_id, now=now)
        await flows.clear(session, person_id=coach_id, flow=FLOW)
    services.wake_sender()
    _LOGGER.info("coach %s let go of goal %s", coach_id, goal_id)
    await edit_or_reply(
        update,
        context,
        _("🌿 The goal {title} is let go. The client was told.").format(title=quote(goal.title)),
    )
    await show_goals(update, context, goal.client_id)


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """The coach's typed goal (a proposal) or reason to let a goal go."""
    coach_id = require_coach(context)
    message = update.effective_message
    assert message is not None
    if not message.text:
        await reply(update, context, _("Please write it as text."), purpose="goal-retry")
        return
    if flow.step == "reason":
        await _let_go(update, context, coach_id, int(str(flow.data["goal_id"])), message.text)
        return
    services = context.services
    now = services.clock.now()
    client_id = int(str(flow.data["client_id"]))
    async with services.db.session() as session:
        goal = await goals.propose(
            session,
            coach_id=coach_id,
            client_id=client_id,
            area=AREA_CODES[str(flow.data["area"])],
            title=message.text,
            now=now,
        )
        await goal_notices.proposal(session, goal=goal, coach_id=coach_id, now=now)
        await flows.clear(session, person_id=coach_id, flow=FLOW)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    services.wake_sender()
    _LOGGER.info("coach %s proposed goal %s to client %s", coach_id, goal.id, client_id)
    await reply(
        update,
        context,
        _("✓ Sent to {name}: {title}. It becomes a goal when {name} says yes.").format(
            name=escape(name or "?"), title=quote(goal.title)
        ),
        reply_markup=_markup([[(_("🎯 Goals"), _data("v", client_id))]]),
        purpose="coach-goal-sent",
    )


def register(application: CompanionApplication) -> None:
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
