"""/mydata: everything stored about the person, as a JSON document in their private chat.

A client gets all of their data (bot/services/export.py builds it); a coach gets their own
profile; an employer's contact person gets what is stored about them as a contact. The document
goes straight to the person who asked, never through a group, and the audit log notes that an
export happened (no content).
"""

from __future__ import annotations

import json
import logging

from telegram import InputFile, Update
from telegram.ext import CommandHandler, filters

from bot.handlers.replies import reply
from bot.handlers.start import stranger_text
from bot.runtime.context import CompanionApplication, Context
from bot.services import audit, export
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

MIME_TYPE = "application/json"


def render(document: dict[str, object]) -> bytes:
    """The document as people and programs read it: UTF-8, pretty-printed JSON."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


async def my_data(update: Update, context: Context) -> None:
    """Send the person everything stored about them."""
    actor = context.require_actor()
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    now = services.clock.now()
    person_id = actor.person_id
    if person_id is None:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    async with services.db.session() as session:
        client = await export.is_client_ever(session, person_id=person_id)
        contact = await export.is_employer_contact_ever(session, person_id=person_id)
        document = None
        if actor.is_known or client or contact:
            document = await export.build_export(session, person_id=person_id, now=now)
    if document is None:
        # A stranger's row holds only their language: there is nothing of theirs to send.
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if (client or contact) and not actor.is_coach:
        caption = _("📄 Here is everything I have saved about you. /forget erases it.")
    else:
        caption = _("📄 Here is everything I have saved about you.")
    await context.bot.send_document(
        chat_id=chat.id,
        document=InputFile(render(document), filename=export.file_name(actor.timezone, now)),
        caption=caption,
    )
    async with services.db.session() as session:
        await audit.record(
            session,
            event="data.exported",
            now=now,
            actor_id=person_id,
            subject_id=person_id,
            object_type="person",
            object_id=person_id,
        )
    _LOGGER.info("person %s exported their data", person_id)


def register(application: CompanionApplication) -> None:
    application.add_handler(CommandHandler("mydata", my_data, filters=filters.ChatType.PRIVATE))
