"""The words of a client's keyboard buttons, typed by someone who is not a client, are words
like any other: a coach's answer reaches the client, and nobody is met with silence.
"""

from __future__ import annotations

import pytest

from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from tests.support.actors import say
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio
LABELS = ("✅ Check in", "💬 Message my coach", "❓ Help")


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def test_a_coach_or_a_stranger_typing_a_clients_button_gets_an_answer(
    harness: Harness, desk: Desk
) -> None:
    stranger = harness.sandbox.add_user(first_name="Sami", language_code="en")
    for person in (desk.olli, desk.matti, stranger):
        for label in LABELS:
            answered = await say(harness, person, label)
            assert answered, f"{person.first_name} got no answer to {label!r}"


async def test_a_coachs_answer_in_those_words_reaches_the_client(
    harness: Harness, desk: Desk
) -> None:
    await say(harness, desk.cilla, "Can I come on Monday?")
    copy = desk.olli.bot_messages()[-1]
    for label in LABELS[:2]:
        await desk.olli.send_text(label, reply_to=copy)
        await harness.settle()
        assert desk.cilla.bot_messages()[-1].text == f"💬 Olli:\n{label}"
        assert desk.olli.bot_messages()[-1].text == "✓ Sent to Cilla."
