"""The messages around a flag: the notice to the coach (with the client's last check-ins and
buttons), the escalation to the backup and the admins, the team chat's alert without content, and
the crisis answer to the client.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.html_text import escape
from bot.i18n import N_, _, format_date, use_locale
from bot.models.checkins import Checkin, CheckinStatus
from bot.models.flags import Flag, FlagEventKind, FlagKind, FlagUrgency
from bot.models.people import Organisation, Person
from bot.services import checkins, flags, outbox, people, routing

ACTION = "fl"

REASONS = {
    FlagKind.LOW_MOOD: N_("low mood on several days running."),
    FlagKind.MISSED_CHECKINS: N_("several check-ins missed in a row."),
    FlagKind.CONTACT_REQUEST: N_("asks you to contact them."),
    FlagKind.CRISIS: N_(
        "wrote words that may mean a crisis. They got the crisis numbers from me. "
        "Please contact them as soon as you can."
    ),
    FlagKind.GOAL_STUCK: N_("is stuck with a goal and would like help."),
    FlagKind.EMPLOYER_REQUEST: N_("their employer asks for guidance."),
    FlagKind.PULSE_MISMATCH: N_("the employee and the employer see the work very differently."),
    FlagKind.FOLLOWUP_SILENCE: N_("has not answered the last follow-up contacts."),
    FlagKind.FOLLOWUP_WORSE: N_("says in the follow-up that work has got harder."),
    FlagKind.UNREACHABLE: N_("cannot get my messages."),
    FlagKind.WORK_STRAIN: N_(
        "too much work or a hard time with colleagues in several check-ins running."
    ),
}
MOOD_EMOJI = {1: "😢", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


def _checkin_line(checkin: Checkin, timezone: str) -> str:
    day = format_date(checkin.due_at.astimezone(ZoneInfo(timezone)).date(), format="short")
    if checkin.status == CheckinStatus.MISSED:
        return _("{day}: no answer").format(day=day)
    parts = []
    if checkin.mood:
        parts.append(_("mood {emoji}").format(emoji=MOOD_EMOJI.get(checkin.mood, "")))
    if checkin.sleep:
        parts.append(_("slept {answer}").format(answer=_(_SLEEP_WORDS[str(checkin.sleep)])))
    if checkin.got_up:
        parts.append(_("got up: {answer}").format(answer=_(_GOT_UP_WORDS[str(checkin.got_up)])))
    workload = checkin.extra_answers.get("workload")
    if workload in _WORKLOAD_WORDS:
        parts.append(_("workload: {answer}").format(answer=_(_WORKLOAD_WORDS[workload])))
    colleagues = checkin.extra_answers.get("colleagues")
    if colleagues in _COLLEAGUES_WORDS:
        parts.append(_("colleagues: {answer}").format(answer=_(_COLLEAGUES_WORDS[colleagues])))
    if checkin.contact_requested:
        parts.append(_("📞 asked for contact"))
    return f"{day}: {', '.join(parts) or '–'}"


_SLEEP_WORDS = {"well": N_("well"), "so_so": N_("so-so"), "badly": N_("badly")}
_GOT_UP_WORDS = {"yes": N_("yes"), "later": N_("later"), "no": N_("no")}
_WORKLOAD_WORDS = {
    "ok": N_("just right"),
    "too_much": N_("too much"),
    "too_little": N_("too little"),
}
_COLLEAGUES_WORDS = {"good": N_("good"), "so_so": N_("so-so"), "hard": N_("hard")}


def _buttons(flag_id: int) -> dict[str, object]:
    return {
        "inline_keyboard": [
            [
                {"text": _("📞 I'll contact"), "callback_data": f"{ACTION}:{flag_id}:contact"},
                {"text": _("✅ Done"), "callback_data": f"{ACTION}:{flag_id}:done"},
            ],
            [{"text": _("⏰ Later"), "callback_data": f"{ACTION}:{flag_id}:later"}],
        ]
    }


async def flag_text(
    session: AsyncSession, *, flag: Flag, recipient: Person, now: dt.datetime
) -> str:
    """The notice in the recipient's current language: who, why, and the last check-ins."""
    assert recipient.id is not None
    name = escape(
        await people.name_as_seen_by(session, viewer_id=recipient.id, person_id=flag.client_id)
        or _("A client")
    )
    urgent = flag.urgency == FlagUrgency.URGENT
    head = ("🆘 " if urgent else "🚩 ") + f"<b>{name}</b>: " + _(REASONS[flag.kind])
    lines = [head]
    if flag.escalation_level > 0:
        coach = await session.get(Person, flag.coach_id) if flag.coach_id else None
        lines.append(
            _("Nobody has taken this yet. Their coach is {coach}.").format(
                coach=escape(people.first_name(coach.display_name if coach else None) or "–")
            )
        )
    recent = await checkins.recent(session, client_id=flag.client_id, limit=5)
    if recent:
        lines.append("")
        lines.append(_("Last check-ins:"))
        lines.extend(_checkin_line(c, recipient.timezone) for c in recent)
    return "\n".join(lines)


