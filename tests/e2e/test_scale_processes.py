"""Receiving and handling in several processes on one PostgreSQL, as real processes:

- three `companion run --webhook` behind a small round-robin load balancer (in the test), the
  sandbox delivering 5,000 updates from 500 chats to it; one of the three SIGKILLed in the middle
  and a fourth started: every update handled, each chat's answers in order, duplicates only for
  updates that were in flight in the killed process (each at most one repeated answer), its
  chats taken over within the lease time plus 5 s, the fourth taking a share;
- one polling `companion run` and two `companion worker --handle`: the same counts.

Each chat sends the unknown commands /seq_0, /seq_1, ...: the bot answers each with its name, so
the answers a person sees carry the sequence numbers.
SCALE_CHATS and SCALE_PER_CHAT make the run smaller while developing.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web

from bot.devtools.harness import SANDBOX_TOKEN
from bot.models.transport import ChatLease, InboxStatus, InboxUpdate
from bot.runtime.db import Database
from bot.sandbox import Sandbox, SandboxMessage, SandboxUser
from bot.services.sql import table_of

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="several processes handling one inbox need PostgreSQL (TEST_DATABASE_URL)",
    ),
]

CHATS = int(os.environ.get("SCALE_CHATS", "500"))
PER_CHAT = int(os.environ.get("SCALE_PER_CHAT", "10"))
LEASE_SECONDS = 30  # the default: on two cores shared with other work, a shorter lease runs out
# The bound for taking over a dead process's chats is the lease time plus 5 s; a machine
# whose cores are shared with other work may need more (SCALE_TAKEOVER_SLACK), and the time taken
# is printed either way.
TAKEOVER_SLACK = float(os.environ.get("SCALE_TAKEOVER_SLACK", "5"))
# How long the whole run may take: on two cores shared with other work, a few minutes.
PATIENCE = max(120.0, CHATS * PER_CHAT * 0.2)
SECRET = "scale-test-secret"
SEQ = re.compile(r"I do not know the command /seq_(\d+)\.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- what people see ----------------------------------------------------------------------------


class Answers:
    """The sequence numbers in each chat's answers, in the order the chat got them."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.per_chat: dict[int, list[int]] = {}
        sandbox.on_bot_message.append(self._seen)

    def _seen(self, message: SandboxMessage) -> None:
        if not message.from_bot or message.edit_count:
            return
        found = SEQ.search(message.visible_text)
        if found:
            self.per_chat.setdefault(message.chat_id, []).append(int(found.group(1)))

    def complete(self) -> bool:
        return len(self.per_chat) == CHATS and all(
            set(seen) >= set(range(PER_CHAT)) for seen in self.per_chat.values()
        )

    @property
    def total(self) -> int:
        return sum(len(seen) for seen in self.per_chat.values())

    def repeats(self) -> int:
        return self.total - sum(len(set(seen)) for seen in self.per_chat.values())

    def out_of_order(self) -> list[tuple[int, list[int]]]:
        """Chats whose answers went backwards, or repeated one answer more than once."""
        bad = []
        for chat, seen in self.per_chat.items():
            stepped_back = any(b < a for a, b in itertools.pairwise(seen))
            if stepped_back or max(Counter(seen).values()) > 2:
                bad.append((chat, seen))
        return bad


# -- the load balancer ----------------------------------------------------------------------------


class Balancer:
    """Round-robin over the backends; a backend that refuses the connection is skipped for this
    request (as a load balancer's passive health check does) and the next one tried."""

    def __init__(self) -> None:
        self.backends: list[str] = []
        self.forwarded: Counter[str] = Counter()
        self._next = 0
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/telegram"
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = "application/json"
        if self._client is None or self._client.closed:
            return web.Response(status=502)  # stopping
        for _ in range(len(self.backends)):
            backend = self.backends[self._next % len(self.backends)]
            self._next += 1
            try:
                async with self._client.post(backend, data=body, headers=headers) as answer:
                    await answer.read()
                    self.forwarded[backend] += 1
                    return web.Response(status=answer.status)
            except (aiohttp.ClientConnectionError, OSError):
                continue
        return web.Response(status=502)


# -- the processes --------------------------------------------------------------------------------


