"""The coach's answer to the offer made after a placement: raise the emphasis on coping at work to
moderate (agreed with the client), or not now.

callback_data (each press checked again: the coach who acts for the client now):
  cw:y:CLIENT   raise coping at work to moderate, with the reason "started work"
  cw:n:CLIENT   not now: the plan stays as it is
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import access, coping, people
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

ACTION = coping.ACTION


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    client_id = callbacks.number(parts, 1)
    await answer_query(query)
    if client_id is None or kind not in ("y", "n"):
        await reply(update, context, _("This button no longer works."))
        return
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
                await coping.tell_client(session, client_id=client_id, row=row, now=now)
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


def register(application: CompanionApplication) -> None:
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
