"""The messages around a flag: the notice to the coach (with the client's last check-ins and
buttons), the escalation to the backup and the admins, the team chat's alert without content, and
the crisis and worry answers to the client.

The escalation tells its reader what to do, not the client's health: the client's name, that it
is urgent, who the coach is, links to reach the client and the coach on Telegram, and buttons. No
reason, no moods, sleep or words: those stay with whoever coaches the client. The one who takes
it ("I'll contact") stands in for the coach until the coach is back at work (the date is in the
message), gets the flag as a coach sees it, and the client and the coach are told.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from babel.lists import format_list
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages.handover_notices import coach_name_for_client, day_text
from bot.models.checkins import Checkin, CheckinStatus
from bot.models.flags import Flag, FlagEventKind, FlagKind, FlagStatus, FlagUrgency
from bot.models.people import Organisation, Person
from bot.services import access, checkins, crisis_lines, flags, outbox, people, routing
from bot.services.handover import BACK_KEY, END_KEY, START_KEY, FlagCover
from bot.text.dates import format_date, format_time, weekday_names
from bot.text.html_text import escape
from bot.text.i18n import N_, _, current_locale, use_locale

_LOGGER = logging.getLogger(__name__)

ACTION = "fl"

REASONS = {
    FlagKind.LOW_MOOD: N_("low mood on several days running."),
    FlagKind.MISSED_CHECKINS: N_("several check-ins missed in a row."),
    FlagKind.CONTACT_REQUEST: N_("asks you to contact them."),
    FlagKind.CRISIS: N_(
        "wrote words that may mean a crisis. They got the crisis numbers from me. "
        "Please contact them as soon as you can."
    ),
    FlagKind.WORRYING_WORDS: N_(
        "wrote words that sound worrying (tiredness or hopelessness, no words of crisis). "
        "Please check in with them when you can."
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
# Where a client wrote the words of a crisis or worrying-words flag (client_words.WHERE).
WHERE = {
    "message": N_("in a message"),
    "edit": N_("in an edited message"),
    "caption": N_("with a photo or a file"),
    "note": N_("in a check-in"),
    "goal": N_("in a goal"),
    "step": N_("in a goal's step"),
    "reason": N_("when letting a goal go"),
    "joining": N_("while joining"),
    "answer": N_("in an answer to a question"),
}


def _words_lines(flag: Flag) -> list[str]:
    """The client's words behind a crisis or worrying-words flag, for the coach."""
    lines = []
    for said in (flag.details or {}).get("words", []):
        if not isinstance(said, dict) or not said.get("text"):
            continue
        where = _(WHERE.get(str(said.get("where")), WHERE["message"]))
        lines.append(_("“{words}” ({where})").format(words=escape(str(said["text"])), where=where))
    return lines


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
    lines = [head, *_words_lines(flag)]
    if flag.escalation_level > 0 and flag.status == FlagStatus.OPEN:
        coach = await session.get(Person, flag.coach_id) if flag.coach_id else None
        lines.append(
            _("Nobody has taken this yet. Their coach is {coach}.").format(
                coach=escape(people.first_name(coach.display_name if coach else None) or "–")
            )
        )
    # The last check-ins only for someone who reads them (not a coach in follow-up, not one who
    # answers by the door alone).
    view = await access.view_of(session, viewer_id=recipient.id, client_id=flag.client_id, now=now)
    recent = (
        await checkins.recent(session, client_id=flag.client_id, view=view, limit=5)
        if view is not None and view.checkins
        else []
    )
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
        subject_id=flag.client_id,
        purpose=purpose,
        dedup_key=f"{purpose}:{recipient.id}",
        priority=10 if flag.urgency == FlagUrgency.URGENT else 0,
    )


def _escalation_buttons(flag_id: int) -> dict[str, object]:
    return {
        "inline_keyboard": [
            [
                {"text": _("📞 I'll contact"), "callback_data": f"{ACTION}:{flag_id}:contact"},
                {"text": _("✅ Done"), "callback_data": f"{ACTION}:{flag_id}:done"},
            ]
        ]
    }


