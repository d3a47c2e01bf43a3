"""/note: a coach writes a note about a client, reminded first that the client can read it.

The coach picks a client (or presses 📝 Note on a card), the bot waits for the note as typed text
(for 30 minutes, in the coach's flow row), saves it as written and confirms.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.pickers import CLIENTS_ACTION, NOTE_ACTION, client_picker, encode
from bot.runtime.context import CompanionApplication, Context, require_coach
from bot.services import caseload, flows, notes, people
from bot.services.access import AccessDenied
from bot.services.flows import Flow
from bot.services.notes import MAX_NOTE, EmptyNote, NoteTooLong
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

FLOW = "note"


async def _picker(
    context: Context, coach_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    async with services.db.session() as session:
        clients = await caseload.client_names(session, coach_id=coach_id, now=services.clock.now())
    if not clients:
        return _("You have no clients yet. /invite makes an invite link."), None
    rows, _page, _pages = client_picker(
        clients,
        page,
        choose=lambda client_id: encode(NOTE_ACTION, "n", client_id),
        turn=lambda p: encode(NOTE_ACTION, "p", p),
    )
    return _("📝 Who is the note about?"), InlineKeyboardMarkup(rows)


async def note_command(update: Update, context: Context) -> None:
    """/note: choose the client the note is about."""
    coach_id = require_coach(context)
    text, keyboard = await _picker(context, coach_id, 0)
    await reply(update, context, text, reply_markup=keyboard, purpose="note-pick")


async def ask_for_note(update: Update, context: Context, client_id: int) -> None:
    """Remind the coach that the client reads the note, and wait for it."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        await flows.set_step(
            session,
            person_id=coach_id,
            flow=FLOW,
            step="text",
            now=now,
            data={"client_id": client_id},
            awaiting_text=True,
            merge=False,
        )
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    who = escape(name or "?")
    text = "\n\n".join(
        [
            _("📝 A note about {name}.").format(name=who),
            _(
                "Remember: {name} can read this note with /notes. "
                "Write it so that it is fine for {name} to read."
            ).format(name=who),
            _("Write the note now, at most {max} characters. /cancel stops.").format(max=MAX_NOTE),
        ]
    )
    await reply(update, context, text, purpose="note-prompt")


async def on_text(update: Update, context: Context, flow: Flow) -> None:
    """The note itself, as typed."""
    coach_id = require_coach(context)
    message = update.effective_message
    assert message is not None
    if message.text is None:
        await reply(update, context, _("Please write the note as text."), purpose="note-retry")
        return
    services = context.services
    now = services.clock.now()
    client_id = int(str(flow.data["client_id"]))
    try:
        async with services.db.session() as session:
            note = await notes.add_note(
                session, coach_id=coach_id, client_id=client_id, text=message.text, now=now
            )
            await flows.clear(session, person_id=coach_id, flow=FLOW)
            name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    except NoteTooLong as exc:
        await reply(
            update,
            context,
            _(
                "This note has {length} characters. A note can have at most {max}. "
                "Please write it shorter and send it again."
            ).format(length=exc.length, max=MAX_NOTE),
            purpose="note-too-long",
        )
        return
    except EmptyNote:
        await reply(update, context, _("Please write the note as text."), purpose="note-retry")
        return
    except AccessDenied:
        # The client is no longer on this coach's desk: stop waiting for the note.
        async with services.db.session() as session:
            await flows.clear(session, person_id=coach_id, flow=FLOW)
        raise
    _LOGGER.info("coach %s wrote note %s about client %s", coach_id, note.id, client_id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("👤 Open the card"), callback_data=encode(CLIENTS_ACTION, "c", client_id, 0)
                )
            ]
        ]
    )
    await reply(
        update,
        context,
        _("✓ Note saved. {name} can read it with /notes.").format(name=escape(name or "?")),
        reply_markup=keyboard,
        purpose="note-saved",
    )


async def on_button(update: Update, context: Context) -> None:
    """A button of /note: a client, or another page of clients."""
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    number = callbacks.number(parts, 1)
    if kind == "n" and number is not None:
        await ask_for_note(update, context, number)
        await answer_query(query)
        return
    if kind == "p" and number is not None:
        await answer_query(query)
        text, keyboard = await _picker(context, coach_id, number)
        await edit_or_reply(update, context, text, reply_markup=keyboard)
        return
    await answer_query(query, _("This button no longer works."))


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("note", note_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(NOTE_ACTION)))
