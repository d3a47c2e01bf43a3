"""A fuzz campaign through the sandbox: random commands, texts, real and forged button presses,
replies, edits and media from clients, coaches, an employer's contact and a stranger.

After every step the campaign checks what a person would notice: a message or a press that got
no answer, a call Telegram would refuse, and (after a sequence) a marker word that one client
planted reaching a chat other than their own and their coach's. Errors logged by the bot are
counted too. The end-to-end test drives it with hypothesis; `benchmarks/fuzz.py` drives it with
a seeded random generator for a long run.
"""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select
from telegram.ext import CommandHandler

from bot.devtools.harness import Harness
from bot.models.messaging import RelayedMessage
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from tests.support.actors import press, say
from tests.support.employer_world import linked_employer
from tests.support.world import Desk, build

# What a client's words look like to the campaign: one marker per client.
MARKERS = {"liisa": "MkLiisa7", "pekka": "MkPekka7", "cilla": "MkCilla7"}
# Whose chats may show a client's words: their own, and their coach's.
ALLOWED = {"liisa": {"liisa", "kaisa"}, "pekka": {"pekka", "kaisa"}, "cilla": {"cilla", "olli"}}
ACTORS = ("kaisa", "matti", "olli", "liisa", "pekka", "cilla", "sari", "sami")
KINDS = (
    "command",
    "text",
    "press",
    "press",
    "forged",
    "forged",
    "reply",
    "edit",
    "media",
)
# Pieces random texts are made of: plain words, words of the bot's own buttons, HTML-like and
# invisible characters, right-to-left text, numbers and times.
PIECES = (
    "hei",
    "hello",
    "8.30",
    "13:00",
    "tomorrow",
    "✅ Check in",
    "💬 Message my coach",
    "❓ Help",
    "<b>",
    "</i>",
    "<a href='x'>",
    "&amp;",
    "&",
    "<",
    "\u200b",
    "\u200d",
    "\u202e",
    "שלום",
    "مرحبا",
    "ääkköset",
    "🙂",
    "\n\n",
    "0",
    "-1",
    "99999999999999999999",
    "I want to die",
    "en jaksa",
)
UPDATE_KINDS_ANSWERED = ("command", "text", "reply", "media")
_ERROR_LOGS = ("bot", "telegram")


@dataclass(frozen=True, slots=True)
class Step:
    """One thing a person does; the numbers pick among what they can see when it happens."""

    actor: int
    kind: str
    pick: int
    words: tuple[int, ...] = ()
    length: int = 0


