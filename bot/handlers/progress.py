"""Pictures of progress: /progress for a client, a client's chart from the coach's card, and
/caseload for a coach.

The data is gathered first in one short database session (bot/messages/charts/data.py; access
decided by bot/services/access.py), the session is closed, and the picture is drawn in a worker
thread so the event loop keeps serving other chats. The picture goes to the person who asked, as a
photo whose caption is its title.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, answer_stale, escape, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.charts import data, render
from bot.messages.charts.render import Picture
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import audit, caseload
from bot.text.html_text import CAPTION_LIMIT
from bot.text.i18n import _, current_locale

_LOGGER = logging.getLogger(__name__)

# callback_data: ch:c:CLIENT, a client's chart from the coach's card (re-checked on press).
CHART_ACTION = callbacks.CHART
FILE_NAME = "progress.png"


async def _send(update: Update, context: Context, picture: Picture) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    # The title carries a name as people wrote it: escaped, never read as markup.
    caption = picture.title
    if len(caption) > CAPTION_LIMIT:
        caption = caption[: CAPTION_LIMIT - 1] + "…"
    await context.bot.send_photo(
        chat_id=chat.id,
        photo=InputFile(picture.png, filename=FILE_NAME),
        caption=escape(caption),
        parse_mode=ParseMode.HTML,
    )


async def progress_command(update: Update, context: Context) -> None:
    """/progress: a client's own last four weeks as a picture."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if not actor.is_client:
        await reply(
            update,
            context,
            _(
                "/progress is for clients. A client's chart is on their card: /clients. "
                "/caseload shows all your clients' check-ins."
            ),
            purpose="progress-coach-hint",
        )
        return
    services = context.services
    async with services.db.session() as session:
        progress = await data.client_progress(
            session,
            viewer_id=actor.person_id,
            client_id=actor.person_id,
            now=services.clock.now(),
        )
    picture = await asyncio.to_thread(render.progress_picture, progress, current_locale())
    await _send(update, context, picture)
    _LOGGER.info("client %s got their progress chart", actor.person_id)


async def _client_chart(update: Update, context: Context, client_id: int) -> None:
    """A client's chart for a coach who may read them (a forged id is refused)."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        progress = await data.client_progress(
            session, viewer_id=coach_id, client_id=client_id, now=now
        )
        await audit.record(
            session,
            event="client.progress_read",
            now=now,
            actor_id=coach_id,
            subject_id=client_id,
        )
    picture = await asyncio.to_thread(render.progress_picture, progress, current_locale())
    await _send(update, context, picture)
    _LOGGER.info("coach %s read the progress chart of client %s", coach_id, client_id)


async def on_button(update: Update, context: Context) -> None:
    """The card's 📈 button."""
    query = update.callback_query
    assert query is not None
    require_coach(context)
    _action, parts = callbacks.decode(query.data)
    client_id = callbacks.number(parts, 1)
    if parts and parts[0] == "c" and client_id is not None:
        await _client_chart(update, context, client_id)
        await answer_query(query)
        return
    await answer_stale(query)


async def caseload_command(update: Update, context: Context) -> None:
    """/caseload: every client's last 14 days of check-ins in one picture."""
    coach_id = require_coach(context)
    services = context.services
    async with services.db.session() as session:
        grid = await data.caseload_grid(
            session,
            coach_id=coach_id,
            now=services.clock.now(),
            timezone=context.require_actor().timezone,
        )
    if not grid.rows:
        await reply(
            update,
            context,
            _("You have no clients yet. /invite makes an invite link."),
            purpose="caseload-empty",
        )
        return
    pictures = await asyncio.to_thread(render.caseload_pictures, grid, current_locale())
    for picture in pictures:
        await _send(update, context, picture)
    _LOGGER.info("coach %s got the caseload picture of %s clients", coach_id, len(grid.rows))


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("progress", progress_command, filters=private))
    application.add_handler(CommandHandler("caseload", caseload_command, filters=private))
    application.add_handler(
        CallbackQueryHandler(on_button, pattern=callbacks.pattern(CHART_ACTION))
    )
