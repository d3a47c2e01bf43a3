"""Erasing a client at their own request (bot/services/forget.py) and the export's edges
(bot/services/export.py), on a real database: what goes beyond the person's own rows (outbox
and inbox rows that carry their words to the coach, a coach's half-written answer, the name on
the invite they used), what stays, and who may use /forget at all.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.devtools.demo_seed import DemoPeople, seed
from bot.models import (
    AuditEvent,
    FlowState,
    InboxStatus,
    InboxUpdate,
    Invite,
    InviteAttempt,
    InviteKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    RelayDirection,
    RelayedMessage,
    RelayStatus,
)
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.services import export, forget, people
from bot.services.forget import Eligibility

pytestmark = pytest.mark.asyncio

COACH_TG, CLIENT_TG = 501, 502


async def _seed(db: Database, now: dt.datetime) -> DemoPeople:
    async with db.session() as session:
        return await seed(
            session,
            coach_telegram_id=COACH_TG,
            coach_name="Kaisa Virtanen",
            client_telegram_id=CLIENT_TG,
            client_name="Liisa",
            organisation_name="Työpaja",
            locale="en",
            timezone="Europe/Helsinki",
            now=now,
        )


def _outbox(status: OutboxStatus, payload: dict[str, object], now: dt.datetime) -> OutboxMessage:
    return OutboxMessage(
        chat_id=COACH_TG, method="copyMessage", payload=payload, status=status, not_before=now
    )


async def test_forgetting_takes_the_clients_words_out_of_transport_rows(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    ids = await _seed(db, now)
    async with db.session() as session:
        held = _outbox(OutboxStatus.HELD, {"text": "SECRET waiting"}, now)
        sending = _outbox(OutboxStatus.SENDING, {"text": "SECRET in flight"}, now)
        sent = _outbox(OutboxStatus.SENT, {"text": "SECRET sent"}, now)
        other = _outbox(OutboxStatus.PENDING, {"text": "for someone else"}, now)
        session.add_all([held, sending, sent, other])
        await session.flush()
        session.add_all(
            [
                RelayedMessage(
                    client_id=ids.client_id,
                    direction=RelayDirection.CLIENT_TO_COACH,
                    sender_id=ids.client_id,
                    recipient_id=ids.coach_id,
                    source_chat_id=CLIENT_TG,
                    source_message_id=1,
                    text="SECRET one",
                    recipient_chat_id=COACH_TG,
                    header_message_id=10,
                    copy_message_id=11,
                    header_outbox_id=held.id,
                    copy_outbox_id=sending.id,
                    status=RelayStatus.HELD,
                ),
                RelayedMessage(
                    client_id=ids.client_id,
                    direction=RelayDirection.COACH_TO_CLIENT,
                    sender_id=ids.coach_id,
                    recipient_id=ids.client_id,
                    source_chat_id=COACH_TG,
                    source_message_id=12,
                    text="an answer",
                    copy_outbox_id=sent.id,
                ),
            ]
        )

        def update(update_id: int, status: InboxStatus, message: dict[str, object]) -> InboxUpdate:
            return InboxUpdate(
                update_id=update_id,
                chat_id=COACH_TG,
                user_id=COACH_TG,
                payload={"update_id": update_id, **message},
                status=status,
            )

        session.add_all(
            [
                # The coach replied to the client's copy; wrote to the client; pressed Reply.
                update(
                    1,
                    InboxStatus.DONE,
                    {"message": {"message_id": 20, "reply_to_message": {"message_id": 11}}},
                ),
                update(2, InboxStatus.DONE, {"message": {"message_id": 12, "text": "x"}}),
                update(3, InboxStatus.DONE, {"callback_query": {"message": {"message_id": 10}}}),
                # Something else the coach did, and a reply not yet handled.
                update(4, InboxStatus.DONE, {"message": {"message_id": 30, "text": "other"}}),
                update(
                    5,
                    InboxStatus.RECEIVED,
                    {"message": {"message_id": 31, "reply_to_message": {"message_id": 11}}},
                ),
            ]
        )
        session.add(
            Invite(
                token_hash="h" * 64,
                kind=InviteKind.CLIENT,
                organisation_id=ids.organisation_id,
                created_by_id=ids.coach_id,
                client_name="Liisa",
                expires_at=now,
                used_at=now,
                used_by_id=ids.client_id,
            )
        )
        session.add(InviteAttempt(telegram_user_id=CLIENT_TG, failures=2))
        session.add(
            FlowState(
                person_id=ids.coach_id,
                flow="reply",
                step="answer",
                data={"client_id": ids.client_id},
            )
        )

    async with db.session() as session:
        assert (
            await forget.eligibility(session, person_id=ids.client_id, now=now)
            is Eligibility.CLIENT
        )
        done = await forget.forget_person(session, person_id=ids.client_id, now=now)
    assert done is not None
    [told] = done.coaches
    assert (told.coach_id, told.client_name, told.chat_id) == (ids.coach_id, "Liisa", COACH_TG)

    async with db.session() as session:
        statuses = {
            r.id: (r.status, r.payload) for r in (await session.exec(select(OutboxMessage))).all()
        }
        assert statuses == {
            sending.id: (OutboxStatus.SENDING, {}),
            other.id: (OutboxStatus.PENDING, {"text": "for someone else"}),
        }
        payloads = {u.update_id: u.payload for u in (await session.exec(select(InboxUpdate))).all()}
        assert payloads[1] == {"update_id": 1, "erased": True}
        assert payloads[2] == {"update_id": 2, "erased": True}
        assert payloads[3] == {"update_id": 3, "erased": True}
        # Whatever else the coach did is emptied too: a handled update is kept only to
        # recognise a repeated delivery, and any of them may have shown the client's data.
        assert payloads[4] == {"update_id": 4, "erased": True}
        assert "reply_to_message" in payloads[5]["message"]  # still to be handled
        invite = (await session.exec(select(Invite))).one()
        assert (invite.client_name, invite.used_by_id) == (None, None)
        assert (await session.exec(select(InviteAttempt))).all() == []
        assert await session.get(FlowState, ids.coach_id) is None
        assert await session.get(Person, ids.client_id) is None
        assert await session.get(Person, ids.coach_id) is not None
        # The erasure leaves its own record; events before it (the agreement) lose their subject.
        events = (await session.exec(select(AuditEvent))).all()
        [event] = [e for e in events if e.event == "person.erased"]
        assert all(e.subject_id is None for e in events)
        assert (event.event, event.object_id, event.details) == (
            "person.erased",
            ids.client_id,
            {"reason": "request"},
        )
        # Twice is nothing more.
        assert await forget.forget_person(session, person_id=ids.client_id, now=now) is None


async def test_who_may_forget_themselves(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    ids = await _seed(db, now)
    async with db.session() as session:
        stranger = await people.choose_locale(
            session, telegram_user_id=777, locale="sv", now=now, default_timezone="Europe/Helsinki"
        )
        assert stranger.id is not None
        assert (
            await forget.eligibility(session, person_id=ids.coach_id, now=now) is Eligibility.STAFF
        )
        assert (
            await forget.eligibility(session, person_id=stranger.id, now=now) is Eligibility.NOBODY
        )


async def test_the_export_of_a_coach_or_a_stranger_is_their_profile(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    ids = await _seed(db, now)
    async with db.session() as session:
        document = await export.build_export(session, person_id=ids.coach_id, now=now)
        assert set(document) == {"format", "exported_at", "profile", "preferences"}
        assert {r["role"] for r in document["profile"]["roles"]} == {"coach", "admin"}
        client = await export.build_export(session, person_id=ids.client_id, now=now)
        assert client["names_your_coaches_gave_you"][0]["coach"] == "Kaisa"
    assert export.file_name("Europe/Helsinki", dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)) == (
        "my-data-2026-03-02.json"
    )
    assert export.file_name("Nowhere/Unknown", now) == "my-data-2026-03-02.json"
