"""Reactions: setMessageReaction as the Bot API specifies it for a bot.

A bot (not premium) sets at most one reaction on a message, only from Telegram's list of
reaction emoji, never a paid reaction, and a custom emoji only if it is already on the message
(the sandbox has none). An empty or missing list takes the bot's reaction away.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.methods.context import CallContext

# ReactionTypeEmoji.emoji: "Currently, it can be one of ..." (Bot API 9).
REACTION_EMOJI = frozenset(
    (
        "❤",
        "👍",
        "👎",
        "🔥",
        "🥰",
        "👏",
        "😁",
        "🤔",
        "🤯",
        "😱",
        "🤬",
        "😢",
        "🎉",
        "🤩",
        "🤮",
        "💩",
        "🙏",
        "👌",
        "🕊",
        "🤡",
        "🥱",
        "🥴",
        "😍",
        "🐳",
        "❤\u200d🔥",
        "🌚",
        "🌭",
        "💯",
        "🤣",
        "⚡",
        "🍌",
        "🏆",
        "💔",
        "🤨",
        "😐",
        "🍓",
        "🍾",
        "💋",
        "🖕",
        "😈",
        "😴",
        "😭",
        "🤓",
        "👻",
        "👨\u200d💻",
        "👀",
        "🎃",
        "🙈",
        "😇",
        "😨",
        "🤝",
        "✍",
        "🤗",
        "🫡",
        "🎅",
        "🎄",
        "☃",
        "💅",
        "🤪",
        "🗿",
        "🆒",
        "💘",
        "🙉",
        "🦄",
        "😘",
        "💊",
        "🙊",
        "😎",
        "👾",
        "🤷\u200d♂",
        "🤷",
        "🤷\u200d♀",
        "😡",
    )
)


def _emoji_of(reaction: Any) -> str:
    """The emoji of one ReactionType, or the Bot API's refusal."""
    if not isinstance(reaction, dict):
        raise bad_request("REACTION_INVALID")
    kind = reaction.get("type")
    if kind == "emoji" and reaction.get("emoji") in REACTION_EMOJI:
        return str(reaction["emoji"])
    if kind == "paid":
        raise bad_request("paid reactions can't be used by bots")
    raise bad_request("REACTION_INVALID")


async def set_message_reaction(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    if "message_id" not in ctx.params:
        raise bad_request("message identifier is not specified")
    message = ctx.state.message(chat.id, int(ctx.params["message_id"]))
    if message is None:
        raise bad_request("message to react not found")
    reactions = ctx.params.get("reaction") or []
    if not isinstance(reactions, list):
        raise bad_request("REACTION_INVALID")
    if len(reactions) > 1:
        raise bad_request("REACTIONS_TOO_MANY")
    emoji = [_emoji_of(reaction) for reaction in reactions]
    message.bot_reaction = emoji[0] if emoji else None
    return True