def _mention(person: Person | None, name: str) -> str:
    """A name that opens the person's own Telegram chat, when the bot knows their account."""
    shown = escape(name)
    if person is None or person.telegram_user_id is None or person.forgotten_at is not None:
        return shown
    return f'<a href="tg://user?id={person.telegram_user_id}">{shown}</a>'


def moment_text(when: dt.datetime, timezone: str) -> str:
    """A moment as "Tuesday, March 3, 2026 at 8:00 AM" in the current language."""
    local = when.astimezone(ZoneInfo(timezone))
    return _("{day} at {time}").format(
        day=day_text(local.date()), time=format_time(when, timezone=timezone)
    )


async def escalation_text(
    session: AsyncSession, *, flag: Flag, recipient: Person, now: dt.datetime
) -> str:
    """The escalated notice in the recipient's current language: who, that it is urgent, how to
    reach the client and the coach, and what taking it means; nothing of the client's health."""
    coach = await session.get(Person, flag.coach_id) if flag.coach_id else None
    # The name the client's coach knows them by, so the backup and the coach speak of one person.
    name = await people.name_as_seen_by(
        session, viewer_id=flag.coach_id or recipient.id or 0, person_id=flag.client_id
    ) or _("A client")
    client = await session.get(Person, flag.client_id)
    coach_name = people.first_name(coach.display_name if coach else None) or "–"
    until = await flags.cover_until(session, coach_id=flag.coach_id, now=now)
    escaped = escape(name)
    lines = [
        _("🆘 Urgent: {name} needs someone now.").format(name=f"<b>{escaped}</b>"),
        _("Nobody has taken this yet. Their coach is {coach}.").format(coach=escape(coach_name)),
        "",
        _("Reach {name} or {coach} on Telegram.").format(
            name=_mention(client, name), coach=_mention(coach, coach_name)
        ),
        _(
            "Press 📞 I'll contact to take it over. You then stand in for {coach} until {until}: "
            "{name}'s messages come to you, and you see what a substitute sees."
        ).format(
            coach=escape(coach_name),
            until=moment_text(until, recipient.timezone),
            name=escaped,
        ),
    ]
    return "\n".join(lines)


async def queue_escalation(
    session: AsyncSession, *, flag: Flag, recipient: Person, now: dt.datetime, purpose: str
) -> None:
    """Queue the escalated notice, with its buttons, to the backup or an admin."""
    assert flag.id is not None and recipient.id is not None and recipient.chat_id is not None
    with use_locale(recipient.locale):
        text = await escalation_text(session, flag=flag, recipient=recipient, now=now)
        markup = _escalation_buttons(flag.id)
    await outbox.enqueue(
        session,
        chat_id=recipient.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML, "reply_markup": markup},
        now=now,
        person_id=recipient.id,
        subject_id=flag.client_id,
        purpose=purpose,
        dedup_key=f"{purpose}:{recipient.id}",
        priority=10,
    )


def taken_text(*, name: str, coach: str, until: dt.datetime, timezone: str) -> str:
    """What the one who took a flag over is told, in the current language (names escaped)."""
    return _(
        "✔️ You will contact {name}. You stand in for {coach} until {until}: {name}'s messages "
        "and flags come to you, and /clients shows {name}."
    ).format(name=name, coach=coach, until=moment_text(until, timezone))


