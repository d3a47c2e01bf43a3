"""A coach's notes about a client, which the client can read (documentation the client can read).

A note is written by a coach who has the client on their desk (their own client, or one handed
over to them, in coaching or in follow-up), stored as written, and capped in length. The client
reads every note about them, newest first; a coach reads on the client's card the notes their
view holds (bot/services/access.py): those of their organisation's stay with the client.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import CoachNote
from bot.models.people import Person
from bot.services import access, audit, people
from bot.services.errors import DomainError
from bot.text.i18n import N_

MAX_NOTE = 2000


class NoteTooLong(DomainError):
    """A note longer than the cap; the coach is asked to shorten it."""

    def __init__(self, length: int) -> None:
        super().__init__(
            f"note of {length} characters",
            user_message=N_("This note is too long. Please write it shorter and send it again."),
        )
        self.length = length


class EmptyNote(DomainError):
    def __init__(self) -> None:
        super().__init__("empty note", user_message=N_("The note is empty. Please write it."))


@dataclass(frozen=True, slots=True)
class NoteView:
    """A note as it is shown: when, by whom (their first name), and its text."""

    id: int
    created_at: dt.datetime
    coach_name: str | None
    text: str


async def add_note(
    session: AsyncSession, *, coach_id: int, client_id: int, text: str, now: dt.datetime
) -> CoachNote:
    """Save a coach's note about a client on their desk, as written."""
    if client_id == coach_id or not await access.can_read_client(
        session, viewer_id=coach_id, client_id=client_id, now=now
    ):
        raise access.AccessDenied(f"coach {coach_id} may not write about client {client_id}")
    if not text.strip():
        raise EmptyNote()
    if len(text) > MAX_NOTE:
        raise NoteTooLong(len(text))
    note = CoachNote(
        client_id=client_id, coach_id=coach_id, text=text, created_at=now, updated_at=now
    )
    session.add(note)
    await session.flush()
    assert note.id is not None
    await audit.record(
        session,
        event="note.created",
        now=now,
        actor_id=coach_id,
        subject_id=client_id,
        object_type="coach_note",
        object_id=note.id,
    )
    return note


async def notes_about(
    session: AsyncSession,
    *,
    client_id: int,
    view: access.View,
    limit: int | None = None,
) -> list[NoteView]:
    """The notes about a client that the view holds, newest first (the caller has the view from
    access, which checked who may read them)."""
    stmt = (
        select(CoachNote, Person)
        .join(Person, col(Person.id) == col(CoachNote.coach_id), isouter=True)
        .where(CoachNote.client_id == client_id, access.note_clause(view))
        .order_by(col(CoachNote.created_at).desc(), col(CoachNote.id).desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = await session.exec(stmt)
    return [
        NoteView(
            id=note.id or 0,
            created_at=note.created_at,
            coach_name=people.first_name(coach.display_name if coach else None),
            text=note.text,
        )
        for note, coach in rows.all()
    ]


async def notes_for(
    session: AsyncSession, *, viewer_id: int, client_id: int, now: dt.datetime
) -> list[NoteView]:
    """Every note about a client, for the client themself or a coach who may read them."""
    view = await access.require_read(session, viewer_id=viewer_id, client_id=client_id, now=now)
    return await notes_about(session, client_id=client_id, view=view)