class _ErrorLog(logging.Handler):
    """Counts records at ERROR and above from the bot and python-telegram-bot."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in _ERROR_LOGS:
            self.records.append(record)


@dataclass
class Campaign:
    """The world, the people in it, and what has been found so far."""

    harness: Harness
    desk: Desk
    users: dict[str, SandboxUser]
    commands: list[str]
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    _leaked: set[tuple[int, int]] = field(default_factory=set)
    # The last steps, described, to show what led to a problem.
    _recent: list[str] = field(default_factory=list)
    _errors: _ErrorLog = field(default_factory=_ErrorLog)

    @classmethod
    async def start(cls, harness: Harness, clock: ManualClock) -> Campaign:
        """Build the world, link an employer to Pekka and let each client plant their marker."""
        desk = await build(harness, clock.now())
        sari = await linked_employer(harness, desk)
        sami = harness.sandbox.add_user(first_name="Sami", language_code="en")
        users = {
            "kaisa": desk.kaisa,
            "matti": desk.matti,
            "olli": desk.olli,
            "liisa": desk.liisa,
            "pekka": desk.pekka,
            "cilla": desk.cilla,
            "sari": sari,
            "sami": sami,
        }
        commands = sorted(
            {
                command
                for group in harness.app.handlers.values()
                for handler in group
                if isinstance(handler, CommandHandler)
                for command in handler.commands
            }
        )
        campaign = cls(harness=harness, desk=desk, users=users, commands=commands)
        logging.getLogger().addHandler(campaign._errors)
        for key, marker in MARKERS.items():
            user = users[key]
            await say(harness, user, f"{marker} message: please call me")
            await say(harness, user, "✅ Check in")
            for label in ("😴 Well", "✅ Yes", "🙂 Good", "🛠️ Work or workshop"):
                await press(harness, user, label)
            await say(harness, user, f"{marker} note: a quiet day")
            await say(harness, user, "/goal")
            await press(harness, user, "💼 Finding work")
            await press(harness, user, "✏️ In my own words")
            await say(harness, user, f"{marker} goal: a job in a kitchen")
            await press(harness, user, "➖ No date")
        campaign.check_leaks()
        return campaign

    def close(self) -> None:
        logging.getLogger().removeHandler(self._errors)

    # -- steps -----------------------------------------------------------------------------

    @staticmethod
    def random_steps(rng: random.Random, n: int) -> list[Step]:
        """`n` steps from a seeded generator (the long run's source of steps)."""
        return [
            Step(
                actor=rng.randrange(len(ACTORS)),
                kind=rng.choice(KINDS),
                pick=rng.randrange(1 << 16),
                words=tuple(rng.randrange(len(PIECES)) for _ in range(rng.randrange(1, 6))),
                length=rng.choice((0, 0, 0, 0, 0, 100, 4097, 5000)),
            )
            for _ in range(n)
        ]

    def _text(self, step: Step) -> str:
        text = " ".join(PIECES[w % len(PIECES)] for w in step.words) or "hei"
        if step.length:
            text = (text + " ") * (step.length // (len(text) + 1) + 1)
            text = text[: step.length]
        return text.strip() or "hei"

    def _visible_buttons(self, user: SandboxUser) -> list[tuple[SandboxMessage, str]]:
        return [
            (m, b.callback_data)
            for m in user.bot_messages()[-8:]
            for row in m.buttons
            for b in row
            if b.callback_data
        ]

    def _all_callback_data(self) -> list[str]:
        return [
            b.callback_data
            for user in self.users.values()
            for m in user.bot_messages()[-30:]
            for row in m.buttons
            for b in row
            if b.callback_data
        ]

    def _forged(self, step: Step) -> str:
        """Someone else's button, with its numbers moved or made huge, or random bytes."""
        known = self._all_callback_data()
        way = step.pick % 4
        if way == 0 or not known:
            rng = random.Random(step.pick)
            alphabet = "abcdefghijklmnopqrstuvwxyz0123456789:_-.ÄÖ"
            data = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 64)))
            while len(data.encode("utf-8")) > 64:
                data = data[:-1]
            return data or "x"
        data = known[step.pick % len(known)]
        if way == 1:
            change = 1 if step.pick & 8 else -1
            data = re.sub(r"\d+", lambda m: str(max(0, int(m.group()) + change)), data, count=1)
        elif way == 2:
            data = re.sub(r"\d+", "9223372036854775808", data, count=1)
        return data[:64]

    async def run(self, steps: list[Step]) -> None:
        """Do the steps one by one, checking the answers of each."""
        for step in steps:
            await self.do(step)
        self.check_leaks()

    async def do(self, step: Step) -> None:
        key = ACTORS[step.actor % len(ACTORS)]
        user = self.users[key]
        sandbox = self.harness.sandbox
        calls_before = len(sandbox.calls)
        kind = step.kind
        query_id: str | None = None
        sent: SandboxMessage | None = None
        what = ""
        if kind == "command":
            known = [*self.commands, "foo", "start"]
            command = known[step.pick % len(known)]
            argument = self._text(step) if step.pick & 1 else ""
            what = f"/{command} {argument}".strip()[:4096]
            await user.send_text(what)
        elif kind == "text":
            what = self._text(step)
            await user.send_text(what)
        elif kind in ("press", "forged"):
            visible = self._visible_buttons(user)
            if kind == "press" and visible:
                message, data = visible[step.pick % len(visible)]
            else:
                kind = "forged"
                own = [m for m in user.bot_messages() if m.has_inline_keyboard]
                message = (own or user.bot_messages() or [None])[-1]  # type: ignore[list-item]
                data = self._forged(step)
                if message is None or not message.has_inline_keyboard:
                    await user.send_text(self._text(step))
                    kind = "text"
                    message = None
            if message is not None:
                what = data
                query_id = await user.press(data=data, message=message)
        elif kind == "reply":
            shown = user.bot_messages()
            if shown:
                target = shown[step.pick % len(shown)]
                words = self._text(step)
                what = f"{words[:30]!r} to {(target.text or target.caption or target.kind)[:40]!r}"
                await user.send_text(words, reply_to=target)
            else:
                await user.send_text(self._text(step))
        elif kind == "edit":
            own = [m for m in user.messages if not m.from_bot and m.kind == "text"]
            if own:
                await user.edit_text(own[step.pick % len(own)], self._text(step))
            else:
                await user.send_text(self._text(step))
                kind = "text"
        elif kind == "media":
            if step.pick & 1:
                what = "sticker"
                sent = await user.send_sticker()
            else:
                what = self._text(step)[:1024] if step.pick & 2 else ""
                sent = await user.send_photo(caption=what or None)
                what = f"photo {what}"
        await self.harness.settle(timeout=30)
        self._recent = [*self._recent[-4:], f"{key} {kind} {what[:50]!r}"]
        problems_before = len(self.problems)
        self.counts["updates"] += 1
        self.counts[f"kind:{kind}"] += 1
        self._check_calls(calls_before)
        if query_id is not None:
            record = sandbox.state.callback_queries.get(query_id)
            if record is None or record.answer is None:
                self.counts["unanswered"] += 1
                self.problems.append(f"{key}: press {data!r} was not answered")
        elif kind in UPDATE_KINDS_ANSWERED:
            # Answered: the bot wrote to the person, or passed what they sent on (a client's
            # second message in a row reaches the coach without a second "sent").
            answered = any(
                call.ok
                and (
                    _chat_of(call.params) == user.chat_id
                    or _chat_of({"chat_id": call.params.get("from_chat_id")}) == user.chat_id
                )
                for call in sandbox.calls[calls_before:]
            )
            if not answered and sent is not None:
                # Or it was kept for the coach: one of a burst of stickers or pictures, counted
                # into the one notice the coach gets.
                answered = await self._kept_for_coach(sent)
            if not answered:
                self.counts["unanswered"] += 1
                self.problems.append(f"{key}: {kind} {what[:60]!r} got no answer")
        errors = self._errors.records
        if errors:
            self.counts["errors"] += len(errors)
            self.problems.extend(
                f"{key} {kind}: logged {r.levelname} {r.name}: {r.getMessage()}" for r in errors
            )
            errors.clear()
        if len(self.problems) > problems_before:
            self.problems.append("  after: " + " | ".join(self._recent))

    async def _kept_for_coach(self, sent: SandboxMessage) -> bool:
        async with self.harness.db.session() as session:
            found = await session.exec(
                select(RelayedMessage.id).where(
                    RelayedMessage.source_chat_id == sent.chat_id,
                    RelayedMessage.source_message_id == sent.message_id,
                )
            )
            return found.first() is not None

    def _check_calls(self, since: int) -> None:
        for call in self.harness.sandbox.calls[since:]:
            if call.fault is None and call.status is not None and 400 <= call.status < 500:
                if call.status == 403:
                    continue  # a person who blocked the bot: the sender's business
                self.counts["spec_violations"] += 1
                self.problems.append(
                    f"{call.method} refused with {call.status}: {call.description}"
                )

    def check_leaks(self) -> None:
        """A client's marker appears only in their own chat and their coach's."""
        for client, marker in MARKERS.items():
            for key, user in self.users.items():
                if key in ALLOWED[client]:
                    continue
                for message in user.bot_messages():
                    shown = " ".join(filter(None, (message.text, message.caption)))
                    if (
                        marker in shown
                        and (message.chat_id, message.message_id) not in self._leaked
                    ):
                        self._leaked.add((message.chat_id, message.message_id))
                        self.counts["leaks"] += 1
                        self.problems.append(f"{client}'s words reached {key}: {shown[:80]!r}")

    def summary(self) -> dict[str, int]:
        return {
            "updates": self.counts["updates"],
            "errors": self.counts["errors"],
            "unanswered": self.counts["unanswered"],
            "spec_violations": self.counts["spec_violations"],
            "leaks": self.counts["leaks"],
        }


def _chat_of(params: dict[str, Any]) -> int | None:
    chat = params.get("chat_id")
    try:
        return int(chat) if chat is not None else None
    except (TypeError, ValueError):
        return None