async def queue_cover_notices(
    session: AsyncSession, *, flag: Flag, cover: FlagCover, now: dt.datetime
) -> None:
    """After a flag was taken over: the flag as a coach sees it to the one who stands in now;
    the client whom to write to until when (and that their coach is back then); the coach who
    stood in, and whom they hand back to at the end."""
    substitute = await session.get(Person, cover.substitute_id)
    coach = await session.get(Person, cover.covered_id)
    client = await session.get(Person, cover.client_id)
    if substitute is not None and substitute.chat_id is not None and flag.id is not None:
        await queue_flag(
            session, flag=flag, recipient=substitute, now=now, purpose=f"flag:{flag.id}:taken"
        )
    if client is not None and client.chat_id is not None and client.forgotten_at is None:
        with use_locale(client.locale):
            start = _(
                "🔁 Until {until}, {substitute} answers you instead of {coach}. "
                "Write here as usual: your messages go to {substitute}."
            ).format(
                until=moment_text(cover.valid_until, client.timezone),
                substitute=coach_name_for_client(substitute),
                coach=coach_name_for_client(coach),
            )
            back = _(
                "✅ {coach} is your coach again. Write here as usual: your messages go to {coach}."
            ).format(coach=coach_name_for_client(coach))
        for text, key, when, purpose in (
            (start, START_KEY, now, "handover-start"),
            (back, END_KEY, cover.valid_until, "handover-end"),
        ):
            await outbox.enqueue(
                session,
                chat_id=client.chat_id,
                method="sendMessage",
                payload={"text": text, "parse_mode": ParseMode.HTML},
                now=now,
                person_id=client.id,
                purpose=purpose,
                dedup_key=f"{key}:{cover.row_id}",
                not_before=when,
            )
    if coach is None or coach.id is None or coach.chat_id is None or substitute is None:
        return
    name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=cover.client_id)
    with use_locale(coach.locale):
        text = _(
            "🔁 {substitute} took the urgent flag of {name} and stands in for you until "
            "{until}. /handover ends it sooner."
        ).format(
            substitute=escape(substitute.display_name or "?"),
            name=escape(name or "?"),
            until=moment_text(cover.valid_until, coach.timezone),
        )
        back_text = _(
            "✅ Your handover to {substitute} has ended. Your clients' messages come to you again."
        ).format(substitute=escape(substitute.display_name or "?"))
    await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=coach.id,
        subject_id=cover.client_id,
        purpose="flag-covered",
    )
    await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={"text": back_text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=coach.id,
        purpose="handover-back",
        dedup_key=f"{BACK_KEY}:{cover.row_id}",
        not_before=cover.valid_until,
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
            await queue_escalation(
                session,
                flag=flag,
                recipient=backup,
                now=now,
                purpose=str(outbox.Purpose(FLAG, flag.id, BACKUP)),
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
        flags.to_admins(flag)
    if organisation is None or organisation.id is None:
        return
    admins = await flags.admins_of(session, organisation_id=organisation.id, now=now)
    told_backup = backup.id if backup is not None and flag.escalation_level == 2 else None
    for admin in admins:
        # The coach and a backup who already has it are not told again.
        if admin.chat_id is None or admin.id in (flag.coach_id, told_backup):
            continue
        await queue_escalation(
            session, flag=flag, recipient=admin, now=now, purpose=f"flag:{flag.id}:admin"
        )
        await flags.log(
            session,
            flag_id=flag.id,
            kind=FlagEventKind.ESCALATED_ADMINS,
            now=now,
            target_id=admin.id,
        )


# The purpose of a flag's notices (`flag:<id>:<to whom>`); the backup's is watched.
FLAG = "flag"
BACKUP = "backup"


async def _backup_held(session: AsyncSession, flag_id: int, now: dt.datetime) -> None:
    flag = await flags.backup_unreachable(session, flag_id=flag_id, now=now)
    if flag is not None:
        await escalate(session, flag=flag, now=now)


def register_hooks(hooks: outbox.Hooks) -> None:
    """An urgent flag whose backup cannot be reached goes on to the admins at once."""
    hooks.on_held(FLAG, _backup_held, detail=BACKUP)


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


def worry_text() -> str:
    """The answer to worrying words, in the current language: warm and short, no numbers."""
    return "\n\n".join(
        [
            _("💛 Thank you for telling me. That sounds really hard."),
            _("I let your coach know, so that they can get in touch with you."),
        ]
    )


def _days_text(days: tuple[int, ...]) -> str:
    """Days as the current language writes them short: "Mon–Fri", "ma ja ke"."""
    if len(days) == 7:
        return _("every day")
    names = weekday_names("abbreviated")
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [f"{names[run[0] - 1]}–{names[run[-1] - 1]}" if len(run) > 2 else None for run in runs]
    written: list[str] = []
    for run, part in zip(runs, parts, strict=True):
        if part is not None:
            written.append(part)
        else:
            written.extend(names[day - 1] for day in run)
    return format_list(written, locale=current_locale())


def hours_text(hours: crisis_lines.Hours) -> str:
    """Opening hours in the current language: "Mon and Wed 4:00 PM–8:00 PM; Thu ..."."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for span in hours.spans:
        end = span.end or dt.time(0, 0)
        groups.setdefault(span.days, []).append(f"{format_time(span.start)}–{format_time(end)}")
    return "; ".join(
        _("{days} {times}").format(
            days=_days_text(days), times=format_list(times, locale=current_locale())
        )
        for days, times in groups.items()
    )


def _answers(line: crisis_lines.Line) -> str | None:
    """When a line answers, as a sentence; None when its hours are not stated."""
    if line.hours is None:
        return None
    if line.hours.round_the_clock:
        return _("They answer every day, round the clock.")
    return _("They answer {hours}.").format(hours=hours_text(line.hours))


async def crisis_text(session: AsyncSession, *, client_id: int | None, now: dt.datetime) -> str:
    """The crisis answer in the current language: 112, the crisis line in that language with
    its hours (Swedish and English: MIELI's line in the language, and the main line for when it
    is closed), with the client's organisation's own numbers and hours; the defaults for someone
    who is nobody's client, who is not told of a coach."""
    organisation, _backup = (
        await flags.backup_of(session, client_id=client_id, now=now)
        if client_id is not None
        else (None, None)
    )
    lines = crisis_lines.lines_for(
        language=current_locale(),
        emergency=organisation.emergency_number if organisation else None,
        name=organisation.crisis_line_name if organisation else None,
        number=organisation.crisis_line_number if organisation else None,
        settings=organisation.settings if organisation else None,
    )
    timezone = organisation.timezone if organisation else "Europe/Helsinki"
    main, own = lines.main, lines.own
    paragraphs = [
        _("💛 I am worried about you."),
        _("If you are in danger now, call {emergency}.").format(emergency=escape(lines.emergency)),
    ]
    named = {"line": escape(main.name), "number": escape(main.number)}
    if own is None:
        paragraphs.append(
            " ".join(
                part
                for part in (
                    _("You can also call {line} at {number}.").format(**named),
                    _answers(main),
                )
                if part
            )
        )
    else:
        first = [
            _("You can call {line} at {number}.").format(
                line=escape(own.name), number=escape(own.number)
            ),
            _answers(own),
        ]
        paragraphs.append(" ".join(part for part in first if part))
        # The main line for when theirs is closed, and said first when it is closed now.
        if own.hours is not None and not own.hours.open_at(now, timezone):
            fallback = (
                _("It is closed right now. You can call {line} at {number} instead, in Finnish.")
                if main.finnish_default
                else _("It is closed right now. You can call {line} at {number} instead.")
            )
        else:
            fallback = (
                _("When it is closed, you can call {line} at {number}, in Finnish.")
                if main.finnish_default
                else _("When it is closed, you can call {line} at {number}.")
            )
        paragraphs.append(
            " ".join(part for part in (fallback.format(**named), _answers(main)) if part)
        )
    if client_id is not None:
        paragraphs.append(_("I told your coach. They will contact you."))
    return "\n\n".join(paragraphs)


class FlagNotices:
    """Flags whose notice may go now, each to the coach who answers for the client."""

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await flags.next_notice_due(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        due = await flags.claim_notifications(session, now=now)
        for flag in due:
            await deliver(session, flag=flag, now=now)
        return len(due)


class FlagEscalations:
    """Urgent flags nobody took in time go up a level: the backup and the team, then the admins."""

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await flags.next_escalation_due(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        due = await flags.claim_escalations(session, now=now)
        for flag in due:
            await escalate(session, flag=flag, now=now)
        if due:
            _LOGGER.warning("dispatcher: %d urgent flags escalated", len(due))
        return len(due)
