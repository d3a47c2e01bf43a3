"""An organisation's own settings: crisis numbers, the team chat, the backup for urgent flags,
and the thresholds of the flag rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.people import Organisation, Role
from bot.services import people
from bot.services.errors import DomainError

FLAG_SETTINGS = ("low_mood_days", "low_mood_at_most", "missed_running", "work_strain_running")
FOLLOW_UP_SETTINGS = ("months", "hour")


async def configure(
    session: AsyncSession,
    *,
    name: str,
    now: dt.datetime,
    timezone: str,
    locale: str,
    emergency_number: str | None = None,
    crisis_line_name: str | None = None,
    crisis_line_number: str | None = None,
    team_chat_id: int | None = None,
    backup_telegram_id: int | None = None,
    flags: dict[str, int] | None = None,
    follow_up: dict[str, int] | None = None,
) -> Organisation:
    """Change what is given; the rest stays as it was."""
    organisation = await people.ensure_organisation(
        session, name=name, now=now, timezone=timezone, locale=locale
    )
    if emergency_number is not None:
        organisation.emergency_number = emergency_number.strip()[:32]
    if crisis_line_name is not None:
        organisation.crisis_line_name = crisis_line_name.strip()[:120]
    if crisis_line_number is not None:
        organisation.crisis_line_number = crisis_line_number.strip()[:32]
    if team_chat_id is not None:
        organisation.team_chat_id = team_chat_id or None
    if backup_telegram_id is not None:
        backup = await people.person_by_telegram_id(session, telegram_user_id=backup_telegram_id)
        if backup is None or backup.id is None:
            raise DomainError(f"no person with Telegram id {backup_telegram_id}")
        roles = await people.roles_of(session, person_id=backup.id, now=now)
        if not roles & {Role.COACH, Role.ADMIN}:
            raise DomainError("the backup must be a coach or an admin")
        organisation.backup_person_id = backup.id
    if flags:
        unknown = set(flags) - set(FLAG_SETTINGS)
        if unknown or any(v < 1 for v in flags.values()):
            raise DomainError(f"flag settings are {', '.join(FLAG_SETTINGS)}, each at least 1")
        current: dict[str, Any] = dict(organisation.settings)
        current["flags"] = {**dict(current.get("flags", {})), **flags}
        organisation.settings = current
    if follow_up:
        # How long the follow-up lasts and at what hour its questions come (see followup.py).
        unknown = set(follow_up) - set(FOLLOW_UP_SETTINGS)
        if unknown or not 1 <= follow_up.get("months", 1) <= 120:
            raise DomainError("follow-up months are 1 to 120")
        if not 0 <= follow_up.get("hour", 10) <= 23:
            raise DomainError("the follow-up hour is 0 to 23")
        current = dict(organisation.settings)
        current["follow_up"] = {**dict(current.get("follow_up", {})), **follow_up}
        organisation.settings = current
    await session.flush()
    return organisation


def describe(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "timezone": organisation.timezone,
        "emergency_number": organisation.emergency_number,
        "crisis_line": f"{organisation.crisis_line_name} {organisation.crisis_line_number}",
        "team_chat_id": organisation.team_chat_id,
        "backup_person_id": organisation.backup_person_id,
        "flags": dict(organisation.settings).get("flags", {}),
        "follow_up": dict(organisation.settings).get("follow_up", {}),
    }
