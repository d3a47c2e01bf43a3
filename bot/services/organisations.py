"""An organisation's own settings: crisis numbers and their opening hours per language, which
tiers of words of crisis and worry it uses (and rules moved between them), the team chat, the
backup for urgent flags, and the thresholds of the flag rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.people import Organisation, Role
from bot.services import crisis, crisis_lines, people
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
    crisis_line_hours: str | None = None,
    language_lines: dict[str, dict[str, str]] | None = None,
    tiers: dict[str, bool] | None = None,
    rules: dict[str, str] | None = None,
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
    main_changed = False
    if crisis_line_number is not None:
        if not crisis_line_number.strip():
            raise DomainError("the main crisis line needs a number")
        main_changed = crisis_line_number.strip() != organisation.crisis_line_number
        organisation.crisis_line_number = crisis_line_number.strip()[:32]
    if crisis_line_hours is not None or main_changed:
        # A new number keeps no hours unless they are given: none are promised for it.
        organisation.settings = crisis_lines.configure(
            organisation.settings,
            language="fi",
            hours=crisis_line_hours,
            number_changed=main_changed,
        )
    for language, values in (language_lines or {}).items():
        organisation.settings = crisis_lines.configure(
            organisation.settings,
            language=language,
            name=values.get("name"),
            number=values.get("number"),
            hours=values.get("hours"),
        )
    if tiers or rules:
        organisation.settings = _words_policy(organisation.settings, tiers or {}, rules or {})
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


def _words_policy(
    settings: dict[str, Any], tiers: dict[str, bool], rules: dict[str, str]
) -> dict[str, Any]:
    """Which tiers are on, and rules moved to another tier ("default" moves one back)."""
    known = crisis.rule_ids()
    stored: dict[str, Any] = dict(dict(settings).get(crisis.SETTINGS_KEY) or {})
    for tier, on in tiers.items():
        if tier not in ("crisis", "worry"):
            raise DomainError("the tiers are crisis and worry")
        stored[tier] = bool(on)
    moved = dict(stored.get("rules") or {})
    for rule, tier in rules.items():
        if rule not in known:
            raise DomainError(
                f"no rule {rule!r}; the rules are the [crisis ...], [worry ...] and "
                "[escalate ...] sections of bot/services/crisis_lexicon/*.txt, named like "
                "fi.want_to_die"
            )
        if tier == "default":
            moved.pop(rule, None)
        elif tier in crisis.TIER_NAMES:
            moved[rule] = tier
        else:
            raise DomainError(f"a rule goes to crisis, worry, off or default, not {tier!r}")
    stored["rules"] = moved
    return {**dict(settings), crisis.SETTINGS_KEY: stored}


def _line_text(line: crisis_lines.Line | None) -> str:
    if line is None:
        return "–"
    hours = line.hours.text if line.hours is not None else "hours not stated"
    return f"{line.name} {line.number} ({hours})"


def describe(organisation: Organisation) -> dict[str, Any]:
    main = crisis_lines.main_line(
        name=organisation.crisis_line_name,
        number=organisation.crisis_line_number,
        settings=organisation.settings,
    )
    policy = crisis.Policy.from_settings(organisation.settings)
    return {
        "name": organisation.name,
        "timezone": organisation.timezone,
        "emergency_number": organisation.emergency_number,
        "crisis_line": _line_text(main),
        "crisis_line_sv": _line_text(crisis_lines.language_line("sv", organisation.settings)),
        "crisis_line_en": _line_text(crisis_lines.language_line("en", organisation.settings)),
        "crisis_words": "on" if policy.crisis else "off",
        "worry_words": "on" if policy.worry else "off",
        "crisis_rules": {
            rule: {crisis.Tier.CRISIS: "crisis", crisis.Tier.WORRY: "worry"}.get(tier, "off")
            for rule, tier in sorted(policy.rules.items())
        },
        "team_chat_id": organisation.team_chat_id,
        "backup_person_id": organisation.backup_person_id,
        "flags": dict(organisation.settings).get("flags", {}),
        "follow_up": dict(organisation.settings).get("follow_up", {}),
    }
