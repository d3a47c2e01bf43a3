"""setMessageReaction as the Bot API specifies it for a bot: one reaction from Telegram's list."""

from __future__ import annotations

import pytest
import telegram
from telegram import ReactionTypeCustomEmoji, ReactionTypeEmoji
from telegram.error import BadRequest

from bot.sandbox import Sandbox, SandboxUser


async def test_the_bot_reacts_to_a_persons_message_and_takes_it_back(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    said = await anna.send_text("Hei, olen myöhässä")
    assert await bot.set_message_reaction(anna.id, said.message_id, "👍")
    assert said.bot_reaction == "👍"
    assert await bot.set_message_reaction(anna.id, said.message_id, [ReactionTypeEmoji("✍")])
    assert said.bot_reaction == "✍"
    assert await bot.set_message_reaction(anna.id, said.message_id)
    assert said.bot_reaction is None


async def test_reactions_telegram_refuses(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    said = await anna.send_text("Hei")
    with pytest.raises(BadRequest, match=r"(?i)reaction_invalid"):
        await bot.set_message_reaction(anna.id, said.message_id, "✓")
    with pytest.raises(BadRequest, match=r"(?i)reactions_too_many"):
        await bot.set_message_reaction(
            anna.id, said.message_id, [ReactionTypeEmoji("👍"), ReactionTypeEmoji("👌")]
        )
    with pytest.raises(BadRequest, match=r"(?i)reaction_invalid"):
        await bot.set_message_reaction(anna.id, said.message_id, [ReactionTypeCustomEmoji("1")])
    with pytest.raises(BadRequest, match=r"(?i)message to react not found"):
        await bot.set_message_reaction(anna.id, 9999, "👍")
    assert said.bot_reaction is None
