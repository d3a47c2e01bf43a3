"""The employer's line, end to end: /ask reaches the coach as a flag with the employer's words
and the employee's first name; the coach's Reply reaches the employer; after the client takes
the consent back, /ask is refused kindly and names nobody; a forged button for another employee
is refused.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.consent import DisclosedItem, Disclosure
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.runtime.clock import ManualClock
from tests.support.actors import everything, press, say
from tests.support.employer_world import linked_employer
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def test_ask_reaches_the_coach_and_the_reply_reaches_the_employer(
    harness: Harness, desk: Desk
) -> None:
    boss = await linked_employer(harness, desk)
    [prompt] = await say(harness, boss, "/ask")
    assert "about Bert" in (prompt.text or "")
    before = len(desk.kaisa.bot_messages())
    [sent] = await say(harness, boss, "Bert is often late <sometimes>. How should I bring it up?")
    assert "Sent to the job coach" in (sent.text or "")
    await harness.settle()
    [notice] = desk.kaisa.bot_messages()[before:]
    assert "Pekka: their employer asks for guidance." in (notice.text or "")
    assert "Sari Salo from Puutarha <Oy> & Co wrote:" in (notice.text or "")
    assert "Bert is often late <sometimes>. How should I bring it up?" in (notice.text or "")
    async with harness.db.session() as session:
        [flag] = (await session.exec(select(Flag))).all()
    assert flag.kind == FlagKind.EMPLOYER_REQUEST and flag.client_id == desk.ids["pekka"]
    assert flag.status == FlagStatus.OPEN

    await press(harness, desk.kaisa, "↩️ Reply", message=notice)
    before_boss = len(boss.bot_messages())
    await say(harness, desk.kaisa, "Talk with him calmly & agree on a start time.")
    assert "Sent to Sari Salo" in everything(desk.kaisa)
    answers = [m.text or "" for m in boss.bot_messages()[before_boss:]]
    assert len(answers) == 1
    assert "The job coach Kaisa Virtanen answers about Bert:" in answers[0]
    assert "Talk with him calmly & agree on a start time." in answers[0]
    async with harness.db.session() as session:
        [flag] = (await session.exec(select(Flag))).all()
        lines = (await session.exec(select(RelayedMessage))).all()
        shared = (await session.exec(select(Disclosure))).all()
    assert flag.status == FlagStatus.DONE
    assert [m.direction for m in lines] == [
        RelayDirection.EMPLOYER_TO_COACH,
        RelayDirection.COACH_TO_EMPLOYER,
    ]
    assert DisclosedItem.OTHER in [d.what for d in shared]
    # The client's notes and messages never show the employer's line.
    [notes] = await say(harness, desk.pekka, "/notes")
    assert "late" not in (notes.text or "")


async def test_after_revocation_ask_is_refused_and_the_coach_is_told(
    harness: Harness, desk: Desk
) -> None:
    boss = await linked_employer(harness, desk)
    await say(harness, desk.pekka, "/consents")
    await press(harness, desk.pekka, "🚫 Take back: Puutarha <Oy> & Co")
    assert "took back their consent" in everything(desk.kaisa)
    [refused] = await say(harness, boss, "/ask")
    assert "You cannot ask about anyone here right now." in (refused.text or "")
    assert "Bert" not in (refused.text or "") and "Pekka" not in (refused.text or "")


async def test_a_question_started_before_revocation_is_refused_after_it(
    harness: Harness, desk: Desk
) -> None:
    boss = await linked_employer(harness, desk)
    await say(harness, boss, "/ask")
    await say(harness, desk.pekka, "/consents")
    await press(harness, desk.pekka, "🚫 Take back: Puutarha <Oy> & Co")
    before = len(desk.kaisa.bot_messages())
    [refused] = await say(harness, boss, "One more thing about Bert")
    assert "You cannot ask about anyone here right now." in (refused.text or "")
    await harness.settle()
    assert "One more thing" not in "\n".join(
        m.text or "" for m in desk.kaisa.bot_messages()[before:]
    )


async def test_a_contact_linked_to_one_employee_cannot_act_on_another(
    harness: Harness, desk: Desk
) -> None:
    boss = await linked_employer(harness, desk)
    # Liisa works at another employer under her own consent.
    other_boss = await linked_employer(
        harness, desk, client=desk.liisa, name="Liisa <L&L>", employer="Kahvila Oy"
    )
    async with harness.db.session() as session:
        from bot.models.placements import Placement

        liisa_placement = (
            await session.exec(select(Placement).where(Placement.client_id == desk.ids["liisa"]))
        ).one()
    before = len(boss.bot_messages())
    await press(harness, boss, data=f"ea:p:{liisa_placement.id}", message=boss.last_bot_message())
    seen = "\n".join(m.text or "" for m in boss.bot_messages()[before:])
    assert "Lisu" not in seen and "Liisa" not in seen
    assert seen == "This is not available to you."
    # Their own /ask still names only their own employee.
    [prompt] = await say(harness, boss, "/ask")
    assert "Bert" in (prompt.text or "") and "Lisu" not in (prompt.text or "")
    [other_prompt] = await say(harness, other_boss, "/ask")
    assert "Lisu" in (other_prompt.text or "")
