"""A coach and a client's goals, from the client card (🎯 Goals): the goals and where they stand,
proposing a goal (it is agreed only when the client says yes) and letting one go with a reason.

Each press is checked again: the coach who acts for the client now. The buttons, steps and
typed words are declared in FLOW at the end of the module (drawn in docs/flows/coach_goal.md).
"""

from __future__ import annotations

import logging
from enum import StrEnum

from pydantic import BaseModel
from telegram import Update

from bot.flows.mechanism import END, ID, FlowSpec, Route, Stale, Text, code, typed_words
from bot.handlers.replies import edit_or_reply, escape, reply
from bot.messages import callbacks, goal_notices
from bot.messages.goal_texts import (
    AREA_BUTTONS,
    AREA_CODES,
    LET_GO_REASONS,
    goal_line,
    let_go_button,
    quote,
)
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import CLIENTS_ACTION, label
from bot.runtime.context import Context, require_coach
from bot.services import access, goals, people
from bot.services.flows import Flow
from bot.services.goals import OPEN
from bot.text.html_text import html
from bot.text.i18n import _, gettext

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.COACH_GOAL


class Step(StrEnum):
    TITLE = "title"  # waiting for the proposed goal in the coach's words
    REASON = "reason"  # waiting for the coach's reason to let a goal go


class CoachGoalData(BaseModel):
    client_id: int | None = None  # whom the proposal is for
    area: str | None = None  # the proposal's area code
    goal_id: int | None = None  # the goal let go


def _back(client_id: int) -> list[Button]:
    return [Button.press(_("⬅️ Back to the card"), CLIENTS_ACTION, "c", client_id, 0)]


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
    lines = [html(_("🎯 Goals of {name}:"), name=name or "?")]
    if items:
        lines.extend(f"• {goal_line(goal, for_coach=True)}" for goal in items)
    else:
        lines.append(_("No goals yet."))
    rows: list[list[Button]] = []
    if may_act:
        rows.append([Button.press(_("➕ Propose a goal"), ACTION, "a", client_id)])
        rows.extend(
            [
                Button.press(
                    label(_("🌿 Let go: {title}").format(title=goal.title)),
                    ACTION,
                    "l",
                    goal.id or 0,
                )
            ]
            for goal in items
            if goal.status in OPEN
        )
    rows.append(_back(client_id))
    await edit_or_reply(update, context, "\n".join(lines), reply_markup=Keyboard.of(rows).markup())


async def _require_act(context: Context, coach_id: int, client_id: int) -> None:
    services = context.services
    async with services.db.session() as session:
        await access.require_goal(
            session, person_id=coach_id, client_id=client_id, now=services.clock.now(), act=True
        )


async def _goals(update: Update, context: Context, client_id: int) -> None:
    await show_goals(update, context, client_id)


async def _areas(update: Update, context: Context, client_id: int) -> None:
    """Propose a goal: its area first."""
    await _require_act(context, require_coach(context), client_id)
    rows = [
        [Button.press(gettext(AREA_BUTTONS[area]), ACTION, "ar", client_id, area_code)]
        for area_code, area in AREA_CODES.items()
    ]
    rows.append(_back(client_id))
    await edit_or_reply(
        update,
        context,
        _("🎯 Which area is the goal in? Choose it together with the client."),
        reply_markup=Keyboard.of(rows).markup(),
    )


async def _area(update: Update, context: Context, client_id: int, area_code: str) -> None:
    """The area chosen: wait for the goal in the coach's words."""
    coach_id = require_coach(context)
    await _require_act(context, coach_id, client_id)
    services = context.services
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=coach_id,
            step=Step.TITLE,
            now=services.clock.now(),
            data=CoachGoalData(client_id=client_id, area=area_code),
            awaiting_text=True,
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


async def _reasons(update: Update, context: Context, goal_id: int) -> None:
    """Let a goal go: why?"""
    coach_id = require_coach(context)
    services = context.services
    async with services.db.session() as session:
        goal = await goals.goal_for(
            session, goal_id=goal_id, person_id=coach_id, now=services.clock.now(), act=True
        )
    if goal.status not in OPEN:
        raise goals.GoalNotOpen(goal_id)
    rows = [[Button.press(let_go_button(c), ACTION, "lr", goal_id, c)] for c in LET_GO_REASONS]
    rows.append([Button.press(_("✏️ Another reason"), ACTION, "lt", goal_id)])
    rows.append([Button.press(_("↩️ Keep the goal"), ACTION, "v", goal.client_id)])
    await edit_or_reply(
        update,
        context,
        _("🌿 Let go of {title}? Why?").format(title=quote(goal.title)),
        reply_markup=Keyboard.of(rows).markup(),
    )


