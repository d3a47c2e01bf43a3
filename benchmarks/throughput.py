"""Updates a second: a plain python-telegram-bot echo bot, then our bot answering check-in buttons.

    python benchmarks/throughput.py --updates 2000

The sandbox's flood limits are lifted and both bots run as their own process against it, so the
sandbox's work is not charged to them. First the echo bot (a bare `Application` with one handler
that answers each message with one sendMessage) gets `--updates` messages from 200 people at once;
then our bot (`companion run`, its rates lifted too) gets `--updates` presses of check-in buttons
from 200 clients who each have an open check-in: answers, the last question, "change my answers"
and answers again, each press a database write and its reply (answerCallbackQuery and the edited
question). Prints `echo_per_s`, `checkin_per_s`, `calls_per_update` (our bot's Bot API calls per
press, getUpdates not counted) and `ratio` = checkin ÷ echo (target ≥ 0.5).

Also `buttons_per_s` and `buttons_ratio`: a bare python-telegram-bot `Application` that answers the
same presses with the same two Bot API calls (answerCallbackQuery, editMessageText) and does
nothing else: no database, no inbox. It is the ceiling for any bot that answers a button press the
way Telegram asks (a press must be answered, and the question moves on by an edit).
`press_ratio` = checkin ÷ buttons: what the domain's work leaves of that ceiling (target ≥ 0.4).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import common
from common import report

from bot.devtools.harness import SANDBOX_TOKEN
from bot.runtime.db import Database
from bot.sandbox import Sandbox, SandboxUser

CLIENTS = 200
# One client's presses, in order: a whole check-in, "change my answers", and most of it again.
PRESSES = (
    "s:well",
    "g:yes",
    "m:4",
    "d:home",
    "n:none",
    "e:yes",
    "s:so_so",
    "g:later",
    "m:3",
    "d:other",
)
ECHO_SCRIPT = str(Path(__file__).resolve())
LIFTED = {
    "rate_global_per_second": 100_000.0,
    "rate_per_chat_per_second": 1000.0,
    "rate_per_chat_burst": 1000,
    "rate_per_group_per_minute": 60_000.0,
}


# -- the echo bot (run as its own process: `throughput.py --echo-bot BASE_URL`) -------------------


def echo_bot(base_url: str) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    application = ApplicationBuilder().token(SANDBOX_TOKEN).base_url(base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(timeout=10)


def buttons_bot(base_url: str) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    def keyboard(n: int) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton(str(n), callback_data=f"b:{n}")]])

    async def question(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("0", reply_markup=keyboard(0))

    async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        n = int(query.data.split(":")[1]) + 1
        await query.answer()
        await query.edit_message_text(str(n), reply_markup=keyboard(n))

    application = ApplicationBuilder().token(SANDBOX_TOKEN).base_url(base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, question))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(timeout=10)


async def _start_echo(
    sandbox: Sandbox, folder: Path, kind: str = "--echo-bot"
) -> asyncio.subprocess.Process:
    log = (folder / f"{kind.strip('-')}.log").open("wb")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            ECHO_SCRIPT,
            kind,
            sandbox.base_url,
            stdout=log,
            stderr=log,
        )
    finally:
        log.close()


async def _polling(sandbox: Sandbox) -> None:
    while not any(c.method == "getUpdates" for c in sandbox.calls):  # noqa: ASYNC110
        await asyncio.sleep(0.02)  # the bot is another process: nothing to wait on


async def _until(condition: Callable[[], bool], seconds: float) -> None:
    """Poll the sandbox until the bot (another process) has done its part."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _work_calls(sandbox: Sandbox, since: int) -> list[object]:
    return [c for c in sandbox.calls[since:] if c.method != "getUpdates"]


async def measure_echo(updates: int, folder: Path) -> tuple[float, float]:
    """(updates a second, the bot's CPU milliseconds per update)."""
    sandbox = Sandbox(token=SANDBOX_TOKEN, flood=None)
    await sandbox.start(host="127.0.0.1", port=0)
    process = await _start_echo(sandbox, folder)
    try:
        await _polling(sandbox)
        users = common.sandbox_users(sandbox, CLIENTS)
        since = len(sandbox.calls)
        cpu = cpu_seconds(process.pid)
        started = time.time()
        for n in range(updates):
            await users[n % CLIENTS].send_text(f"Viesti {n}")

        def answered() -> bool:
            sends = sum(1 for c in sandbox.calls[since:] if c.method == "sendMessage")
            return sends >= updates and not sandbox.in_flight_requests

        await _until(answered, 600)
        finished = max(c.timestamp for c in _work_calls(sandbox, since))  # type: ignore[attr-defined]
        used = cpu_seconds(process.pid) - cpu
        return updates / (finished - started), used * 1000 / updates
    finally:
        await common.stop_companion(process)
        await sandbox.stop()


