"""Nothing received is lost: an update whose handling was cut off by killing the bot process is
handled after the restart, once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlmodel import select

from bot.devtools.harness import SANDBOX_TOKEN, Harness
from bot.models.transport import InboxStatus, InboxUpdate
from bot.sandbox import FaultKind, Sandbox

if TYPE_CHECKING:
    from tests.conftest import WaitUntil

pytestmark = pytest.mark.asyncio


async def _start_process(sandbox: Sandbox, database_url: str, folder: Path, name: str):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.base_url,
        "DATABASE_URL": database_url,
        "POLLING_TIMEOUT_SECONDS": "1",
        "TELEGRAM_TIMEOUT_SECONDS": "30",
        "LOG_LEVEL": "INFO",
    }
    log = (folder / f"{name}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=folder, stdout=log, stderr=log
    )


async def _inbox(harness: Harness) -> list[InboxUpdate]:
    async with harness.db.session() as session:
        return list((await session.exec(select(InboxUpdate))).all())


async def test_an_update_cut_off_by_a_kill_is_handled_after_the_restart(
    database_url: str, tmp_path: Path, wait_until: WaitUntil
) -> None:
    sandbox = Sandbox(token=SANDBOX_TOKEN)
    sandbox.hang_seconds = 60.0
    await sandbox.start(host="127.0.0.1", port=0)
    harness = await Harness.create(database_url=database_url, sandbox=sandbox)
    try:
        first = await _start_process(sandbox, database_url, tmp_path, "first")
        await wait_until(lambda: any(c.method == "getUpdates" for c in sandbox.calls))
        user = sandbox.add_user(first_name="Liisa", language_code="en")
        # The answer to /help never comes back: the bot is stuck mid-reply when it is killed.
        sandbox.fail_next(1, FaultKind.TIMEOUT_DROP, methods=["sendMessage"])
        await user.send_text("/help")
        await wait_until(lambda: sandbox.faults_fired >= 1)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert user.bot_messages() == []
        [row] = await _inbox(harness)
        assert row.status == InboxStatus.RECEIVED

        second = await _start_process(sandbox, database_url, tmp_path, "second")
        try:
            await wait_until(lambda: len(user.bot_messages()) >= 1)

            async def handled() -> bool:
                [row] = await _inbox(harness)
                return row.status == InboxStatus.DONE

            # Handled and recorded: a duplicate would have been sent before.
            await wait_until(handled)
            [answer] = user.bot_messages()
            assert "you need an invite link from your job coach" in (answer.text or "")
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), timeout=30)
        [row] = await _inbox(harness)
        assert row.status == InboxStatus.DONE
        assert row.attempts == 2
    finally:
        await harness.close()