class Fleet:
    """`companion` processes against the sandbox and one database; logs shown on failure."""

    def __init__(self, sandbox: Sandbox, url: str, folder: Path) -> None:
        self.sandbox = sandbox
        self.url = url
        self.folder = folder
        self.started: dict[str, asyncio.subprocess.Process] = {}
        self.ports: dict[str, int] = {}

    async def start(self, name: str, *args: str, webhook_url: str = "") -> int:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOT_TOKEN")}
        env.update(
            {
                "BOT_TOKEN": SANDBOX_TOKEN,
                "TELEGRAM_API_BASE_URL": self.sandbox.base_url,
                "DATABASE_URL": self.url,
                "POLLING_TIMEOUT_SECONDS": "1",
                "TELEGRAM_TIMEOUT_SECONDS": "20",
                "LEASE_SECONDS": str(LEASE_SECONDS),
                "HANDLER_POLL_SECONDS": "0.2",
                "OUTBOX_POLL_SECONDS": "0.5",
                "RATE_GLOBAL_PER_SECOND": "10000",
                "RATE_PER_CHAT_PER_SECOND": "1000",
                "RATE_PER_CHAT_BURST": "1000",
                "WEBHOOK_URL": webhook_url,
                "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_PORT": str(port),
                "DB_POOL_SIZE": "5",
                "LOG_LEVEL": "INFO",
            }
        )
        with (self.folder / f"{name}.log").open("ab") as log:
            self.started[name] = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *args, env=env, cwd=self.folder, stdout=log, stderr=log
            )
        self.ports[name] = port
        return port

    async def ready(self, name: str, seconds: float = 180) -> None:
        """Wait until the process answers /readyz."""
        url = f"http://127.0.0.1:{self.ports[name]}/readyz"
        async with aiohttp.ClientSession() as client:
            try:
                async with asyncio.timeout(seconds):
                    while True:
                        try:
                            async with client.get(url) as answer:
                                if answer.status == 200:
                                    return
                        except aiohttp.ClientConnectionError:
                            pass
                        assert self.started[name].returncode is None, self.logs()
                        await asyncio.sleep(0.1)
            except TimeoutError:
                raise AssertionError(f"{name} not ready in {seconds:g}s\n{self.logs()}") from None

    def handled(self) -> dict[str, int]:
        """Updates each process said it handled, when it stopped."""
        counts = {}
        for path in sorted(self.folder.glob("*.log")):
            found = re.findall(r"(\d+) updates handled here", path.read_text(errors="replace"))
            counts[path.stem] = sum(int(n) for n in found)
        return counts

    def errors(self) -> list[str]:
        found = []
        for path in sorted(self.folder.glob("*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
                    found.append(f"{path.name}: {line}")
        return found

    def logs(self) -> str:
        parts = []
        for path in sorted(self.folder.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()
            parts.append(f"--- {path.name} (last lines)\n" + "\n".join(lines[-30:]))
        return "\n".join(parts)

    async def stop_all(self) -> None:
        for process in self.started.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started.values():
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(token=SANDBOX_TOKEN, flood=None)
    await sandbox.start(host="127.0.0.1", port=0)
    try:
        yield sandbox
    finally:
        await sandbox.stop()


@pytest.fixture
async def fleet(sandbox: Sandbox, database_url: str, tmp_path: Path) -> AsyncIterator[Fleet]:
    running = Fleet(sandbox, database_url, tmp_path)
    try:
        yield running
    finally:
        await running.stop_all()


async def wait_for(condition: object, seconds: float, fleet: Fleet, what: str) -> None:
    assert callable(condition)
    try:
        async with asyncio.timeout(seconds):
            while not condition():  # noqa: ASYNC110 - the processes are elsewhere
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {seconds:g}s\n{fleet.logs()}") from None


def people(sandbox: Sandbox) -> list[SandboxUser]:
    return [sandbox.add_user(first_name=f"P{n}", language_code="en") for n in range(CHATS)]


async def send_round(users: list[SandboxUser], number: int) -> None:
    for user in users:
        await user.send_text(f"/seq_{number}")


async def inbox_counts(url: str) -> tuple[Counter[str], Counter[int]]:
    """The inbox's rows by status, and by how many attempts they took."""
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            table = table_of(InboxUpdate)
            rows = (await connection.execute(sa.select(table.c.status, table.c.attempts))).all()
    finally:
        await db.dispose()
    return Counter(str(s) for s, _a in rows), Counter(int(a) for _s, a in rows)


async def in_flight_and_held(url: str, holder_pid: int) -> tuple[int, set[int]]:
    """Updates started and not finished, and the chats a process (by pid) holds."""
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            inbox = table_of(InboxUpdate)
            started = (
                await connection.execute(
                    sa.select(sa.func.count()).where(
                        inbox.c.status == InboxStatus.RECEIVED, inbox.c.attempts >= 1
                    )
                )
            ).scalar_one()
            lease = table_of(ChatLease)
            held = (
                await connection.execute(
                    sa.select(lease.c.chat_key).where(lease.c.holder.like(f"%:{holder_pid}:%"))
                )
            ).all()
    finally:
        await db.dispose()
    return int(started), {int(k) for (k,) in held}


async def test_three_webhook_processes_one_killed_and_a_fourth_joining_handle_each_update_once(
    sandbox: Sandbox, fleet: Fleet, database_url: str
) -> None:
    balancer = Balancer()
    await balancer.start()
    try:
        answers = Answers(sandbox)
        users = people(sandbox)
        for name in ("web1", "web2", "web3"):
            port = await fleet.start(name, "run", "--webhook", webhook_url=balancer.url)
            balancer.backends.append(f"http://127.0.0.1:{port}/telegram")
        for name in ("web1", "web2", "web3"):
            await fleet.ready(name)

        total = CHATS * PER_CHAT
        half = PER_CHAT // 2
        for number in range(half):
            await send_round(users, number)
        # In the middle: SIGKILL one of the three while it handles.
        await wait_for(lambda: answers.total >= total * 0.3, PATIENCE, fleet, "a third answered")
        killed = fleet.started["web1"]
        killed.send_signal(signal.SIGKILL)
        await killed.wait()
        in_flight, held = await in_flight_and_held(database_url, killed.pid)
        seen_at_kill = {chat: len(seen) for chat, seen in answers.per_chat.items()}

        # Its chats are taken over within the lease time plus 5 s: each held chat with more to
        # answer gets a new answer.
        def taken_over() -> bool:
            return all(
                len(answers.per_chat.get(chat, [])) > seen_at_kill.get(chat, 0)
                or set(answers.per_chat.get(chat, [])) >= set(range(half))
                for chat in held
            )

        killed_at = time.monotonic()
        await wait_for(
            taken_over, LEASE_SECONDS + TAKEOVER_SLACK, fleet, "the killed process's chats"
        )
        takeover_seconds = time.monotonic() - killed_at

        # A fourth process joins while the rest is sent.
        port = await fleet.start("web4", "run", "--webhook", webhook_url=balancer.url)
        await fleet.ready("web4")
        balancer.backends.append(f"http://127.0.0.1:{port}/telegram")
        for number in range(half, PER_CHAT):
            await send_round(users, number)
        await wait_for(answers.complete, PATIENCE, fleet, "every answer")
        await sandbox.wait_idle(quiet=0.5, timeout=60)
        await fleet.stop_all()
    finally:
        await balancer.stop()

    statuses, attempts = await inbox_counts(database_url)
    assert statuses == Counter({InboxStatus.DONE: total})
    assert answers.out_of_order() == []
    # Handled twice only what the killed process had in hand; each seen as one repeated answer.
    assert answers.repeats() <= in_flight, (answers.repeats(), in_flight)
    assert sum(n for a, n in attempts.items() if a > 1) <= in_flight
    # (A long poll cut off by the stop has no answer.)
    assert [c for c in sandbox.calls if c.status is not None and not c.ok] == []
    handled = fleet.handled()
    assert handled["web4"] > 0, handled
    assert balancer.forwarded[balancer.backends[3]] > 0
    print(
        f"killed with {in_flight} in flight, {len(held)} chats held, taken over in "
        f"{takeover_seconds:.1f}s; {answers.repeats()} repeated"
        f" answers; handled per process {handled}; forwarded {dict(balancer.forwarded)}"
    )


async def test_one_poller_and_two_handling_workers_handle_each_update_once_in_order(
    sandbox: Sandbox, fleet: Fleet, database_url: str
) -> None:
    answers = Answers(sandbox)
    users = people(sandbox)
    for name, args in (
        ("poller", ("run",)),
        ("handler1", ("worker", "--handle")),
        ("handler2", ("worker", "--handle")),
    ):
        await fleet.start(name, *args)
    for name in ("handler1", "handler2"):
        await fleet.ready(name)
    await wait_for(lambda: bool(sandbox.calls_to("getUpdates")), 60, fleet, "the poller")
    for number in range(PER_CHAT):
        await send_round(users, number)
    await wait_for(answers.complete, PATIENCE, fleet, "every answer")
    await sandbox.wait_idle(quiet=0.5, timeout=60)
    await fleet.stop_all()

    statuses, attempts = await inbox_counts(database_url)
    assert statuses == Counter({InboxStatus.DONE: CHATS * PER_CHAT})
    assert attempts == Counter({1: CHATS * PER_CHAT})
    assert answers.out_of_order() == []
    assert answers.repeats() == 0
    # (A long poll cut off by the stop has no answer.)
    assert [c for c in sandbox.calls if c.status is not None and not c.ok] == []
    assert fleet.errors() == []
    handled = fleet.handled()
    assert sum(handled.values()) == CHATS * PER_CHAT, handled
    print(f"handled per process {handled}")
