"""The answer when a person has reached a daily limit (bot/services/quotas.py): how many a day,
and from when they may go on, in their own time."""

from __future__ import annotations

import logging

from telegram import Update

from bot.handlers.replies import reply
from bot.runtime.context import Context
from bot.services import quotas
from bot.services.quotas import Quota
from bot.text.dates import format_datetime
from bot.text.i18n import ngettext

_LOGGER = logging.getLogger(__name__)


def _per_day(context: Context, quota: Quota) -> int:
    settings = context.services.settings
    return {
        Quota.ASK: settings.employer_asks_per_day,
        Quota.MEETING: settings.employer_meetings_per_day,
        Quota.INVITE: settings.coach_invites_per_day,
    }[quota]


def _text(quota: Quota, limit: int, when: str) -> str:
    if quota == Quota.ASK:
        return ngettext(
            "You can send the job coaching {limit} question a day, and today's is sent. "
            "You can ask again after {when}. If it is urgent, please call the job coaching.",
            "You can send the job coaching {limit} questions a day, and today's are sent. "
            "You can ask again after {when}. If it is urgent, please call the job coaching.",
            limit,
        ).format(limit=limit, when=when)
    if quota == Quota.MEETING:
        return ngettext(
            "You can propose {limit} meeting a day, and today's is proposed. "
            "You can propose more after {when}.",
            "You can propose {limit} meetings a day, and today's are proposed. "
            "You can propose more after {when}.",
            limit,
        ).format(limit=limit, when=when)
    return ngettext(
        "You can make {limit} invite link a day, and today's is made. "
        "You can make more after {when}. /invites lists your open links.",
        "You can make {limit} invite links a day, and today's are made. "
        "You can make more after {when}. /invites lists your open links.",
        limit,
    ).format(limit=limit, when=when)


async def reached(update: Update, context: Context, *, quota: Quota, person_id: int) -> bool:
    """True when the person has used today's limit; they are then told when they may go on."""
    services = context.services
    per_day = _per_day(context, quota)
    async with services.db.session() as session:
        again = await quotas.next_allowed(
            session, quota=quota, person_id=person_id, per_day=per_day, now=services.clock.now()
        )
    if again is None:
        return False
    _LOGGER.info("person %s reached the daily limit of %s", person_id, quota.value)
    actor = context.require_actor()
    when = format_datetime(again, timezone=actor.timezone, format="short")
    await reply(update, context, _text(quota, per_day, when), purpose=f"limit-{quota.value}")
    return True
