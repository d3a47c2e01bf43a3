"""/notes: a client reads every note their coaches wrote about them, newest first, with the date
and the coach's first name. Coaches find notes on a client's card instead.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.handlers.replies import escape, reply
from bot.handlers.start import stranger_text
from bot.messages.keyboards import client_keyboard
from bot.runtime.context import CompanionApplication, Context
from bot.services import notes
from bot.services.handover import local_day
from bot.services.notes import NoteView
from bot.text.dates import format_date
from bot.text.i18n import _

# Room for the notes in one message, counted on the HTML (which is never shorter than the text).
MESSAGE_ROOM = 3800


def _block(note: NoteView, timezone: str) -> str:
    head = _("🗓 {date}, {coach}:").format(
        date=format_date(local_day(note.created_at, timezone)),
        coach=escape(note.coach_name or _("your coach")),
    )
    return f"<b>{head}</b>\n{escape(note.text)}"


def pack(blocks: list[str], room: int = MESSAGE_ROOM) -> list[str]:
    """Blocks joined into as few messages as fit; a block never splits."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        if current and size + len(block) + 2 > room:
            messages.append("\n\n".join(current))
            current, size = [], 0
        current.append(block)
        size += len(block) + 2
    if current:
        messages.append("\n\n".join(current))
    return messages


async def notes_command(update: Update, context: Context) -> None:
    """/notes: the notes about the client, newest first."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if not actor.is_client:
        await reply(
            update,
            context,
            _(
                "/notes is for clients. You find your notes about a client on their card: "
                "/clients. /note writes a new one."
            ),
            purpose="notes-coach-hint",
        )
        return
    services = context.services
    async with services.db.session() as session:
        found = await notes.notes_for(
            session,
            viewer_id=actor.person_id,
            client_id=actor.person_id,
            now=services.clock.now(),
        )
    if not found:
        await reply(
            update,
            context,
            _("Your coach has not written any notes about you yet."),
            reply_markup=client_keyboard(),
            purpose="notes-none",
        )
        return
    blocks = [_("📝 Your coach's notes about you, newest first:")]
    blocks.extend(_block(note, actor.timezone) for note in found)
    for text in pack(blocks):
        await reply(update, context, text, reply_markup=client_keyboard(), purpose="notes")


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("notes", notes_command, filters=private))
