"""How updates come in: receivers write, handlers claim.

A receiver (getUpdates here, or the webhook endpoint) writes each update to the inbox before
Telegram is told it arrived. In the same transaction it claims the leases of the updates' chats
(bot/services/leases.py): the updates of chats it got are handled in this process at once, the
others wait in the inbox for the process that holds their chat. A `Claimer` in every handling
process looks for waiting updates whose chat is free, ours, or held by a process that died
(its lease ran out), claims the chat and handles its updates in update_id order; it renews the
leases of chats being handled here and gives idle ones back. One process on SQLite runs the same
code with one handler.

Each update of a batch is read on its own: one that python-telegram-bot cannot parse is set aside
(kept as received, counted, the admins told) and the others go on. A chat with as many updates
waiting as it may have gets the rest of its updates confirmed but not handled (the person is asked
to send again), so one chat can never stall the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import BaseUpdateProcessor, ExtBot

from bot.messages import intake_notices
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.intake import Backlog, NoticeGate, RawIds, SetAside, Sorted, sort_batch
from bot.runtime.telegram_bot import CompanionBot
from bot.runtime.workers import dead_here
from bot.services import inbox, leases, state
from bot.services.inbox import ReceivedUpdate
from bot.text.i18n import resolve_locale, set_locale

_LOGGER = logging.getLogger(__name__)

# Updates left unfinished by the last run that are handled again at one start.
RECOVERED_AT_MOST = 10_000


def received(update: Update) -> ReceivedUpdate:
    chat = update.effective_chat
    user = update.effective_user
    return ReceivedUpdate(
        update_id=update.update_id,
        chat_id=chat.id if chat else None,
        user_id=user.id if user else None,
        payload=update.to_dict(),
    )


class StartedUpdates:
    """The ids of updates this process wrote to the inbox as started when it fetched them: their
    handling needs no further statement to begin (the common case, one statement less per update).
    """

    def __init__(self) -> None:
        self._ids: set[int] = set()

    def add(self, update_ids: set[int]) -> None:
        self._ids |= update_ids

    def take(self, update_id: int) -> bool:
        """True once for an id that was added; its handling may begin at once."""
        if update_id in self._ids:
            self._ids.discard(update_id)
            return True
        return False


class Lanes:
    """What this process has in hand: the updates queued or being handled here, per chat, and
    the chats whose lease it holds.

    `guard` is held while leases are claimed or given back, so that a chat is never given back
    while an update of it is being queued here.
    """

    def __init__(self, *, holder: str, lease_seconds: float, max_chats: int = 64) -> None:
        self.holder = holder
        self.lease_seconds = lease_seconds
        # A process takes no more chats than this at once: the rest is left to other handlers.
        self.max_chats = max_chats
        self.guard = asyncio.Lock()
        self._keys: dict[int, int] = {}  # update_id -> chat key, for updates here
        self._active: Counter[int] = Counter()
        self.held: set[int] = set()

    @property
    def local(self) -> set[int]:
        return set(self._keys)

    def has(self, update_id: int) -> bool:
        return update_id in self._keys

    def add(self, update_id: int, key: int) -> None:
        """An update of a chat we hold is queued here."""
        if update_id not in self._keys:
            self._keys[update_id] = key
            self._active[key] += 1

    def done(self, update_id: int) -> None:
        """The update was handled (or skipped, or failed) here."""
        key = self._keys.pop(update_id, None)
        if key is None:
            return
        self._active[key] -= 1
        if self._active[key] <= 0:
            del self._active[key]

    def choose(self, keys: Iterable[int], orphans: Collection[int] = ()) -> set[int]:
        """The chats to claim among these (in the order their oldest updates came): those held
        here already, those a dead process left (`orphans`: somebody must take them, room or
        not), and new ones while there is room, oldest first, so that no chat waits behind
        newer ones."""
        ordered = list(dict.fromkeys(keys))
        room = max(0, self.max_chats - len(self.held))
        fresh = [key for key in ordered if key not in self.held and key not in orphans][:room]
        return {key for key in ordered if key in self.held or key in orphans} | set(fresh)

    def idle(self) -> set[int]:
        """Chats we hold with nothing of theirs here."""
        return self.held - set(self._active)

    def active(self) -> set[int]:
        return self.held & set(self._active)


class InboxBot(CompanionBot):
    """A bot whose getUpdates writes every update to the inbox before returning it.

    The updater confirms updates to Telegram with the offset of its next getUpdates call, so an
    update is on disk before Telegram forgets it. Updates handled before are still returned (the
    updater moves its offset past them); the processor skips them. Updates set aside (unreadable
    or dropped) are not returned; the next offset goes past them all the same.
    """

    def __init__(
        self,
        *args: Any,
        db: Database,
        clock: Clock,
        started: StartedUpdates,
        lanes: Lanes,
        backlog: Backlog | None = None,
        default_locale: str = "fi",
        on_queued: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._lanes = lanes
        self._on_queued = on_queued
        self._inbox_db = db
        self._inbox_clock = clock
        self._started = started
        self._backlog = backlog or Backlog(per_chat=100, total=2000)
        self._default_locale = default_locale
        # The offset that confirms everything written down so far, set aside or not.
        self._confirm_from: int | None = None
        self._busy_notices = NoticeGate(dt.timedelta(minutes=1))
        self._unreadable_notices = NoticeGate(dt.timedelta(minutes=1))

    @property
    def started(self) -> StartedUpdates:
        return self._started

    @property
    def backlog(self) -> Backlog:
        return self._backlog

    @property
    def lanes(self) -> Lanes:
        return self._lanes

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | dt.timedelta | None = None,  # noqa: ASYNC109 - PTB's signature
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        """Fetch a batch, write it down, and return the updates to handle now.

        PTB's own get_updates parses the whole batch at once and refuses all of it when one
        update cannot be parsed (and then fetches the same batch again, forever); here each
        update is read on its own, after the raw batch is written down.
        """
        if self._confirm_from is not None and (offset is None or 0 <= offset < self._confirm_from):
            offset = self._confirm_from
        seconds = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else timeout or 0
        if seconds:
            # A long poll (not the last call at shutdown): fetch only when there is room.
            await self._backlog.wait_for_room()
        room = max(1, self._backlog.total - self._backlog.waiting)
        data: JSONDict = {
            "timeout": timeout,
            "offset": offset,
            "limit": min(limit or 100, room),
            "allowed_updates": allowed_updates,
        }
        # As PTB does: the read timeout covers the long poll's own wait.
        if isinstance(read_timeout, DefaultValue):
            base = self._request[0].read_timeout or 0
        else:
            base = read_timeout or 0
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=base + seconds,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        if not isinstance(result, list) or not result:
            return ()
        return tuple(await self.take_in(result))

    async def take_in(self, raw_batch: list[Any]) -> list[Update]:
        """Write a batch down and return the updates to handle here now, in order: those of
        chats this process holds (their earlier waiting updates first)."""
        batch = sort_batch(raw_batch, self, self._backlog)
        try:
            taken, updates = await self._write_down(batch)
        except BaseException:
            for item in batch.admitted:
                self._backlog.release(item.update_id)
            raise
        for item in batch.admitted:
            if item.update_id not in taken.started:
                # Written down for another process, or had been before: not handled here now.
                self._backlog.release(item.update_id)
        for update in updates:
            self.insert_callback_data(update)
        self._started.add(taken.started)
        if (taken.dropped or taken.unreadable) and self._on_queued is not None:
            self._on_queued()  # the notices are in the outbox
        if batch.last_id is not None:
            self._confirm_from = max(self._confirm_from or 0, batch.last_id + 1)
        if batch.nameless:
            _LOGGER.error("%d updates without an update_id ignored", batch.nameless)
        for bad in batch.unreadable:
            if bad.update_id in taken.unreadable:
                _LOGGER.error(
                    "update %s could not be read (%s); set aside", bad.update_id, bad.error
                )
        if taken.dropped:
            per_chat = Counter(i.ids.key for i in batch.dropped if i.update_id in taken.dropped)
            for chat, count in per_chat.items():
                _LOGGER.warning(
                    "dropped %d updates of chat %s: %d waiting already",
                    count,
                    chat,
                    self._backlog.per_chat,
                )
        return updates

    async def _write_down(self, batch: Sorted) -> tuple[inbox.TakenIn, list[Update]]:
        now = self._inbox_clock.now()
        async with self._lanes.guard:
            return await self._write_down_held(batch, now)

    async def _write_down_held(
        self, batch: Sorted, now: dt.datetime
    ) -> tuple[inbox.TakenIn, list[Update]]:
        lanes = self._lanes
        async with self._inbox_db.session() as session:
            claimed = await leases.claim(
                session,
                keys=lanes.choose(_key(item.ids) for item in batch.admitted),
                holder=lanes.holder,
                now=now,
                lease_seconds=lanes.lease_seconds,
            )
            taken = await inbox.take_in(
                session,
                started=[
                    _received(item.update_id, item.ids, item.raw)
                    for item in batch.admitted
                    if _key(item.ids) in claimed
                ],
                waiting=[
                    _received(item.update_id, item.ids, item.raw)
                    for item in batch.admitted
                    if _key(item.ids) not in claimed
                ],
                dropped=[_received(item.update_id, item.ids, item.raw) for item in batch.dropped],
                unreadable=[
                    _received(item.update_id, item.ids, item.raw) for item in batch.unreadable
                ],
                now=now,
            )
            busy = await self._tell_dropped(
                session, [i.ids for i in batch.dropped if i.update_id in taken.dropped], now
            )
            fresh = [i for i in batch.unreadable if i.update_id in taken.unreadable]
            asked = await self._tell_unreadable(session, fresh, now) if fresh else set()
            if taken.dropped or taken.unreadable:
                await state.count_up(
                    session,
                    key=state.INTAKE_COUNTS,
                    counts={"dropped": len(taken.dropped), "unreadable": len(taken.unreadable)},
                    now=now,
                )
            # A chat just claimed may have updates waiting that another process wrote down:
            # they come first.
            earlier = [
                (update_id, key)
                for update_id, key in await leases.waiting_in(
                    session, keys=claimed, excluding=taken.started
                )
                if not lanes.has(update_id)
            ]
            payloads = (
                await leases.payloads(session, update_ids=[u for u, _k in earlier])
                if earlier
                else []
            )
        # Committed: the chats are ours and their updates are queued here.
        lanes.held |= claimed
        updates = _parse_in_order(payloads, self) + [
            item.update for item in batch.admitted if item.update_id in taken.started
        ]
        updates.sort(key=lambda update: update.update_id)
        for update in updates:
            lanes.add(update.update_id, _update_key(update))
        # Only now are the notices safely queued: a failed write tells the chat again later.
        self._busy_notices.sent(busy, now)
        self._unreadable_notices.sent(asked, now)
        return taken, updates

    async def _tell_dropped(
        self, session: AsyncSession, dropped: list[RawIds], now: dt.datetime
    ) -> set[int]:
        """The person whose updates were dropped is asked to wait and send again; returns the
        chats told."""
        told: set[int] = set()
        for ids in dropped:
            chat_id = ids.chat_id
            if chat_id is None or chat_id in told or not self._busy_notices.due(chat_id, now):
                continue
            await intake_notices.queue_busy_notice(
                session,
                chat_id=chat_id,
                user_id=ids.user_id,
                language_code=ids.language_code,
                default_locale=self._default_locale,
                now=now,
            )
            told.add(chat_id)
        return told

    async def _tell_unreadable(
        self, session: AsyncSession, fresh: list[SetAside], now: dt.datetime
    ) -> set[int]:
        """The person (in a private chat) is asked to send again, and the admins are told;
        returns the chats asked."""
        asked: set[int] = set()
        for item in fresh:
            ids = item.ids
            chat_id = ids.chat_id
            if chat_id is None or ids.chat_type != "private" or chat_id in asked:
                continue
            if not self._unreadable_notices.due(chat_id, now):
                continue
            await intake_notices.queue_unreadable_notice(
                session,
                chat_id=chat_id,
                user_id=ids.user_id,
                language_code=ids.language_code,
                default_locale=self._default_locale,
                update_id=item.update_id,
                now=now,
            )
            asked.add(chat_id)
        await intake_notices.report_unreadable(
            session, update_ids=[item.update_id for item in fresh], now=now
        )
        return asked


def _key(ids: RawIds) -> int:
    return leases.chat_key_of(ids.chat_id, ids.user_id)


def _update_key(update: Update) -> int:
    chat = update.effective_chat
    user = update.effective_user
    return leases.chat_key_of(chat.id if chat else None, user.id if user else None)


def _parse_in_order(payloads: list[dict[str, Any]], bot: ExtBot[Any]) -> list[Update]:
    """Updates rebuilt from their JSON, in update_id order; one that cannot be read is left in
    the inbox for inspection."""
    updates = []
    for payload in payloads:
        try:
            update = Update.de_json(payload, bot)
        except Exception:
            _LOGGER.exception("unreadable update in the inbox; left for inspection")
            continue
        if update is not None:
            updates.append(update)
    updates.sort(key=lambda update: update.update_id)
    return updates


def _received(update_id: int, ids: RawIds, raw: dict[str, Any]) -> ReceivedUpdate:
    """An update as the inbox keeps it: the JSON exactly as Telegram sent it."""
    return ReceivedUpdate(
        update_id=update_id, chat_id=ids.chat_id, user_id=ids.user_id, payload=raw
    )


class _ChatLocks:
    """One lock per chat while it has work; forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: int) -> asyncio.Lock:
        entry = self._locks.get(key)
        lock, users = entry if entry is not None else (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:
            self._forget(key)
            raise
        return lock

    def _forget(self, key: int) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    def release(self, key: int) -> None:
        lock, _users = self._locks[key]
        lock.release()
        self._forget(key)


class InboxUpdateProcessor(BaseUpdateProcessor):
    """Handles chats concurrently and each chat's updates in order, through the inbox.

    PTB's own limit counts updates that merely wait for their chat's turn, so one busy chat could
    fill it and stall everyone; the waiting is bounded per chat and in total by the backlog when
    updates are fetched instead, PTB's limit is set above it (updates recovered at start come on
    top), and `max_concurrent` limits only the updates actually being handled.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        default_locale: str,
        max_concurrent: int,
        started: StartedUpdates,
        lanes: Lanes,
        backlog: Backlog | None = None,
        max_attempts: int = 5,
    ):
        self._backlog = backlog or Backlog(per_chat=100, total=2000)
        super().__init__(max_concurrent_updates=self._backlog.total + RECOVERED_AT_MOST)
        self._started = started
        self._lanes = lanes
        self._working = asyncio.Semaphore(max_concurrent)
        self._max_attempts = max_attempts
        self._db = db
        self._clock = clock
        self._default_locale = default_locale
        self._locks = _ChatLocks()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # Updates handled to the end here (for the log at the stop, and the tests of several
        # processes).
        self.handled = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def wait_idle(self) -> None:
        """Return when no update is being handled (for tests and the demo)."""
        await self._idle.wait()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        self._in_flight += 1
        self._idle.clear()
        try:
            await self._process(update, coroutine)
        finally:
            self._backlog.release(update.update_id)
            self._lanes.done(update.update_id)
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _process(self, update: Update, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat
        user = update.effective_user
        key = chat.id if chat else (user.id if user else None)
        # The app's language until the handlers know the person; an apology is never untranslated.
        set_locale(resolve_locale(user.language_code if user else None, self._default_locale))
        if key is None:
            async with self._working:
                await self._handle(update, coroutine)
            return
        await self._locks.acquire(key)
        try:
            async with self._working:
                await self._handle(update, coroutine)
        finally:
            self._locks.release(key)

    async def _handle(self, update: Update, coroutine: Awaitable[Any]) -> None:
        try:
            if self._started.take(update.update_id):
                fresh = True
            else:
                fresh = await self._start(update)
        except BaseException:
            # The update stays in the inbox (or on Telegram's side) and is handled again later.
            _close(coroutine)
            raise
        if not fresh:
            _LOGGER.info("update %s was handled before (or given up); skipped", update.update_id)
            _close(coroutine)
            return
        await coroutine
        # Not reached when the task is cancelled or the process dies: the update stays
        # unfinished and is handled again at the next start.
        for attempt in range(5):
            try:
                async with self._db.session() as session:
                    await inbox.finish(session, update_id=update.update_id, now=self._clock.now())
                self.handled += 1
                return
            except Exception:
                if attempt == 4:
                    raise
                _LOGGER.warning("marking update %s done failed; retrying", update.update_id)
                await asyncio.sleep(0.2 * (attempt + 1))

    async def _start(self, update: Update) -> bool:
        """Begin an update recovered from the inbox, or one another fetch wrote down."""
        async with self._db.session() as session:
            return await inbox.start(
                session,
                update_id=update.update_id,
                now=self._clock.now(),
                max_attempts=self._max_attempts,
            ) or await inbox.begin(
                session,
                update=received(update),
                now=self._clock.now(),
                max_attempts=self._max_attempts,
            )


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


class Claimer:
    """Finds updates waiting in the inbox whose chat no live process holds, claims their chats
    and queues their updates here in order; renews the leases of chats being handled here and
    gives idle ones back.

    Runs in every process that handles updates: with one process it picks up what the last run
    left unfinished; with several it takes over the chats of a process that died, once their
    leases ran out (at once for a process of this host that no longer runs).
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        bot: ExtBot[Any],
        lanes: Lanes,
        queue: asyncio.Queue[object],
        poll_seconds: float,
        limit: int = 1000,
    ) -> None:
        self._db = db
        self._clock = clock
        self._bot = bot
        self._lanes = lanes
        self._queue = queue
        self._poll_seconds = poll_seconds
        self._limit = limit
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._dead: list[str] = []
        self.claimed_count = 0

    async def start(self) -> None:
        if self._task is not None:
            return
        async with self._db.session() as session:
            self._dead = dead_here(await leases.holders(session))
        if self._dead:
            _LOGGER.info("taking over the chats of %d stopped processes", len(self._dead))
        await self.round()
        self._task = asyncio.create_task(self._run(), name="inbox-claimer")
        self._heartbeat = asyncio.create_task(self._beat(), name="inbox-heartbeat")

    async def stop(self) -> None:
        """Stop claiming and give back every chat held here."""
        for task in (self._task, self._heartbeat):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._heartbeat = None
        lanes = self._lanes
        async with lanes.guard:
            held, lanes.held = set(lanes.held), set()
            if held:
                async with self._db.session() as session:
                    await leases.release(session, keys=held, holder=lanes.holder)

    def wake(self) -> None:
        """Look for waiting updates now."""
        self._wake.set()

    async def give_back_idle(self) -> None:
        """Give back now the chats with nothing here (the next round would; tests wait for it)."""
        await self._keep_leases(self._clock.now())

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            try:
                await self.round()
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("inbox: claiming waiting updates failed; trying again shortly")

    async def round(self) -> int:
        """One look: renew and give back leases, claim free chats with waiting updates and queue
        their updates here; returns how many updates were queued."""
        lanes = self._lanes
        now = self._clock.now()
        await self._keep_leases(now)
        async with self._db.session() as session:
            found = await leases.waiting(
                session, holder=lanes.holder, now=now, dead=self._dead, limit=self._limit
            )
        dead = set(self._dead)
        # Oldest waiting update first.
        candidates = []
        orphans = set()
        for w in found:
            if lanes.has(w.update_id):
                continue
            left = w.holder is not None and w.holder != lanes.holder
            if left and (w.holder in dead or (w.lease_until is not None and w.lease_until < now)):
                orphans.add(w.chat_key)
            elif left:
                continue  # a live process has it
            candidates.append(w.chat_key)
        async with lanes.guard:
            keys = lanes.choose(candidates, orphans)
            if not keys:
                return 0
            async with self._db.session() as session:
                claimed = await leases.claim(
                    session,
                    keys=keys,
                    holder=lanes.holder,
                    now=now,
                    lease_seconds=lanes.lease_seconds,
                    dead=self._dead,
                )
                ids = [
                    u
                    for u, _key in await leases.waiting_in(session, keys=claimed)
                    if not lanes.has(u)
                ]
                payloads = await leases.payloads(session, update_ids=ids)
            lanes.held |= claimed
            updates = _parse_in_order(payloads, self._bot)
            for update in updates:
                lanes.add(update.update_id, _update_key(update))
        for update in updates:
            await self._queue.put(update)
        if updates:
            self.claimed_count += len(updates)
            _LOGGER.info(
                "inbox: %d waiting updates of %d chats taken up", len(updates), len(claimed)
            )
        return len(updates)

    async def _keep_leases(self, now: dt.datetime) -> None:
        """Give back the chats with nothing here."""
        lanes = self._lanes
        async with lanes.guard:
            idle = lanes.idle()
            if not idle:
                return
            async with self._db.session() as session:
                await leases.release(session, keys=idle, holder=lanes.holder)
            lanes.held -= idle

    async def _beat(self) -> None:
        """The heartbeat: renew the leases of the chats being handled here a third of the way
        through, apart from the rounds, so that a slow round never lets them run out."""
        while True:
            await asyncio.sleep(self._lanes.lease_seconds / 3)
            try:
                await self._renew()
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("inbox: renewing leases failed; trying again")

    async def _renew(self) -> None:
        lanes = self._lanes
        async with lanes.guard:
            active = lanes.active()
            if not active:
                return
            async with self._db.session() as session:
                kept = await leases.renew(
                    session,
                    keys=active,
                    holder=lanes.holder,
                    now=self._clock.now(),
                    lease_seconds=lanes.lease_seconds,
                )
            lost = active - kept
            if lost:
                # Another process took them after our lease ran out (we were stalled).
                _LOGGER.warning("inbox: the leases of %d chats were lost", len(lost))
                lanes.held -= lost
