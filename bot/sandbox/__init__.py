"""A local Telegram Bot API server for tests and the terminal demo, and a driver to act as users.

async with Sandbox() as sandbox:
    anna = sandbox.add_user(first_name="Anna")
    bot = telegram.Bot(sandbox.token, base_url=sandbox.base_url,
                       base_file_url=sandbox.base_file_url)
    await anna.send_command("start")
"""

from bot.sandbox.driver import SandboxUser
from bot.sandbox.errors import ApiError
from bot.sandbox.faults import FaultKind
from bot.sandbox.flood import FloodLimits
from bot.sandbox.models import (
    CallbackAnswer,
    CallRecord,
    InlineButton,
    SandboxChat,
    SandboxMessage,
)
from bot.sandbox.sandbox import Sandbox

__all__ = [
    "ApiError",
    "CallRecord",
    "CallbackAnswer",
    "FaultKind",
    "FloodLimits",
    "InlineButton",
    "Sandbox",
    "SandboxChat",
    "SandboxMessage",
    "SandboxUser",
]
