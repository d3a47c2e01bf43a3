"""Coping at work after a placement: the coach is offered to raise the plan's emphasis on coping at
work, and confirms it with the client like any change of emphasis.

Nothing changes by itself or by a date: a recorded placement only proposes. The coach agrees on it
with the client and presses the button (a new emphasis row with its reason, agreed with the
client), or leaves the plan as it is. Emphasis moved back later is as normal as any other change.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import Coaching, CoachingStatus, GoalArea, PlanEmphasis
from bot.models.people import Person
from bot.models.placements import Employer, Placement
from bot.services import access, outbox, people, plan
from bot.text.html_text import escape
from bot.text.i18n import N_, _, use_locale

_LOGGER = logging.getLogger(__name__)

# callbacks.COPING (services do not import messages): cw:y:CLIENT raise coping at work to
# moderate, cw:n:CLIENT not now
ACTION = "cw"
AREA = GoalArea.COPING_AT_WORK
PROPOSED_LEVEL = 2  # moderate
REASON = N_("Started work: support for coping at work")
RAISE = N_("🌱 Raise coping at work to moderate")
NOT_NOW = N_("⏸️ Not now")


async def _current_placement(session: AsyncSession, *, client_id: int) -> Placement | None:
    return (
        await session.exec(
            select(Placement)
            .where(Placement.client_id == client_id, col(Placement.is_current).is_(True))
            .order_by(col(Placement.id).desc())
        )
    ).first()


async def _has_open_coaching(session: AsyncSession, *, client_id: int) -> bool:
    found = (
        await session.exec(
            select(Coaching.id).where(
                Coaching.client_id == client_id,
                col(Coaching.status).in_([CoachingStatus.ACTIVE, CoachingStatus.ONBOARDING]),
            )
        )
    ).first()
    return found is not None


async def needs_raising(session: AsyncSession, *, client_id: int) -> bool:
    """Is coping at work below moderate in the client's plan?"""
    levels = await plan.levels_of(session, client_id=client_id)
    return levels.get(AREA.value, 0) < PROPOSED_LEVEL


async def propose_coping_emphasis(
    session: AsyncSession, *, client_id: int, coach_id: int, now: dt.datetime
) -> bool:
    """Right after a placement is recorded: offer the coach (who acts for the client) to raise the
    emphasis on coping at work to moderate, with a button to confirm and one for not now.

    Queued in the outbox (one offer per placement). False when there is nothing to offer: no
    current placement, no open coaching, the coach does not act for the client, or coping at work
    is already at moderate or more.
    """
    placement = await _current_placement(session, client_id=client_id)
    coach = await session.get(Person, coach_id)
    if (
        placement is None
        or placement.id is None
        or coach is None
        or coach.chat_id is None
        or not await _has_open_coaching(session, client_id=client_id)
        or not await access.can_act_for_client(
            session, coach_id=coach_id, client_id=client_id, now=now
        )
        or not await needs_raising(session, client_id=client_id)
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
        markup = {
            "inline_keyboard": [
                [{"text": _(RAISE), "callback_data": f"{ACTION}:y:{client_id}"}],
                [{"text": _(NOT_NOW), "callback_data": f"{ACTION}:n:{client_id}"}],
            ]
        }
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


async def raise_emphasis(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> PlanEmphasis | None:
    """The coach confirms, agreed with the client: coping at work to moderate, with the reason.
    None when it is already there (nothing to change)."""
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    if not await needs_raising(session, client_id=client_id):
        return None
    return await plan.set_emphasis(
        session,
        coach_id=coach_id,
        client_id=client_id,
        area=AREA,
        level=PROPOSED_LEVEL,
        reason=REASON,
        now=now,
        agreed_with_client=True,
    )


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
