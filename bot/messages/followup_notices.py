"""Follow-up messages: the employee's short question about work (three taps, a line to the coach,
a way to stop), the employer's question about how the work goes, and the dispatcher's step that
sends the due ones through the outbox, each in its recipient's language.

The employer's message names the employee by first name only; nothing else about the client is
in it, and neither side ever sees the other's answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages import callbacks
from bot.models.consent import DisclosedItem, Disclosure
from bot.models.people import Person
from bot.models.placements import FollowUpAudience, FollowUpContact, Placement
from bot.services import followup, outbox, people, quiet
from bot.text.html_text import escape
from bot.text.i18n import N_, _, use_locale

_LOGGER = logging.getLogger(__name__)

ACTION = "fu"

# The employee's three questions, each with its answers (code, label).
QUESTIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "w": (
        N_("💼 How is work going?"),
        [("good", N_("🙂 Good")), ("so_so", N_("😐 So-so")), ("hard", N_("😣 Hard"))],
    ),
    "l": (
        N_("⚖️ How is your workload?"),
        [
            ("ok", N_("👍 Just right")),
            ("too_much", N_("🏋️ Too much")),
            ("too_little", N_("🪶 Too little")),
        ],
    ),
    "a": (
        N_("🤝 How do you get along at work?"),
        [("good", N_("🙂 Good")), ("so_so", N_("😐 So-so")), ("hard", N_("😣 Hard"))],
    ),
}
NEXT_QUESTION = {"w": "l", "l": "a"}
VIEWS = [
    ("good", N_("✅ All good")),
    ("some", N_("🤔 Some concerns")),
    ("serious", N_("⚠️ Serious concerns")),
]


def _data(*parts: str | int) -> str:
    return callbacks.encode(ACTION, *parts)


def keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


def employee_rows(contact_id: int, question: str) -> list[list[tuple[str, str]]]:
    """The answers to one question, the line to the coach and the way to stop."""
    _text, answers = QUESTIONS[question]
    return [
        [(_(label), _data(question, contact_id, code)) for code, label in answers],
        [(_("📞 I want my coach to contact me"), _data("c", contact_id))],
        [(_("🔕 No more follow-up questions"), _data("o", contact_id))],
    ]


def employee_text(question: str, *, first: bool) -> str:
    text = _(QUESTIONS[question][0])
    if first:
        text = "\n\n".join(
            [_("👋 Hello! A short question from your coaching about how work is going."), text]
        )
    return text


def employee_question(contact_id: int, *, silent: bool) -> dict[str, Any]:
    """The sendMessage of the employee's question, in the current language."""
    return {
        "text": employee_text("w", first=True),
        "reply_markup": keyboard(employee_rows(contact_id, "w")),
        "disable_notification": silent,
    }


def thanks_text(*, flagged: bool) -> str:
    lines = [_("💚 Thank you for answering!")]
    if flagged:
        lines.append(_("I told your coach. They will be in touch."))
    lines.append(_("You can always write to your coach here."))
    return "\n".join(lines)


def employer_text(first_name: str | None) -> str:
    if first_name:
        head = _("👋 Hello! A short question about {name}'s work.").format(name=escape(first_name))
    else:
        head = _("👋 Hello! A short question about your new employee's work.")
    return "\n\n".join(
        [head, _("How is the work going? Is there anything the coach could help with?")]
    )


def employer_rows(contact_id: int) -> list[list[tuple[str, str]]]:
    return [
        [(_(label), _data("e", contact_id, code)) for code, label in VIEWS],
        [(_("📞 Please contact me"), _data("c", contact_id))],
    ]


def employer_question(contact_id: int, first_name: str | None, *, silent: bool) -> dict[str, Any]:
    return {
        "text": employer_text(first_name),
        "parse_mode": ParseMode.HTML,
        "reply_markup": keyboard(employer_rows(contact_id)),
        "disable_notification": silent,
    }


async def _employee(
    session: AsyncSession, contact: FollowUpContact, now: dt.datetime
) -> dict[str, Any] | None:
    person = await session.get(Person, contact.client_id)
    if person is None or person.chat_id is None or person.forgotten_at is not None:
        return None
    late = contact.due_at + followup.WINDOW < now
    if late or await followup.is_opted_out(session, client_id=contact.client_id):
        # Past its window (the bot was down), or the client said no more: not sent.
        await followup.cancel(session, contact=contact)
        return None
    start, end = (await quiet.quiet_hours(session, person_ids=[contact.client_id]))[
        contact.client_id
    ]
    assert contact.id is not None
    with use_locale(person.locale):
        payload = employee_question(
            contact.id, silent=quiet.is_quiet(now, person.timezone, start, end)
        )
    return {
        "chat_id": person.chat_id,
        "method": "sendMessage",
        "payload": payload,
        "person_id": contact.client_id,
        "purpose": f"followup:{contact.id}",
        "dedup_key": f"followup:{contact.id}:ask",
    }


async def _employer(
    session: AsyncSession, contact: FollowUpContact, now: dt.datetime
) -> dict[str, Any] | None:
    placement = await session.get(Placement, contact.placement_id) if contact.placement_id else None
    found = (
        await followup.employer_recipient(session, placement=placement, now=now)
        if placement is not None and placement.is_current
        else None
    )
    if placement is None or found is None:
        await followup.cancel(session, contact=contact)
        return None
    recipient, consent_id = found
    assert contact.id is not None and recipient.id is not None and recipient.chat_id is not None
    contact.recipient_id = recipient.id
    client = await session.get(Person, contact.client_id)
    first = people.first_name(client.display_name if client else None)
    start, end = (await quiet.quiet_hours(session, person_ids=[recipient.id]))[recipient.id]
    with use_locale(recipient.locale):
        payload = employer_question(
            contact.id, first, silent=quiet.is_quiet(now, recipient.timezone, start, end)
        )
    session.add(
        Disclosure(
            client_id=contact.client_id,
            consent_id=consent_id,
            employer_id=placement.employer_id,
            recipient_id=recipient.id,
            what=DisclosedItem.FOLLOWUP_CONTACT,
            details={"follow_up_contact": contact.id, "first_name": first is not None},
            created_at=now,
        )
    )
    await followup.add_pulse(session, employer_side=contact, now=now)
    return {
        "chat_id": recipient.chat_id,
        "method": "sendMessage",
        "payload": payload,
        "person_id": recipient.id,
        "subject_id": contact.client_id,
        "purpose": f"followup:{contact.id}",
        "dedup_key": f"followup:{contact.id}:ask",
    }


async def send_due(session: AsyncSession, *, now: dt.datetime, limit: int = 500) -> int:
    """One dispatcher step: start missing follow-ups, close windows, send what is due."""
    done = await followup.start_missing(session, now=now, limit=limit)
    done += await followup.close_windows(session, now=now, limit=limit)
    due = await followup.claim_due(session, now=now, limit=limit)
    messages = []
    for contact in due:
        if contact.audience == FollowUpAudience.EMPLOYEE:
            message = await _employee(session, contact, now)
            await followup.schedule_next(session, contact=contact, now=now)
        else:
            message = await _employer(session, contact, now)
        if message is not None:
            messages.append(message)
    if messages:
        await outbox.enqueue_many(session, messages=messages, now=now)
    if due:
        _LOGGER.info("dispatcher: %d follow-up contacts due", len(due))
    return done + len(due)


class FollowUps:
    """The job of the follow-up contacts after placement or closing, to employees and employers."""

    def __init__(self, *, limit: int = 500) -> None:
        self._limit = limit

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await followup.next_due(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        return await send_due(session, now=now, limit=self._limit)
