"""What the bot tells people on its own around a coaching's closing: the client that the coaching
has ended (and that their coach is still there), the client the summary to approve, and the coach
the client's answer. Each is composed in its recipient's language and queued in the outbox.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages import callbacks, closing_text
from bot.messages.keyboard import Button, Keyboard
from bot.models.coaching import ClosingSummary, Coaching
from bot.models.people import Person
from bot.services import access, outbox, people
from bot.text.html_text import escape
from bot.text.i18n import _, use_locale

# callback_data of the closing (each handler re-checks what the ids name):
# cs:o:CLIENT (choose the outcome), cs:k:CLIENT:OUTCOME (confirm), cs:y:CLIENT:OUTCOME (close),
# cs:v:CLIENT (the summary's state), cs:a:SUMMARY (the coach's sentence), cs:s:SUMMARY (send),
# cs:d:CLIENT (download: choose the language), cs:l:CLIENT:LOCALE (the PDF), cs:x (cancel);
# the client's: cs:ok:SUMMARY (approve), cs:ch:SUMMARY (ask for a change).
ACTION = callbacks.CLOSING


def _escape(value: str | None) -> str:
    return escape(value or "?")


async def _send(
    session: AsyncSession,
    *,
    person: Person,
    text: str,
    now: dt.datetime,
    purpose: str,
    keyboard: dict[str, object] | None = None,
    dedup_key: str | None = None,
    subject_id: int | None = None,
) -> None:
    if person.chat_id is None or person.forgotten_at is not None:
        return
    payload: dict[str, object] = {"text": text, "parse_mode": ParseMode.HTML}
    if keyboard is not None:
        payload["reply_markup"] = keyboard
    await outbox.enqueue(
        session,
        chat_id=person.chat_id,
        method="sendMessage",
        payload=payload,
        now=now,
        person_id=person.id,
        subject_id=subject_id,
        purpose=purpose,
        dedup_key=dedup_key,
    )


async def _coach_first_name(session: AsyncSession, coach_id: int | None) -> str:
    coach = await session.get(Person, coach_id) if coach_id is not None else None
    return people.first_name(coach.display_name if coach else None) or "?"


async def queue_ended(
    session: AsyncSession, *, coaching: Coaching, client: Person, now: dt.datetime
) -> None:
    """Tell the client kindly that the coaching has ended and that their coach is still there."""
    coach = _escape(await _coach_first_name(session, coaching.closed_by_id))
    with use_locale(client.locale):
        text = "\n\n".join(
            [
                _("🌱 Your coaching has now ended. Thank you for the work you did!"),
                _(
                    "The daily check-ins stop now. Follow-up goes on: {coach} may ask "
                    "how you are doing now and then."
                ).format(coach=coach),
                _("You can still write to {coach} here at any time.").format(coach=coach),
            ]
        )
    await _send(
        session,
        person=client,
        text=text,
        now=now,
        purpose="coaching-ended",
        dedup_key=f"coaching-ended:{coaching.id}",
    )


async def queue_for_approval(
    session: AsyncSession, *, summary: ClosingSummary, client: Person, now: dt.datetime
) -> None:
    """Show the client the summary in plain words, with 👍 and ✏️."""
    assert summary.id is not None
    coach = await _coach_first_name(session, summary.created_by_id)
    with use_locale(client.locale):
        if summary.version > 1:
            heading = _("📄 A new version of the summary of your coaching")
        else:
            heading = _("📄 A summary of your coaching")
        text = "\n\n".join(
            [
                f"<b>{heading}</b>",
                _(
                    "{coach} wrote this summary for those who paid for your coaching "
                    "(for example the employment office). It goes to them only if you say "
                    "it is right."
                ).format(coach=_escape(coach)),
                closing_text.chat_text(summary.content, coach_first_name=coach),
                _("Is this right?"),
            ]
        )
        keyboard = Keyboard.column(
            Button.press(_("👍 Yes, it is right"), ACTION, "ok", summary.id),
            Button.press(_("✏️ Ask for a change"), ACTION, "ch", summary.id),
        ).to_json()
    await _send(
        session,
        person=client,
        text=text,
        now=now,
        purpose=f"closing-summary:{summary.id}",
        keyboard=keyboard,
        dedup_key=f"closing-summary:{summary.id}",
    )


async def _acting_coach(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> Person | None:
    return await access.acting_coach(session, client_id=client_id, now=now)


async def queue_approved(
    session: AsyncSession, *, summary: ClosingSummary, coaching: Coaching, now: dt.datetime
) -> None:
    """Tell the coach who acts for the client that the summary is approved, with ⬇️."""
    coach = await _acting_coach(session, client_id=coaching.client_id, now=now)
    if coach is None or coach.id is None:
        return
    name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=coaching.client_id)
    with use_locale(coach.locale):
        text = _("✅ {name} approved the summary. You can download it now.").format(
            name=_escape(name)
        )
        keyboard = Keyboard.column(
            Button.press(_("📄 Download the summary"), ACTION, "d", coaching.client_id)
        ).to_json()
    await _send(
        session,
        person=coach,
        text=text,
        now=now,
        purpose="closing-approved",
        subject_id=coaching.client_id,
        keyboard=keyboard,
        dedup_key=f"closing-approved:{summary.id}",
    )


async def queue_change_request(
    session: AsyncSession, *, summary: ClosingSummary, coaching: Coaching, now: dt.datetime
) -> None:
    """Give the coach the client's words, with ✍️ and 📨 to make a new version."""
    assert summary.id is not None
    coach = await _acting_coach(session, client_id=coaching.client_id, now=now)
    if coach is None or coach.id is None:
        return
    name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=coaching.client_id)
    with use_locale(coach.locale):
        text = "\n\n".join(
            [
                _("✏️ {name} asks for a change in the summary:").format(name=_escape(name)),
                _escape(summary.change_request),
                _(
                    "You can change your own sentence and send the summary again. "
                    "{name} then gets a new version."
                ).format(name=_escape(name)),
            ]
        )
        keyboard = Keyboard.column(
            Button.press(_("✍️ Write my sentence"), ACTION, "a", summary.id),
            Button.press(_("📨 Send again"), ACTION, "s", summary.id),
        ).to_json()
    await _send(
        session,
        person=coach,
        text=text,
        now=now,
        purpose="closing-change-request",
        subject_id=coaching.client_id,
        keyboard=keyboard,
        dedup_key=f"closing-change:{summary.id}",
    )
