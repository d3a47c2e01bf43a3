"""The messages of coping at work after a placement: the offer to the coach to raise the plan's
emphasis (with ✅ and not now, answered in bot/flows/coping.py), and the client's word when it
was raised. The rule is bot/services/coping.py.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.models.coaching import PlanEmphasis
from bot.models.people import Person
from bot.models.placements import Employer
from bot.services import access, coping, outbox, people
from bot.text.html_text import escape
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)


async def propose_coping_emphasis(
    session: AsyncSession, *, client_id: int, coach_id: int, now: dt.datetime
) -> bool:
    """Right after a placement is recorded: offer the coach (who acts for the client) to raise the
    emphasis on coping at work to moderate, with a button to confirm and one for not now.

    Queued in the outbox (one offer per placement). False when there is nothing to offer: no
    current placement, no open coaching, the coach does not act for the client, or coping at work
    is already at moderate or more.
    """
    placement = await coping.current_placement(session, client_id=client_id)
    coach = await session.get(Person, coach_id)
    if (
        placement is None
        or placement.id is None
        or coach is None
        or coach.chat_id is None
        or not await coping.has_open_coaching(session, client_id=client_id)
        or not await access.can_act_for_client(
            session, coach_id=coach_id, client_id=client_id, now=now
        )
        or not await coping.needs_raising(session, client_id=client_id)
    ):
        return False
    employer = await session.get(Employer, placement.employer_id)
    name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    with use_locale(coach.locale):
        client_name = escape(name or _("The client"))
        text = "\n\n".join(
            [
                _("🌱 {name} starts work: {job} at {employer}.").format(
                    name=client_name,
                    job=escape(placement.job_title),
                    employer=escape(employer.name if employer else "–"),
                ),
                _(
                    "Shall we raise the emphasis on coping at work to moderate? Then the "
                    "check-ins ask about rest after work, the workload and colleagues."
                ),
                _("Agree on it with {name} first. The plan can change again at any time.").format(
                    name=client_name
                ),
            ]
        )
        markup = Keyboard.column(
            Button.press(
                _("🌱 Raise coping at work to moderate"), callbacks.COPING, "y", client_id
            ),
            Button.press(_("⏸️ Not now"), callbacks.COPING, "n", client_id),
        ).to_json()
    await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": "HTML", "reply_markup": markup},
        now=now,
        person_id=coach_id,
        subject_id=client_id,
        purpose="coping-proposal",
        dedup_key=f"coping-proposal:{placement.id}:{coach_id}",
    )
    _LOGGER.info("coping at work proposed to coach %s for client %s", coach_id, client_id)
    return True


async def tell_client(
    session: AsyncSession, *, client_id: int, row: PlanEmphasis, now: dt.datetime
) -> None:
    """The client hears of the change in plain words, and what it means for the check-ins."""
    client = await session.get(Person, client_id)
    if client is None or client.chat_id is None:
        return
    with use_locale(client.locale):
        text = "\n".join(
            [
                _("📊 Your plan changed: more focus on coping at work."),
                _(
                    "The check-ins now ask how you rest after work, how much work you have and "
                    "how things are with your colleagues. /plan shows your plan."
                ),
            ]
        )
    await outbox.enqueue(
        session,
        chat_id=client.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": "HTML"},
        now=now,
        person_id=client_id,
        purpose=f"plan-changed:{row.id}",
    )
