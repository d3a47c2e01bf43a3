"""The dispatcher: wakes when the next row of due work falls due, has each job claim what is due
atomically and queue its messages in the outbox, and sleeps until the earliest next due time.

It knows no job by name: the composition root (`bot/app.py`) hands it the jobs, in order, each a
`DueJob` owned by its area (check-ins, goals, flags, the recurring notices, follow-ups, meetings).
No job per client: the database holds every next due time. Several processes may run it on one
database; claims are compare-and-set and the messages carry dedup keys, so nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime.clock import Clock
from bot.runtime.db import Database

_LOGGER = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 60.0


class DueJob(Protocol):
    """Work that falls due at times the database knows.

    `next_due` says when the job has work next (None: nothing is waiting); `run` claims what is
    due by compare-and-set, so that two processes never both take a row, queues what it sends,
    and returns how much it did (0 when nothing was due). Each runs in its own transaction.
    """

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None: ...

    async def run(self, session: AsyncSession, now: dt.datetime) -> int: ...


class Dispatcher:
    """Runs the jobs it is given when they fall due; one loop per process."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        on_queued: Callable[[], None],
        jobs: Sequence[DueJob],
        max_sleep: float = MAX_SLEEP_SECONDS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_queued = on_queued
        self._jobs = tuple(jobs)
        self._max_sleep = max_sleep
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="dispatcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._idle.set()

    def wake(self) -> None:
        """Look for due work now (the clock moved, or a schedule changed)."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await self.tick():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("dispatcher: a tick failed; trying again shortly")
            sleep = await self._sleep_time()
            if not self._wake.is_set():
                self._idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)

    async def _sleep_time(self) -> float:
        now = self._clock.now()
        try:
            async with self._db.session() as session:
                times = [await job.next_due(session, now=now) for job in self._jobs]
        except Exception:
            _LOGGER.exception("dispatcher: could not read the next due time")
            return 5.0
        present = [t for t in times if t is not None]
        if not present:
            return self._max_sleep
        seconds = (min(present) - self._clock.now()).total_seconds()
        return max(0.05, min(self._max_sleep, seconds))

    async def tick(self) -> int:
        """Do the due work once, each job in its order; returns how much was done (0 when
        nothing was due)."""
        done = 0
        for job in self._jobs:
            async with self._db.session() as session:
                done += await job.run(session, self._clock.now())
        if done:
            self._on_queued()
        return done
