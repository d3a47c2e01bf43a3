"""Long messages, end to end: whatever the bot adds to a person's words (a header, a quote, a
summary around them) is counted before sending, and a text too long for one message arrives as
several, cut at paragraphs or sentences, never inside the markup; every word arrives, in order.
A message Telegram refuses is reported to its author, in their language.

The texts are as long as Telegram lets a person write (4,096 characters) and longer when the bot
puts several together (up to 10,000), full of multi-byte letters, emoji, and "<" and "&" (which
escaping makes longer than the text itself).
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.messaging import RelayDirection, RelayedMessage, RelayStatus
from bot.models.people import Person
from bot.runtime.clock import ManualClock
from bot.sandbox import FaultKind, SandboxMessage, SandboxUser
from bot.services import schedules
from tests.support.actors import press, say
from tests.support.employer_world import linked_employer
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio

# One unit: Finnish letters, an emoji outside the basic plane, and markup-like characters.
UNIT = "Mörkö <ääni> & 😀 öljy. "


def long_text(length: int, *, marker: str = "") -> str:
    """`length` characters of words with "<", "&" and emoji throughout, in paragraphs."""
    paragraphs = []
    size = 0
    number = 0
    while size < length:
        number += 1
        paragraph = f"{marker}{number}: " + UNIT * 9
        paragraphs.append(paragraph.strip())
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:length].rstrip()


def _words(texts: list[str]) -> list[str]:
    return " ".join(texts).split()


def _new(user: SandboxUser, before: int) -> list[SandboxMessage]:
    return user.bot_messages()[before:]


def _refused(harness: Harness) -> list[str]:
    return [
        f"{call.method}: {call.description}"
        for call in harness.sandbox.calls
        if call.status is not None and call.status != 200
    ]


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def test_a_coachs_longest_answer_reaches_the_client_whole(
    harness: Harness, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    liisa, kaisa = desk.liisa, desk.kaisa
    await say(harness, liisa, "Can you explain the plan?")
    copy = kaisa.bot_messages()[-1]
    answer = long_text(4096, marker="K")
    assert len(answer) == 4096
    before = len(liisa.bot_messages())
    await kaisa.send_text(answer, reply_to=copy)
    await harness.settle()
    got = [m.text or "" for m in _new(liisa, before)]
    assert len(got) >= 2
    assert all(len(text.encode("utf-16-le")) // 2 <= 4096 for text in got)
    assert got[0].startswith("💬 Kaisa:\n")
    assert _words(got) == ["💬", "Kaisa:", *answer.split()]
    # Cut between paragraphs: every part ends where a paragraph of the answer ended.
    assert all(text.rstrip().endswith("öljy.") for text in got[:-1])
    assert kaisa.bot_messages()[-1].text == "✓ Sent to Liisa <L&L>."
    assert _refused(harness) == []
    assert _errors(caplog) == []


async def test_a_clients_long_edit_reaches_the_coach_whole(
    harness: Harness, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    liisa, kaisa = desk.liisa, desk.kaisa
    sent = await liisa.send_text(long_text(4000, marker="A"))
    await harness.settle()
    edited = long_text(4096, marker="E").replace("\n\n", " ")  # one paragraph: cut at sentences
    before = len(kaisa.bot_messages())
    await liisa.edit_text(sent, edited)
    await harness.settle()
    got = [m.text or "" for m in _new(kaisa, before)]
    assert len(got) >= 2
    assert got[0].startswith("✏️ Liisa <L&L> edited a message:\n")
    assert _words(got) == ["✏️", "Liisa", "<L&L>", "edited", "a", "message:", *edited.split()]
    assert all(text.rstrip().endswith(".") for text in got[:-1])
    assert _refused(harness) == []
    assert _errors(caplog) == []


async def test_an_employers_long_question_and_the_answer_arrive_whole(
    harness: Harness, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    boss = await linked_employer(harness, desk)
    kaisa = desk.kaisa
    question = long_text(4096, marker="Q")
    await say(harness, boss, "/ask")
    before = len(kaisa.bot_messages())
    await say(harness, boss, question)
    got = [m.text or "" for m in _new(kaisa, before)]
    assert len(got) >= 2
    words = _words(got)
    assert words[-len(question.split()) :] == question.split()
    # The buttons come under the last part, where the question ends.
    assert _new(kaisa, before)[-1].button_labels == ["↩️ Reply", "✅ Done"]
    async with harness.db.session() as session:
        stored = (
            await session.exec(
                select(RelayedMessage).where(
                    RelayedMessage.direction == RelayDirection.EMPLOYER_TO_COACH
                )
            )
        ).one()
    assert stored.text == question

    answer = long_text(4096, marker="R")
    await press(harness, kaisa, "↩️ Reply", message=_new(kaisa, before)[-1])
    before_boss = len(boss.bot_messages())
    await say(harness, kaisa, answer)
    got = [m.text or "" for m in _new(boss, before_boss)]
    assert len(got) >= 2
    assert _words(got)[-len(answer.split()) :] == answer.split()
    assert _refused(harness) == []
    assert _errors(caplog) == []


async def test_a_long_check_in_word_is_saved_and_shown_whole(
    harness: Harness, clock: ManualClock, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    liisa = desk.liisa
    async with harness.db.session() as session:
        await schedules.set_single_time(
            session,
            client_id=desk.ids["liisa"],
            local_time=dt.time(9, 0),
            timezone="Europe/Helsinki",
            now=clock.now(),
            weekdays="1234567",
        )
    await say(harness, liisa, "✅ Check in")
    for label in ("😐 So-so", "✅ Yes", "🙂 Good", "🛠️ Work or workshop"):
        await press(harness, liisa, label)
    words = long_text(4096, marker="W")
    before = len(liisa.bot_messages())
    await say(harness, liisa, words)
    got = [m.text or "" for m in _new(liisa, before)]
    assert got and got[0].startswith("Thank you! ✅")
    joined = _words(got)
    start = joined.index("words:") + 1
    assert joined[start : start + len(words.split())] == words.split()
    assert not any("Sorry, something went wrong" in text for text in got)
    assert _refused(harness) == []
    assert _errors(caplog) == []


async def test_a_message_telegram_refuses_is_reported_to_its_author(
    harness: Harness, desk: Desk
) -> None:
    liisa, kaisa = desk.liisa, desk.kaisa
    # Kaisa cannot be reached: Liisa's message waits, and Liisa deletes it meanwhile.
    kaisa.block_bot()
    await harness.settle()
    sent = await liisa.send_text("Please call me about the rent")
    await harness.settle()
    liisa.delete_message(sent)
    before = len(liisa.bot_messages())
    kaisa.unblock_bot()
    await say(harness, kaisa, "/inbox")
    await harness.settle()
    [told] = [m for m in _new(liisa, before) if "did not accept" in (m.text or "")]
    assert told.text == (
        "⚠️ Telegram did not accept this message, so Kaisa did not get it. "
        "Please send it again, perhaps in shorter parts.\n\nPlease call me about the rent"
    )
    # The message itself is gone, so its beginning is shown instead of a reply to it.
    assert told.reply_to_message_id is None
    async with harness.db.session() as session:
        [relayed] = (await session.exec(select(RelayedMessage))).all()
    assert relayed.status == RelayStatus.FAILED

    # A coach's answer refused by Telegram: the coach is told, in their own language (Finnish).
    async with harness.db.session() as session:
        coach = await session.get(Person, desk.ids["kaisa"])
        assert coach is not None
        coach.locale = "fi"
    await say(harness, desk.pekka, "Hello")
    copy = kaisa.bot_messages()[-1]
    harness.sandbox.fail_next(
        1, FaultKind.BAD_REQUEST, methods="sendMessage", chat_id=desk.pekka.chat_id
    )
    before_kaisa = len(kaisa.bot_messages())
    reply = await kaisa.send_text("Hi Bert, see you on Monday.", reply_to=copy)
    await harness.settle()
    texts = [m.text or "" for m in _new(kaisa, before_kaisa)]
    notice = [m for m in _new(kaisa, before_kaisa) if (m.text or "").startswith("⚠️")]
    assert len(notice) == 1, texts
    assert "Pekka" in (notice[0].text or "") and "Telegram" in (notice[0].text or "")
    assert "did not" not in (notice[0].text or "")  # Finnish, not English
    assert notice[0].reply_to_message_id == reply.message_id


async def test_two_long_check_in_words_make_a_long_summary_shown_whole(
    harness: Harness, clock: ManualClock, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    liisa = desk.liisa
    await say(harness, liisa, "✅ Check in")
    for label in ("😐 So-so", "✅ Yes", "🙂 Good", "🛠️ Work or workshop"):
        await press(harness, liisa, label)
    first = long_text(4096, marker="F")
    await say(harness, liisa, first)
    # Changed the same day: the answers again, and more words (added to the first ones).
    await press(harness, liisa, "✏️ Change my answers")
    for label in ("😫 Badly", "🕐 Later", "😐 Okay", "📅 An appointment"):
        await press(harness, liisa, label)
    second = long_text(4096, marker="S")
    before = len(liisa.bot_messages())
    await say(harness, liisa, second)
    got = [m.text or "" for m in _new(liisa, before)]
    assert sum(len(text) for text in got) > 8192
    assert len(got) >= 3
    joined = _words(got)
    start = joined.index("words:") + 1
    assert joined[start : start + len(first.split()) + len(second.split())] == [
        *first.split(),
        *second.split(),
    ]
    # The buttons come under the last part, and still work.
    assert "✏️ Change my answers" in _new(liisa, before)[-1].button_labels
    assert _refused(harness) == []
    assert _errors(caplog) == []


async def test_a_coachs_reason_too_long_to_keep_is_asked_again_not_cut(
    harness: Harness, desk: Desk
) -> None:
    kaisa = desk.kaisa
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, "👤 Liisa <L&L>")
    await press(harness, kaisa, "📊 Plan")
    await press(harness, kaisa, "💼 Finding work ☆☆☆☆")
    await press(harness, kaisa, "★☆☆☆ slight")
    await press(harness, kaisa, "✏️ Another reason")
    [asked] = await say(harness, kaisa, long_text(600, marker="P"))
    assert asked.text == (
        "That reason is too long. Please write it in at most 500 characters and send it again."
    )
    [saved] = await say(harness, kaisa, "Wants to try a <work trial> & see")
    assert "Wants to try a <work trial> & see" in (saved.text or "")
