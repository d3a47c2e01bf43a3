"""/plan: the client sees their plan's emphasis per area in plain words; the coach sets it from
the client card (📊 Plan), together with the client, with a reason, any time. Every change is
kept with its date; the client is told of a change. Moving the emphasis back towards everyday
life is shown like any other change, never as going backwards.

callback_data (each press checked again: the coach who acts for the client now):
  pl:v:CLIENT                  the plan and its changes
  pl:a:CLIENT:AREA             choose the level of an area (AREA 1-5)
  pl:s:CLIENT:AREA:LEVEL       choose the reason (or pl:t:CLIENT:AREA:LEVEL to type one)
  pl:r:CLIENT:AREA:LEVEL:CODE  save with a common reason
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.goal_texts import AREA_BUTTONS, AREA_CODES, CODE_OF_AREA
from bot.messages.pickers import CLIENTS_ACTION
from bot.models.coaching import GoalArea, PlanEmphasis
from bot.models.people import Person
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import access, flows, outbox, people, plan
from bot.services.checkins import local_day
from bot.services.flows import Flow
from bot.text.dates import format_date
from bot.text.i18n import N_, _, gettext, use_locale

_LOGGER = logging.getLogger(__name__)

ACTION = "pl"
FLOW = "plan"
HISTORY_SHOWN = 6
NO_BUTTON = N_("This button no longer works.")

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


def stars(level: int) -> str:
    return "★" * level + "☆" * (4 - level)


def _data(*parts: str | int) -> str:
    return callbacks.encode(ACTION, *parts)


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


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
    text = client_view(levels, rows, actor.timezone or "Europe/Helsinki")
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
    timezone = context.require_actor().timezone or "Europe/Helsinki"
    blocks = [
        "\n".join(
            [
                _("📊 Plan of {name}:").format(name=escape(name or "?")),
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
    buttons: list[list[tuple[str, str]]] = []
    if may_act:
        blocks.append(_("Set the emphasis together with the client. Choose an area:"))
        buttons.extend(
            [
                (
                    f"{gettext(AREA_BUTTONS[area])} {stars(levels.get(area.value, 0))}",
                    _data("a", client_id, CODE_OF_AREA[area]),
                )
            ]
            for area in GoalArea
        )
    buttons.append([(_("⬅️ Back to the card"), callbacks.encode(CLIENTS_ACTION, "c", client_id, 0))])
    await edit_or_reply(update, context, "\n\n".join(blocks), reply_markup=_markup(buttons))


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
        await flows.clear(session, person_id=coach_id, flow=FLOW)
    services.wake_sender()
    _LOGGER.info("coach %s set the plan of client %s", coach_id, client_id)
    await show_plan(update, context, client_id)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    client_id = callbacks.number(parts, 1)
    area_code = parts[2] if len(parts) > 2 else ""
    level = callbacks.number(parts, 3)
    await answer_query(query)
    if client_id is None:
        await reply(update, context, _(NO_BUTTON))
        return
    if kind == "v":
        await show_plan(update, context, client_id)
        return
    if area_code not in AREA_CODES:
        await reply(update, context, _(NO_BUTTON))
        return
    area = AREA_CODES[area_code]
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    if kind == "a":
        rows = [
            [
                (
                    f"{stars(value)} {gettext(word)}",
                    _data("s", client_id, area_code, value),
                )
            ]
            for value, word in LEVEL_WORDS.items()
        ]
        rows.append([(_("↩️ Back"), _data("v", client_id))])
        await edit_or_reply(
            update,
            context,
            _("How much emphasis on {area}, as agreed with the client?").format(
                area=gettext(AREA_BUTTONS[area])
            ),
            reply_markup=_markup(rows),
        )
    elif kind == "s" and level in plan.LEVELS:
        assert level is not None
        rows = [
            [(_(reason), _data("r", client_id, area_code, level, code))]
            for code, reason in REASONS.items()
        ]
        rows.append([(_("✏️ Another reason"), _data("t", client_id, area_code, level))])
        await edit_or_reply(
            update,
            context,
            _("{area} → {level}. Why the change?").format(
                area=gettext(AREA_BUTTONS[area]), level=gettext(LEVEL_WORDS[level])
            ),
            reply_markup=_markup(rows),
        )
    elif kind == "r" and level in plan.LEVELS and len(parts) > 4 and parts[4] in REASONS:
        assert level is not None
        await _save(
            update,
            context,
            client_id=client_id,
            area=area,
            level=level,
            reason=REASONS[parts[4]],
        )
    elif kind == "t" and level in plan.LEVELS:
        async with services.db.session() as session:
            await flows.set_step(
                session,
                person_id=coach_id,
                flow=FLOW,
                step="reason",
                now=now,
                data={"client_id": client_id, "area": area_code, "level": level},
                awaiting_text=True,
                merge=False,
            )
        await reply(
            update,
            context,
            _("Write the reason in a few words. The client can read it. /cancel stops."),
            purpose="plan-reason",
        )
    else:
        await reply(update, context, _(NO_BUTTON))


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """The coach's typed reason for a change of emphasis."""
    require_coach(context)
    message = update.effective_message
    assert message is not None
    if not message.text or not message.text.strip():
        await reply(update, context, _("Please write it as text."), purpose="plan-retry")
        return
    await _save(
        update,
        context,
        client_id=int(str(flow.data["client_id"])),
        area=AREA_CODES[str(flow.data["area"])],
        level=int(str(flow.data["level"])),
        reason=message.text,
    )


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("plan", plan_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
