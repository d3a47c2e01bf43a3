"""What a person does in a test, and what they see: `say` and `press` act and wait until the
bot has finished with it; `texts` and the others read what the bot sent."""

from __future__ import annotations

from bot.devtools.harness import Harness
from bot.sandbox import SandboxMessage, SandboxUser


def _from_bot(harness: Harness, chat_id: int) -> list[SandboxMessage]:
    return [m for m in harness.sandbox.chat_messages(chat_id) if m.from_bot]


async def say(
    harness: Harness, user: SandboxUser, text: str, *, chat_id: int | None = None
) -> list[SandboxMessage]:
    """Send text (in their private chat unless `chat_id` says otherwise) and wait; the bot's new
    messages in that chat."""
    watched = user.chat_id if chat_id is None else chat_id
    before = len(_from_bot(harness, watched))
    await user.send_text(text, chat_id=chat_id)
    await harness.settle()
    return _from_bot(harness, watched)[before:]


async def press(
    harness: Harness,
    user: SandboxUser,
    label: str | None = None,
    *,
    data: str | None = None,
    message: SandboxMessage | None = None,
) -> list[SandboxMessage]:
    """Press a button (by its label, or forged callback data) and wait; the bot's new messages
    in the person's private chat."""
    before = len(user.bot_messages())
    await user.press(label, data=data, message=message)
    await harness.settle()
    return user.bot_messages()[before:]


def texts(messages: list[SandboxMessage]) -> list[str]:
    """The words of each message as the person sees them."""
    return [m.visible_text for m in messages]


def text_of(messages: list[SandboxMessage]) -> str:
    """The messages' texts (as sent, with their markup) in one string."""
    return "\n".join(m.text or "" for m in messages)


def last_text(user: SandboxUser) -> str:
    """The words of the bot's last message to a user (there must be one)."""
    message = user.last_bot_message()
    assert message is not None
    return message.text or ""


def everything(user: SandboxUser) -> str:
    """All the bot's messages to a user as they stand now (after edits)."""
    return text_of(user.bot_messages())


def labels(message: SandboxMessage | None) -> list[str]:
    """The labels of a message's buttons, row by row."""
    assert message is not None
    return [button.text for row in message.buttons for button in row]
