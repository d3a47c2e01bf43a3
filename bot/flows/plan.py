"""/plan: the client sees their plan's emphasis per area in plain words; the coach sets it from
the client card (📊 Plan), together with the client, with a reason, any time. Every change is
kept with its date; the client is told of a change. Moving the emphasis back towards everyday
life is shown like any other change, never as going backwards.

Each press is checked again: the coach who acts for the client now. The buttons, steps and
typed words are declared in FLOW at the end of the module (drawn in docs/flows/plan.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.constants import ParseMode

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
from bot.handlers.replies import edit_or_reply, escape, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.goal_texts import AREA_BUTTONS, AREA_CODES, CODE_OF_AREA
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import CLIENTS_ACTION
from bot.models.coaching import GoalArea, PlanEmphasis
from bot.models.people import Person
from bot.runtime.context import Context, require_coach
from bot.services import access, outbox, people, plan
from bot.services.days import local_day, zone_of
from bot.services.flows import Flow
from bot.text.dates import format_date
from bot.text.html_text import html
from bot.text.i18n import N_, _, gettext, use_locale

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.PLAN
HISTORY_SHOWN = 6

# The thesis's scale, for the coach.
LEVEL_WORDS = {
    0: N_("none"),
    1: N_("slight"),
    2: N_("moderate"),
    3: N_("significant"),
    4: N_("considerable"),
}
# The same scale in plain words, for the client.
LEVEL_WORDS_CLIENT = {
    0: N_("not now"),
    1: N_("a little"),
    2: N_("some"),
    3: N_("a lot"),
    4: N_("the most"),
}
REASONS = {
    "a": N_("Agreed together in a meeting"),
    "c": N_("The life situation changed"),
    "r": N_("Ready to focus on this"),
    "e": N_("More room for everyday life now"),
}


class Step(StrEnum):
    REASON = "reason"  # waiting for the coach's reason for a change


class PlanData(BaseModel):
    client_id: int
    area: str
    level: int


def stars(level: int) -> str:
    return "★" * level + "☆" * (4 - level)


def _area_lines(levels: dict[str, int], words: dict[int, str]) -> list[str]:
    return [
        _("{area}: {stars} {level}").format(
            area=gettext(AREA_BUTTONS[area]),
            stars=stars(levels.get(area.value, 0)),
            level=gettext(words[levels.get(area.value, 0)]),
        )
        for area in GoalArea
    ]


def _change_line(row: PlanEmphasis, timezone: str, words: dict[int, str]) -> str:
    line = _("• {date}: {area} → {level}").format(
        date=format_date(local_day(row.created_at, timezone)),
        area=gettext(AREA_BUTTONS[row.area]),
        level=gettext(words[row.level]),
    )
    if row.reason:
        line += " – " + escape(gettext(row.reason))
    return line


def client_view(levels: dict[str, int], rows: list[PlanEmphasis], timezone: str) -> str:
    """What /plan shows the client: the emphasis now, in plain words, and the latest changes."""
    if not rows:
        return "\n\n".join(
            [
                _("📊 Your plan has no emphasis yet."),
                _(
                    "Your coach sets it together with you. Until then, the check-ins are about "
                    "everyday life."
                ),
            ]
        )
    blocks = [
        "\n".join(
            [
                _("📊 Your plan now. The more stars, the more we focus on it:"),
                *_area_lines(levels, LEVEL_WORDS_CLIENT),
            ]
        ),
        _("All areas stay open the whole time. The focus can change whenever needed."),
        "\n".join(
            [_("Changes:")]
            + [_change_line(r, timezone, LEVEL_WORDS_CLIENT) for r in rows[:HISTORY_SHOWN]]
        ),
    ]
    return "\n\n".join(blocks)


async def plan_command(update: Update, context: Context) -> None:
    """/plan: the client's plan; a coach is pointed to the client card."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if not actor.is_client:
        await reply(
            update,
            context,
            _("You find a client's plan on their card: /clients, then 📊 Plan."),
            purpose="plan-coach",
        )
        return
    async with context.services.db.session() as session:
        levels = await plan.levels_of(session, client_id=actor.person_id)
        rows = await plan.history(session, client_id=actor.person_id)
    text = client_view(levels, rows, zone_of(actor))
    await reply(update, context, text, purpose="plan")


