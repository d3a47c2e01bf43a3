"""What the other side is told when a client's rhythm changes: a pause made or ended by the
client reaches their coach, one made or ended by the coach reaches the client, and a client
learns when their coach changed their check-in times.

Each notice is composed in its recipient's language and queued in the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages.rhythm_text import date_text, days_text, reason_text, times_text
from bot.messages.send import send_text
from bot.models.checkins import CheckinPause
from bot.models.people import Person
from bot.services import access, people
from bot.services.schedule_changes import ScheduleView
from bot.text.html_text import escape
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)


async def _send(
    session: AsyncSession,
    *,
    person: Person,
    text: str,
    now: dt.datetime,
    purpose: str,
    subject_id: int | None = None,
) -> bool:
    if person.id is None or person.chat_id is None or person.forgotten_at is not None:
        return False
    await send_text(session, to=person, text=text, now=now, subject_id=subject_id, purpose=purpose)
    return True


def _coach_name(coach: Person | None) -> str:
    return escape(people.first_name(coach.display_name if coach else None) or _("your coach"))


async def queue_pause_notice(
    session: AsyncSession,
    *,
    pause: CheckinPause,
    actor_id: int,
    ended: bool,
    now: dt.datetime,
) -> bool:
    """Tell the other side that a pause was made (or ended early); True if a notice was queued.

    The client paused → the coach who answers for them now; the coach paused → the client.
    """
    client = await session.get(Person, pause.client_id)
    if client is None or client.id is None:
        return False
    if actor_id == pause.client_id:
        coach = await access.acting_coach(session, client_id=client.id, now=now)
        if coach is None or coach.id is None:
            _LOGGER.info("client %s paused check-ins; no coach to tell", client.id)
            return False
        name = escape(
            await people.name_as_seen_by(session, viewer_id=coach.id, person_id=client.id) or "?"
        )
        with use_locale(coach.locale):
            if ended:
                text = _("▶️ {name} ended their pause. Their check-ins continue.").format(name=name)
            else:
                text = _(
                    "⏸️ {name} paused their check-ins from {first} to {last}. Reason: {reason}."
                ).format(
                    name=name,
                    first=date_text(pause.starts_on),
                    last=date_text(pause.ends_on),
                    reason=reason_text(pause.reason),
                )
        return await _send(
            session,
            person=coach,
            text=text,
            now=now,
            purpose=f"pause-to-coach:{pause.id}",
            subject_id=client.id,
        )
    coach = await session.get(Person, actor_id)
    with use_locale(client.locale):
        if ended:
            text = _("▶️ {coach} ended your pause. Your check-ins continue.").format(
                coach=_coach_name(coach)
            )
        else:
            text = "\n".join(
                [
                    _(
                        "⏸️ {coach} paused your check-ins from {first} to {last}. Reason: {reason}."
                    ).format(
                        coach=_coach_name(coach),
                        first=date_text(pause.starts_on),
                        last=date_text(pause.ends_on),
                        reason=reason_text(pause.reason),
                    ),
                    _("You can still write to {coach} here at any time.").format(
                        coach=_coach_name(coach)
                    ),
                ]
            )
    return await _send(
        session, person=client, text=text, now=now, purpose=f"pause-to-client:{pause.id}"
    )


async def queue_schedule_notice(
    session: AsyncSession, *, schedule: ScheduleView, coach_id: int, now: dt.datetime
) -> bool:
    """Tell a client that their coach changed their check-in times or days."""
    client = await session.get(Person, schedule.client_id)
    coach = await session.get(Person, coach_id)
    if client is None:
        return False
    with use_locale(client.locale):
        text = _("⏰ {coach} changed your check-in times. Now: {times} ({days}).").format(
            coach=_coach_name(coach),
            times=times_text(schedule.times),
            days=days_text(schedule.weekdays),
        )
    return await _send(session, person=client, text=text, now=now, purpose="schedule-changed")
