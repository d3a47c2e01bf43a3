"""Messages the bot sends on its own initiative, not as a reply: composed in the recipient's
language and queued in the outbox, which delivers them.
"""

from __future__ import annotations

import datetime as dt
import html
import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.i18n import _, use_locale
from bot.services import outbox, people, routing

_LOGGER = logging.getLogger(__name__)


async def queue_unreachable_notice(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> int:
    """Tell a client's coach (or a coach's admins) that the bot cannot reach the person.

    Runs in the transaction that marked the person unreachable, so the notice is queued exactly
    when that is recorded. Returns how many notices were queued.
    """
    targets = await routing.responsible_for(session, person_id=person_id, now=now)
    queued = 0
    for target in targets:
        if target.id is None or target.chat_id is None:
            continue
        name = await people.name_as_seen_by(session, viewer_id=target.id, person_id=person_id)
        with use_locale(target.locale):
            text = _(
                "{name} cannot get my messages right now. They may have blocked me or "
                "removed the chat. What I have for them waits until they write to me again."
            ).format(name=html.escape(name or _("A person"), quote=False))
        await outbox.enqueue(
            session,
            chat_id=target.chat_id,
            method="sendMessage",
            payload={"text": text, "parse_mode": ParseMode.HTML},
            now=now,
            person_id=target.id,
            purpose="unreachable-notice",
        )
        queued += 1
    if not queued:
        _LOGGER.warning("person %s cannot be reached and nobody is responsible for them", person_id)
    return queued