async def show_plan(update: Update, context: Context, client_id: int) -> None:
    """The client's plan as the coach sees it, with a button per area."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        view = await access.require_read(session, viewer_id=coach_id, client_id=client_id, now=now)
        may_act = await access.can_act_for_client(
            session, coach_id=coach_id, client_id=client_id, now=now
        )
        levels = await plan.levels_of(session, client_id=client_id, view=view)
        rows = await plan.history(session, client_id=client_id, view=view)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    timezone = zone_of(context.require_actor())
    blocks = [
        "\n".join(
            [
                html(_("📊 Plan of {name}:"), name=name or "?"),
                *_area_lines(levels, LEVEL_WORDS),
            ]
        )
    ]
    if rows:
        blocks.append(
            "\n".join([_("Changes:")] + [_change_line(r, timezone, LEVEL_WORDS) for r in rows])
        )
    else:
        blocks.append(_("No emphasis set yet: the check-ins are about everyday life."))
    buttons: list[list[Button]] = []
    if may_act:
        blocks.append(_("Set the emphasis together with the client. Choose an area:"))
        buttons.extend(
            [
                Button.press(
                    f"{gettext(AREA_BUTTONS[area])} {stars(levels.get(area.value, 0))}",
                    ACTION,
                    "a",
                    client_id,
                    CODE_OF_AREA[area],
                )
            ]
            for area in GoalArea
        )
    buttons.append([Button.press(_("⬅️ Back to the card"), CLIENTS_ACTION, "c", client_id, 0)])
    await edit_or_reply(
        update, context, "\n\n".join(blocks), reply_markup=Keyboard.of(buttons).markup()
    )


async def _notify_client(
    session: AsyncSession, *, client_id: int, row: PlanEmphasis, now: dt.datetime
) -> None:
    """Tell the client their plan changed, in plain words."""
    client = await session.get(Person, client_id)
    if client is None or client.chat_id is None:
        return
    with use_locale(client.locale):
        text = _("📊 Your plan changed: {area} – {level}. /plan shows your plan.").format(
            area=gettext(AREA_BUTTONS[row.area]), level=gettext(LEVEL_WORDS_CLIENT[row.level])
        )
    await outbox.enqueue(
        session,
        chat_id=client.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=client_id,
        purpose=f"plan-changed:{row.id}",
    )


async def _save(
    update: Update,
    context: Context,
    *,
    client_id: int,
    area: GoalArea,
    level: int,
    reason: str,
) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        row = await plan.set_emphasis(
            session,
            coach_id=coach_id,
            client_id=client_id,
            area=area,
            level=level,
            reason=reason,
            now=now,
        )
        await _notify_client(session, client_id=client_id, row=row, now=now)
        await FLOW.end(session, person_id=coach_id)
    services.wake_sender()
    _LOGGER.info("coach %s set the plan of client %s", coach_id, client_id)
    await show_plan(update, context, client_id)


async def _plan(update: Update, context: Context, client_id: int) -> None:
    await show_plan(update, context, client_id)


async def _may_act(context: Context, client_id: int) -> None:
    services = context.services
    async with services.db.session() as session:
        await access.require_act(
            session, coach_id=require_coach(context), client_id=client_id, now=services.clock.now()
        )


async def _levels(update: Update, context: Context, client_id: int, area_code: str) -> None:
    """The levels to choose from for an area."""
    await _may_act(context, client_id)
    rows = [
        [Button.press(f"{stars(value)} {gettext(word)}", ACTION, "s", client_id, area_code, value)]
        for value, word in LEVEL_WORDS.items()
    ]
    rows.append([Button.press(_("↩️ Back"), ACTION, "v", client_id)])
    await edit_or_reply(
        update,
        context,
        _("How much emphasis on {area}, as agreed with the client?").format(
            area=gettext(AREA_BUTTONS[AREA_CODES[area_code]])
        ),
        reply_markup=Keyboard.of(rows).markup(),
    )


async def _reasons(
    update: Update, context: Context, client_id: int, area_code: str, level: int
) -> None:
    """A level chosen: the common reasons, or one of the coach's own."""
    await _may_act(context, client_id)
    rows = [
        [Button.press(_(reason), ACTION, "r", client_id, area_code, level, code)]
        for code, reason in REASONS.items()
    ]
    rows.append([Button.press(_("✏️ Another reason"), ACTION, "t", client_id, area_code, level)])
    await edit_or_reply(
        update,
        context,
        _("{area} → {level}. Why the change?").format(
            area=gettext(AREA_BUTTONS[AREA_CODES[area_code]]), level=gettext(LEVEL_WORDS[level])
        ),
        reply_markup=Keyboard.of(rows).markup(),
    )


async def _because(
    update: Update, context: Context, client_id: int, area_code: str, level: int, reason: str
) -> None:
    await _may_act(context, client_id)
    await _save(
        update,
        context,
        client_id=client_id,
        area=AREA_CODES[area_code],
        level=level,
        reason=REASONS[reason],
    )


async def _in_words(
    update: Update, context: Context, client_id: int, area_code: str, level: int
) -> None:
    """A reason of the coach's own: wait for it."""
    await _may_act(context, client_id)
    services = context.services
    async with services.db.session() as session:
        await FLOW.move(
            session,
            person_id=require_coach(context),
            step=Step.REASON,
            now=services.clock.now(),
            data=PlanData(client_id=client_id, area=area_code, level=level),
            awaiting_text=True,
        )
    await reply(
        update,
        context,
        _("Write the reason in a few words. The client can read it. /cancel stops."),
        purpose="plan-reason",
    )


async def on_reason(update: Update, context: Context, flow: Flow) -> None:
    """The coach's typed reason for a change of emphasis."""
    require_coach(context)
    typed = await typed_words(update, context, purpose="plan-retry", blank=False)
    if typed is None:
        return
    data = FLOW.load(flow)
    await _save(
        update,
        context,
        client_id=data.client_id,
        area=AREA_CODES[data.area],
        level=data.level,
        reason=typed,
    )


_AREA = code("area", AREA_CODES)
_LEVEL = number("level", low=min(plan.LEVELS), high=max(plan.LEVELS))

FLOW = FlowSpec[PlanData](
    name="plan",
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=PlanData,
    guard=require_coach,
    answer_first=True,
    stale=Stale.MESSAGE,
    commands=[Command("plan", plan_command)],
    routes=[
        Route(("v", ID), _plan, what="the plan and its changes"),
        Route(("a", ID, _AREA), _levels, what="choose the level of an area"),
        Route(("s", ID, _AREA, _LEVEL), _reasons, what="choose the reason"),
        Route(
            ("r", ID, _AREA, _LEVEL, code("reason", REASONS)),
            _because,
            goes_to=END,
            what="save with a common reason",
        ),
        Route(
            ("t", ID, _AREA, _LEVEL),
            _in_words,
            goes_to=Step.REASON,
            what="type a reason",
        ),
    ],
    texts=[Text(Step.REASON, on_reason, goes_to=END)],
)
register = FLOW.register
