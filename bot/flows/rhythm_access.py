"""Who may change a client's rhythm (/schedule, /pause): the client themself, or the coach who
acts for them now (access.require_act). Shared by both flows and the client card's buttons.

Kept free of bot.handlers imports, so the desk can name these callback actions without an
import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import callbacks
from bot.runtime.context import Context
from bot.services import access, people
from bot.services.access import AccessDenied

SCHEDULE_ACTION = callbacks.SCHEDULE
PAUSE_ACTION = callbacks.PAUSE


@dataclass(frozen=True, slots=True)
class Whose:
    """Whose rhythm is shown, and to whom: the client themself or their coach."""

    client_id: int
    is_self: bool
    name: str  # the client's name as the coach knows it (unused for the client themself)


async def authorise(context: Context, client_id: int) -> Whose:
    """May the person behind the update change this client's rhythm? The client themself, or
    the coach who acts for them now; anyone else is refused without naming anything."""
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    if actor.person_id is None:
        raise AccessDenied("no person")
    if client_id == actor.person_id and actor.is_client:
        return Whose(client_id=client_id, is_self=True, name="")
    if not actor.is_coach:
        raise AccessDenied(f"person {actor.person_id} may not change client {client_id}'s rhythm")
    async with services.db.session() as session:
        await access.require_act(session, coach_id=actor.person_id, client_id=client_id, now=now)
        name = await people.name_as_seen_by(session, viewer_id=actor.person_id, person_id=client_id)
    return Whose(client_id=client_id, is_self=False, name=name or "?")
