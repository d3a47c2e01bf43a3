"""Steps shared by the employer tests: a coach records a placement from the card, the client
answers the consent question, the coach makes the employer link and the employer opens it.
"""

from __future__ import annotations

import re

from bot.devtools.harness import Harness
from bot.sandbox import SandboxUser
from tests.support.actors import press, say
from tests.support.world import Desk

LINK = re.compile(r"https://t\.me/companion_test_bot\?start=([A-Za-z0-9_-]+)")


async def open_card(harness: Harness, coach: SandboxUser, name: str) -> None:
    await say(harness, coach, "/clients")
    await press(harness, coach, f"👤 {name}")


async def record_placement(
    harness: Harness,
    desk: Desk,
    *,
    client: str = "Pekka",
    employer: str = "Puutarha <Oy> & Co",
    contact: str | None = "Sari Salo",
) -> None:
    """Kaisa records work for a client through the card's buttons."""
    kaisa = desk.kaisa
    await open_card(harness, kaisa, client)
    await press(harness, kaisa, "💼 Placement")
    await say(harness, kaisa, employer)
    if contact is None:
        await press(harness, kaisa, "⏭️ No contact person now")
    else:
        await say(harness, kaisa, contact)
    await say(harness, kaisa, "Gardener")
    await press(harness, kaisa, "📅 Next Monday")
    await press(harness, kaisa, "30")
    await press(harness, kaisa, "💶 Wage-subsidised work")
    await harness.settle()


async def employer_link(harness: Harness, desk: Desk, client: str = "Pekka") -> str | None:
    """Kaisa presses 🔗 Employer link on the card; the token, or None when refused."""
    kaisa = desk.kaisa
    await open_card(harness, kaisa, client)
    before = len(kaisa.bot_messages())
    await press(harness, kaisa, "🔗 Employer link")
    for message in kaisa.bot_messages()[before:]:
        found = LINK.search(message.text or "")
        if found:
            return found.group(1)
    return None


async def join(harness: Harness, user: SandboxUser, token: str) -> None:
    await user.send_command("start", token)
    await harness.settle()


async def linked_employer(
    harness: Harness,
    desk: Desk,
    *,
    client: SandboxUser | None = None,
    name: str = "Pekka",
    employer: str = "Puutarha <Oy> & Co",
    boss: SandboxUser | None = None,
) -> SandboxUser:
    """Work recorded, the client's yes, the link, and the employer's contact joined."""
    await record_placement(harness, desk, client=name, employer=employer)
    await press(harness, client or desk.pekka, "✅ Yes, I allow it")
    token = await employer_link(harness, desk, name)
    assert token is not None
    if boss is None:
        boss = harness.sandbox.add_user(first_name="Sari", last_name="Salo", language_code="en")
    await join(harness, boss, token)
    return boss