async def queue_flag(
    session: AsyncSession, *, flag: Flag, recipient: Person, now: dt.datetime, purpose: str
) -> None:
    """Queue the flag's notice, with its buttons, to one person."""
    assert flag.id is not None and recipient.id is not None and recipient.chat_id is not None
    with use_locale(recipient.locale):
        text = await flag_text(session, flag=flag, recipient=recipient, now=now)
        markup = _buttons(flag.id)
    await outbox.enqueue(
        session,
        chat_id=recipient.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML, "reply_markup": markup},
        now=now,
        person_id=recipient.id,
        purpose=purpose,
        dedup_key=f"{purpose}:{recipient.id}",
        priority=10 if flag.urgency == FlagUrgency.URGENT else 0,
    )


async def deliver(session: AsyncSession, *, flag: Flag, now: dt.datetime) -> None:
    """Send a due flag to the coach who answers for the client now (a substitute in a handover)."""
    assert flag.id is not None
    coach = await routing.current_coach(session, client_id=flag.client_id, now=now)
    if coach is None:
        targets = await routing.responsible_for(session, person_id=flag.client_id, now=now)
        coach = targets[0] if targets else None
    if coach is None or coach.id is None or coach.chat_id is None:
        await flags.log(
            session, flag_id=flag.id, kind=FlagEventKind.DELIVERY_FAILED, now=now, note="nobody"
        )
        return
    flag.coach_id = coach.id
    notices = int(flag.details.get("notices", 0)) + 1
    flag.details = {**flag.details, "notices": notices}
    await queue_flag(
        session, flag=flag, recipient=coach, now=now, purpose=f"flag:{flag.id}:n{notices}"
    )
    await flags.log(
        session, flag_id=flag.id, kind=FlagEventKind.NOTIFIED, now=now, target_id=coach.id
    )


async def escalate(session: AsyncSession, *, flag: Flag, now: dt.datetime) -> None:
    """An urgent flag nobody took: the backup and the team chat; the admins when the backup
    cannot be reached (or at the next level)."""
    assert flag.id is not None
    organisation, backup = await flags.backup_of(session, client_id=flag.client_id, now=now)
    if flag.escalation_level == 1:
        if organisation is not None and organisation.team_chat_id is not None:
            await _team_alert(session, organisation=organisation, flag=flag, now=now)
        if (
            backup is not None
            and backup.id != flag.coach_id
            and await flags.reachable(session, person=backup)
        ):
            await queue_flag(
                session, flag=flag, recipient=backup, now=now, purpose=f"flag:{flag.id}:backup"
            )
            await flags.log(
                session,
                flag_id=flag.id,
                kind=FlagEventKind.ESCALATED_BACKUP,
                now=now,
                target_id=backup.id,
            )
            return
        # No backup who can be reached: straight on to every admin.
        flag.escalation_level = 2
        flag.escalate_at = None
    if organisation is None or organisation.id is None:
        return
    admins = await flags.admins_of(session, organisation_id=organisation.id, now=now)
    told_backup = backup.id if backup is not None and flag.escalation_level == 2 else None
    for admin in admins:
        # The coach and a backup who already has it are not told again.
        if admin.chat_id is None or admin.id in (flag.coach_id, told_backup):
            continue
        await queue_flag(
            session, flag=flag, recipient=admin, now=now, purpose=f"flag:{flag.id}:admin"
        )
        await flags.log(
            session,
            flag_id=flag.id,
            kind=FlagEventKind.ESCALATED_ADMINS,
            now=now,
            target_id=admin.id,
        )


async def _team_alert(
    session: AsyncSession, *, organisation: Organisation, flag: Flag, now: dt.datetime
) -> None:
    assert flag.id is not None and organisation.team_chat_id is not None
    with use_locale(organisation.locale):
        text = _(
            "🆘 An urgent flag is waiting for a coach. Please open the bot in a private chat "
            "if you are on duty."
        )
    await outbox.enqueue(
        session,
        chat_id=organisation.team_chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        purpose=f"flag-team:{flag.id}",
        dedup_key=f"flag-team:{flag.id}",
        priority=10,
    )
    await flags.log(
        session,
        flag_id=flag.id,
        kind=FlagEventKind.ESCALATED_TEAM,
        now=now,
        target_chat_id=organisation.team_chat_id,
    )


async def crisis_text(session: AsyncSession, *, client_id: int, now: dt.datetime) -> str:
    """The crisis answer, in the current language, with the client's organisation's numbers."""
    organisation, _backup = await flags.backup_of(session, client_id=client_id, now=now)
    emergency = organisation.emergency_number if organisation else "112"
    line_name = organisation.crisis_line_name if organisation else "MIELI Kriisipuhelin"
    line_number = organisation.crisis_line_number if organisation else "09 2525 0111"
    return "\n\n".join(
        [
            _("💛 I am worried about you."),
            _("If you are in danger now, call {emergency}.").format(emergency=escape(emergency)),
            _("You can also call {line} at {number}. They answer every day, day and night.").format(
                line=escape(line_name), number=escape(line_number)
            ),
            _("I told your coach. They will contact you."),
        ]
    )
