"""An employer's contact person and their own data, end to end: /mydata sends what is stored
about them as a contact (whom they speak for, their questions and the answers, the meetings they
proposed), /forget erases it after a plain-words yes and tells the coach, and the client's data
stays; the client's own /mydata shows what the employer asked about them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.consent import Consent
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.placements import EmployerContact, Meeting, MeetingStatus, Placement
from bot.models.transport import OutboxMessage
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import people
from tests.support.desk_world import Desk, build, everything, press, say
from tests.support.employer_world import linked_employer
from tests.support.privacy_world import tables_holding

pytestmark = pytest.mark.asyncio

QUESTION = "QUESTION-WORDS-41: Bert is often late. How do I bring it up?"
ANSWER = "ANSWER-WORDS-41: talk with him calmly & agree on a start time."
CONTACT = "Sari Salo"


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def _employer_line(harness: Harness, desk: Desk) -> SandboxUser:
    """The employer asks, the coach answers, and two meetings are proposed (one agreed)."""
    boss = await linked_employer(harness, desk)
    await say(harness, boss, "/ask")
    before = len(desk.kaisa.bot_messages())
    await say(harness, boss, QUESTION)
    [notice] = desk.kaisa.bot_messages()[before:]
    await press(harness, desk.kaisa, "↩️ Reply", message=notice)
    await say(harness, desk.kaisa, ANSWER)
    for time in ("📅 4 Mar 2026, 13:00", "📅 3 Mar 2026, 09:00"):
        await say(harness, boss, "/meeting")
        before = len(desk.kaisa.bot_messages())
        await press(harness, boss, time)
        [proposal] = desk.kaisa.bot_messages()[before:]
    await press(harness, desk.kaisa, "✅ Confirm", message=proposal)
    return boss


async def _document(harness: Harness, user: SandboxUser) -> tuple[SandboxMessage, dict[str, Any]]:
    await user.send_command("mydata")
    await harness.settle()
    sent = user.last_bot_message()
    assert sent is not None and sent.kind == "document", everything(user)[-300:]
    assert sent.file_id is not None
    stored = harness.sandbox.state.files.get(sent.file_id)
    assert stored is not None
    return sent, json.loads(stored.data)


async def test_the_contacts_mydata_holds_what_is_theirs_and_nothing_of_the_client(
    harness: Harness, desk: Desk
) -> None:
    boss = await _employer_line(harness, desk)

    sent, mine = await _document(harness, boss)
    assert sent.caption == "📄 Here is everything I have saved about you. /forget erases it."
    assert mine["profile"]["name"] == CONTACT
    contact = mine["as_employer_contact"]
    [speaks_for] = contact["speaks_for"]
    assert speaks_for["employer"] == "Puutarha <Oy> & Co"
    assert [e["employee"] for e in speaks_for["employees"]] == ["Bert"]
    [asked] = contact["questions_you_asked"]
    assert (asked["about"], asked["to_coach"], asked["text"]) == ("Bert", "Kaisa", QUESTION)
    assert [(a["coach"], a["text"]) for a in asked["answers"]] == [("Kaisa", ANSWER)]
    assert sorted(m["status"] for m in contact["meetings_you_proposed"]) == [
        "confirmed",
        "proposed",
    ]
    assert {m["about"] for m in contact["meetings_you_proposed"]} == {"Bert"}
    # Nothing of the client's coaching, and not the name the coach gave them.
    assert not {"checkins", "coachings", "goals", "messages", "notes_about_you"} & set(mine)
    assert "Pekka" not in json.dumps(mine, ensure_ascii=False)


async def test_the_clients_mydata_holds_what_the_employer_asked_about_them(
    harness: Harness, desk: Desk
) -> None:
    await _employer_line(harness, desk)
    _sent, theirs = await _document(harness, desk.pekka)
    [question] = theirs["employer_questions_about_you"]
    assert question["employer"] == "Puutarha <Oy> & Co"
    assert (question["asked_by"], question["to_coach"], question["text"]) == (
        "Sari",
        "Kaisa",
        QUESTION,
    )
    assert [(a["coach"], a["text"]) for a in question["answers"]] == [("Kaisa", ANSWER)]


async def test_the_contact_forgets_their_data_and_the_clients_stays(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    boss = await _employer_line(harness, desk)
    [question] = await say(harness, boss, "/forget")
    assert "the questions you sent to the job coach" in (question.text or "")
    assert question.button_labels == ["🗑️ Yes, erase everything", "↩️ No, keep"]
    # No keeps everything.
    await press(harness, boss, "↩️ No, keep")
    assert "I erased nothing" in everything(boss)
    async with harness.db.session() as session:
        assert await tables_holding(session, QUESTION) != []

    await say(harness, boss, "/forget")
    before = len(desk.kaisa.bot_messages())
    await press(harness, boss, "🗑️ Yes, erase everything")
    assert "✅ Done. I erased everything I had saved about you." in everything(boss)
    told = [m.text or "" for m in desk.kaisa.bot_messages()[before:]]
    assert len(told) == 1
    assert told[0].startswith(f"🗑️ {CONTACT} from Puutarha <Oy> & Co erased their data")

    async with harness.db.session() as session:
        assert await people.person_by_telegram_id(session, telegram_user_id=boss.id) is None
        assert (await session.exec(select(EmployerContact))).all() == []
        # Their words and their name are nowhere: the notice that told the coach was sent, and
        # a sent message keeps no words.
        assert await tables_holding(session, "QUESTION-WORDS-41") == []
        assert await tables_holding(session, CONTACT) == []
        [notice] = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.purpose) == "contact-erased")
            )
        ).all()
        assert notice.status == "sent" and notice.payload == {}
        # The client's data stays: the placement, the consent, the coach's answer, the agreed
        # meeting (without the asker); the proposal nobody agreed to is cancelled.
        [placement] = (await session.exec(select(Placement))).all()
        assert placement.client_id == desk.ids["pekka"] and placement.contact_id is None
        assert len((await session.exec(select(Consent))).all()) == 1
        lines = (await session.exec(select(RelayedMessage).order_by(col(RelayedMessage.id)))).all()
        assert [(m.direction, m.text, m.sender_id) for m in lines] == [
            (RelayDirection.EMPLOYER_TO_COACH, None, None),
            (RelayDirection.COACH_TO_EMPLOYER, ANSWER, desk.ids["kaisa"]),
        ]
        meetings = (await session.exec(select(Meeting).order_by(col(Meeting.id)))).all()
        assert [(m.status, m.proposed_by_id) for m in meetings] == [
            (MeetingStatus.CANCELLED, None),
            (MeetingStatus.CONFIRMED, None),
        ]

    # They are a stranger now.
    [hello] = await say(harness, boss, "/mydata")
    assert "you need an invite link from your job coach" in (hello.text or "")
    [refused] = await say(harness, boss, "/ask")
    assert "You cannot ask about anyone here right now." in (refused.text or "")
    # The client still sees that their employer asked, without the erased words.
    _sent, theirs = await _document(harness, desk.pekka)
    [asked] = theirs["employer_questions_about_you"]
    assert (asked["asked_by"], asked["text"]) == (None, None)
    assert [a["text"] for a in asked["answers"]] == [ANSWER]