async def measure_buttons(updates: int, folder: Path) -> tuple[float, float]:
    """(presses a second, the bot's CPU milliseconds per press) of the bare two-call bot."""
    sandbox = Sandbox(token=SANDBOX_TOKEN, flood=None)
    await sandbox.start(host="127.0.0.1", port=0)
    process = await _start_echo(sandbox, folder, "--buttons-bot")
    try:
        await _polling(sandbox)
        users = common.sandbox_users(sandbox, CLIENTS)
        for user in users:
            await user.send_text("?")
        await _until(lambda: all(u.last_bot_message() for u in users), 120)
        await sandbox.wait_idle(quiet=0.3, timeout=60)
        messages = {u.id: u.last_bot_message().message_id for u in users}  # type: ignore[union-attr]
        since = len(sandbox.calls)
        cpu = cpu_seconds(process.pid)
        started = time.time()
        for n in range(updates):
            user = users[n % CLIENTS]
            await user.press(message=messages[user.id], data=f"b:{n // CLIENTS}")

        def answered() -> bool:
            calls = sandbox.calls[since:]
            return sum(1 for c in calls if c.method == "answerCallbackQuery") >= updates

        await _until(answered, 600)
        await sandbox.wait_idle(quiet=0.3, timeout=120)
        finished = max(c.timestamp for c in _work_calls(sandbox, since))  # type: ignore[attr-defined]
        used = cpu_seconds(process.pid) - cpu
        return updates / (finished - started), used * 1000 / updates
    finally:
        await common.stop_companion(process)
        await sandbox.stop()


def _question(user: SandboxUser) -> tuple[int, int] | None:
    """The check-in id and message id of the user's check-in question."""
    for message in user.bot_messages():
        for row in message.buttons:
            for button in row:
                data = button.callback_data or ""
                if data.startswith("ci:"):
                    return int(data.split(":")[1]), message.message_id
    return None


async def measure_checkins(updates: int, folder: Path) -> tuple[float, float, float]:
    """(presses a second, Bot API calls per press, the bot's CPU milliseconds per press)."""
    sandbox = Sandbox(token=SANDBOX_TOKEN, flood=None)
    await sandbox.start(host="127.0.0.1", port=0)
    coach = sandbox.add_user(first_name="Valmentaja", language_code="fi")
    users = common.sandbox_users(sandbox, CLIENTS)
    async with common.fresh_database() as url:
        db = Database(url)
        now = dt.datetime.now(dt.UTC)
        await common.seed_clients(
            db,
            telegram_ids=[u.id for u in users],
            next_due_at=now - dt.timedelta(seconds=1),
            now=now,
            coach_telegram_id=coach.id,
        )
        await db.dispose()
        process = await common.start_companion(
            "run", common.bot_env(sandbox, url, **LIFTED), folder / "companion.log"
        )
        try:
            # Set-up, not measured: the bot sends the 200 check-ins that are due.
            await _until(lambda: all(_question(u) for u in users), 120)
            await sandbox.wait_idle(quiet=0.5, timeout=60)
            questions = {u.id: _question(u) for u in users}
            since = len(sandbox.calls)
            cpu = cpu_seconds(process.pid)
            started = time.time()
            for n in range(updates):
                user = users[n % CLIENTS]
                checkin_id, message_id = questions[user.id]  # type: ignore[misc]
                press = PRESSES[(n // CLIENTS) % len(PRESSES)]
                await user.press(message=message_id, data=f"ci:{checkin_id}:{press}")

            def answered() -> bool:
                calls = sandbox.calls[since:]
                return sum(1 for c in calls if c.method == "answerCallbackQuery") >= updates

            await _until(answered, 600)
            await sandbox.wait_idle(quiet=0.3, timeout=120)
            used = cpu_seconds(process.pid) - cpu
            work = _work_calls(sandbox, since)
            finished = max(c.timestamp for c in work)  # type: ignore[attr-defined]
            failed = [c for c in work if not c.ok]  # type: ignore[attr-defined]
            if failed:
                print(f"warning: {len(failed)} calls failed, e.g. {failed[0]}", file=sys.stderr)
            return updates / (finished - started), len(work) / updates, used * 1000 / updates
        finally:
            await common.stop_companion(process)
            await sandbox.stop()


async def run(updates: int) -> None:
    common.quiet_logging()
    with tempfile.TemporaryDirectory(prefix="companion-throughput-") as name:
        folder = Path(name)
        echo, echo_cpu = await measure_echo(updates, folder)
        buttons, buttons_cpu = await measure_buttons(updates, folder)
        checkin, calls, checkin_cpu = await measure_checkins(updates, folder)
    ratio = checkin / echo
    report(
        [
            ("echo_per_s", round(echo, 1)),
            ("checkin_per_s", round(checkin, 1)),
            ("calls_per_update", round(calls, 2)),
            ("ratio", round(ratio, 3)),
            ("buttons_per_s", round(buttons, 1)),
            ("buttons_ratio", round(buttons / echo, 3)),
            ("press_ratio", round(checkin / buttons, 3)),
            ("echo_cpu_ms_per_update", round(echo_cpu, 2)),
            ("buttons_cpu_ms_per_update", round(buttons_cpu, 2)),
            ("checkin_cpu_ms_per_update", round(checkin_cpu, 2)),
        ],
        f"our bot answered {updates} check-in presses at {checkin:.0f}/s, "
        f"a plain echo bot {updates} messages at {echo:.0f}/s: ratio {ratio:.2f} (target >= 0.5); "
        f"{calls:.2f} Bot API calls per press; a bare bot making the same two calls per press "
        f"with no database: {buttons:.0f}/s (ratio {buttons / echo:.2f}, ours to it "
        f"{checkin / buttons:.2f}); bot CPU per update: "
        f"echo {echo_cpu:.1f} ms, bare buttons {buttons_cpu:.1f} ms, ours {checkin_cpu:.1f} ms",
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--echo-bot":
        echo_bot(sys.argv[2])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--buttons-bot":
        buttons_bot(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    asyncio.run(run(args.updates))


if __name__ == "__main__":
    main()
