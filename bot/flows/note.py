"""/note: a coach writes a note about a client, reminded first that the client can read it.

The coach picks a client (or presses 📝 Note on a card), the bot waits for the note as typed text
(for 30 minutes, in the coach's flow row), saves it as written and confirms.
"""

# The declaration (steps, data, buttons, typed words) is FLOW at the end of the module.

from __future__ import annotations

import logging
from enum import StrEnum

from pydantic import BaseModel
from telegram import InlineKeyboardMarkup, Update

from bot.flows.mechanism import END, ID, PAGE, Command, FlowSpec, Route, Text
from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import CLIENTS_ACTION, NOTE_ACTION, client_picker
from bot.runtime.context import Context, require_coach
from bot.services import caseload, notes, people
from bot.services.access import AccessDenied
from bot.services.flows import Flow
from bot.services.notes import MAX_NOTE, EmptyNote, NoteTooLong
from bot.text.html_text import html
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)


class Step(StrEnum):
    TEXT = "text"  # waiting for the note as typed words


class NoteData(BaseModel):
    client_id: int


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
        choose=lambda client_id: (NOTE_ACTION, "n", client_id),
        turn=lambda p: (NOTE_ACTION, "p", p),
    )
    return _("📝 Who is the note about?"), Keyboard.of(rows).markup()


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
        await FLOW.move(
            session,
            person_id=coach_id,
            step=Step.TEXT,
            now=now,
            data=NoteData(client_id=client_id),
            awaiting_text=True,
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
    client_id = FLOW.load(flow).client_id
    try:
        async with services.db.session() as session:
            note = await notes.add_note(
                session, coach_id=coach_id, client_id=client_id, text=message.text, now=now
            )
            await FLOW.end(session, person_id=coach_id)
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
            await FLOW.end(session, person_id=coach_id)
        raise
    _LOGGER.info("coach %s wrote note %s about client %s", coach_id, note.id, client_id)
    keyboard = Keyboard.column(
        Button.press(_("👤 Open the card"), CLIENTS_ACTION, "c", client_id, 0)
    ).markup()
    await reply(
        update,
        context,
        html(_("✓ Note saved. {name} can read it with /notes."), name=name or "?"),
        reply_markup=keyboard,
        purpose="note-saved",
    )


async def choose(update: Update, context: Context, client_id: int) -> None:
    """A client chosen: wait for the note about them."""
    query = update.callback_query
    assert query is not None
    await ask_for_note(update, context, client_id)
    await answer_query(query)


async def turn(update: Update, context: Context, page: int) -> None:
    """Another page of clients."""
    query = update.callback_query
    assert query is not None
    coach_id = require_coach(context)
    await answer_query(query)
    text, keyboard = await _picker(context, coach_id, page)
    await edit_or_reply(update, context, text, reply_markup=keyboard)


FLOW = FlowSpec[NoteData](
    name="note",
    action=NOTE_ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=NoteData,
    guard=require_coach,
    commands=[Command("note", note_command)],
    routes=[
        Route(("n", ID), choose, goes_to=Step.TEXT, what="a client chosen: write the note"),
        Route(("p", PAGE), turn, what="another page of clients"),
    ],
    texts=[Text(Step.TEXT, on_text, goes_to=END)],
)
register = FLOW.register
