"""The reminders of a meeting with an employer, the day before: to the client, their coach and
the employer's contacts, each in their own language and timezone; and a meeting's time as a person
reads it.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.models.people import Person
from bot.services import employers, meetings, outbox, people
from bot.text.dates import format_datetime
from bot.text.html_text import escape
from bot.text.i18n import _, use_locale


def when_text(when: dt.datetime, person: Person) -> str:
    return format_datetime(when, timezone=person.timezone, format="short")


async def queue_reminders(
    session: AsyncSession, *, reminder: meetings.Reminder, now: dt.datetime
) -> int:
    """The reminder the day before, to the client, their coach and the employer's contacts."""
    meeting = reminder.meeting
    queued = 0
    for person in reminder.people:
        if person.chat_id is None or person.id is None:
            continue
        with use_locale(person.locale):
            when = when_text(meeting.starts_at, person)
            if person.id == meeting.client_id:
                text = _("⏰ Reminder: a meeting about your work at {when}.").format(when=when)
            else:
                if await employers.is_contact_of(session, person_id=person.id, meeting=meeting):
                    name = employers.employee_first_name(
                        await session.get(Person, meeting.client_id)
                    )
                else:
                    name = (
                        await people.name_as_seen_by(
                            session, viewer_id=person.id, person_id=meeting.client_id
                        )
                        or "?"
                    )
                text = _("⏰ Reminder: a meeting about {name}'s work at {when}.").format(
                    name=escape(name), when=when
                )
        await outbox.enqueue(
            session,
            chat_id=person.chat_id,
            method="sendMessage",
            payload={"text": text, "parse_mode": ParseMode.HTML},
            now=now,
            person_id=person.id,
            subject_id=meeting.client_id,
            purpose="meeting-reminder",
            dedup_key=f"meeting:{meeting.id}:reminder:{person.id}",
        )
        queued += 1
    return queued


class MeetingReminders:
    """The job of the day-before reminders of confirmed meetings with employers."""

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await meetings.next_due(session, now=now)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        due = await meetings.claim_reminders(session, now=now)
        for reminder in due:
            await queue_reminders(session, reminder=reminder, now=now)
        return len(due)