async def _because(update: Update, context: Context, goal_id: int, reason_code: str) -> None:
    await _let_go(update, context, require_coach(context), goal_id, LET_GO_REASONS[reason_code])


async def _in_words(update: Update, context: Context, goal_id: int) -> None:
    """A reason of the coach's own: wait for it."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await goals.goal_for(session, goal_id=goal_id, person_id=coach_id, now=now, act=True)
        await FLOW.move(
            session,
            person_id=coach_id,
            step=Step.REASON,
            now=now,
            data=CoachGoalData(goal_id=goal_id),
            awaiting_text=True,
        )
    await reply(
        update,
        context,
        _("Write the reason in a few words. The client will see it. /cancel stops."),
        purpose="coach-goal-reason",
    )


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
        await FLOW.end(session, person_id=coach_id)
    services.wake_sender()
    _LOGGER.info("coach %s let go of goal %s", coach_id, goal_id)
    await edit_or_reply(
        update,
        context,
        _("🌿 The goal {title} is let go. The client was told.").format(title=quote(goal.title)),
    )
    await show_goals(update, context, goal.client_id)


async def _typed(update: Update, context: Context) -> str | None:
    return await typed_words(update, context, purpose="goal-retry")


async def on_reason(update: Update, context: Context, flow: Flow) -> None:
    """The coach's own reason to let a goal go."""
    coach_id = require_coach(context)
    typed = await _typed(update, context)
    if typed is not None:
        await _let_go(update, context, coach_id, FLOW.load(flow).goal_id or 0, typed)


async def on_title(update: Update, context: Context, flow: Flow) -> None:
    """The coach's typed goal: a proposal to the client."""
    coach_id = require_coach(context)
    typed = await _typed(update, context)
    if typed is None:
        return
    data = FLOW.load(flow)
    if data.client_id is None or data.area not in AREA_CODES:
        raise goals.GoalNotOpen(0)
    client_id = data.client_id
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        goal = await goals.propose(
            session,
            coach_id=coach_id,
            client_id=client_id,
            area=AREA_CODES[data.area],
            title=typed,
            now=now,
        )
        await goal_notices.proposal(session, goal=goal, coach_id=coach_id, now=now)
        await FLOW.end(session, person_id=coach_id)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    services.wake_sender()
    _LOGGER.info("coach %s proposed goal %s to client %s", coach_id, goal.id, client_id)
    await reply(
        update,
        context,
        _("✓ Sent to {name}: {title}. It becomes a goal when {name} says yes.").format(
            name=escape(name or "?"), title=quote(goal.title)
        ),
        reply_markup=Keyboard.of([[Button.press(_("🎯 Goals"), ACTION, "v", client_id)]]).markup(),
        purpose="coach-goal-sent",
    )


FLOW = FlowSpec[CoachGoalData](
    name="coach_goal",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=CoachGoalData,
    guard=require_coach,
    answer_first=True,
    stale=Stale.MESSAGE,
    routes=[
        Route(("v", ID), _goals, what="the client's goals"),
        Route(("a", ID), _areas, what="propose a goal: choose its area"),
        Route(
            ("ar", ID, code("area", AREA_CODES)),
            _area,
            goes_to=Step.TITLE,
            what="the area chosen: type the goal",
        ),
        Route(("l", ID), _reasons, what="let a goal go: choose a reason"),
        Route(
            ("lr", ID, code("reason", LET_GO_REASONS)),
            _because,
            goes_to=END,
            what="let it go with the reason",
        ),
        Route(("lt", ID), _in_words, goes_to=Step.REASON, what="type a reason"),
    ],
    texts=[
        Text(Step.TITLE, on_title, goes_to=END),
        Text(Step.REASON, on_reason, goes_to=END),
    ],
)
register = FLOW.register
