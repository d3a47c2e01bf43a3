"""The coach's answer to the offer made after a placement: raise the emphasis on coping at work to
moderate (agreed with the client), or not now.

callback_data (each press checked again: the coach who acts for the client now):
  cw:y:CLIENT   raise coping at work to moderate, with the reason "started work"
  cw:n:CLIENT   not now: the plan stays as it is
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.flows.mechanism import ID, FlowSpec, NoData, Route, Stale
from bot.handlers.replies import edit_or_reply, escape
from bot.messages import callbacks, coping_notices
from bot.runtime.context import Context, require_coach
from bot.services import access, coping, people
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.COPING


async def _raise(update: Update, context: Context, client_id: int) -> None:
    await _answer(update, context, client_id, "y")


async def _not_now(update: Update, context: Context, client_id: int) -> None:
    await _answer(update, context, client_id, "n")


async def _answer(update: Update, context: Context, client_id: int, kind: str) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
        name = escape(
            await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id) or "?"
        )
        if kind == "n":
            row = None
        else:
            row = await coping.raise_emphasis(
                session, coach_id=coach_id, client_id=client_id, now=now
            )
            if row is not None:
                await coping_notices.tell_client(session, client_id=client_id, row=row, now=now)
    if kind == "n":
        text = _(
            "Okay, {name}'s plan stays as it is. You can change it at any time: /clients, "
            "then 📊 Plan."
        ).format(name=name)
    elif row is None:
        text = _("Coping at work already has moderate emphasis or more in {name}'s plan.")
        text = text.format(name=name)
    else:
        services.wake_sender()
        _LOGGER.info("coach %s raised coping at work for client %s", coach_id, client_id)
        text = _(
            "✅ Coping at work is now moderate in {name}'s plan. {name} was told, and the "
            "check-ins now ask about rest, the workload and colleagues."
        ).format(name=name)
    await edit_or_reply(update, context, text)


FLOW = FlowSpec[NoData](
    name="coping",
    action=ACTION,
    doc=__doc__ or "",
    guard=require_coach,
    answer_first=True,
    stale=Stale.MESSAGE,
    routes=[
        Route(("y", ID), _raise, what="raise coping at work to moderate"),
        Route(("n", ID), _not_now, what="not now: the plan stays as it is"),
    ],
)
register = FLOW.register
