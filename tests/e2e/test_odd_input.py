"""Forged or odd input, end to end: every command answers every kind of person, every button press
is answered exactly once, a forged number never reaches the database, a value outside its choices
is refused calmly (no ERROR, no generic apology), pressing the same option twice makes no call
Telegram refuses, and a database error never writes what a person wrote to a log.

The people: Kaisa (coach) with Liisa and Pekka (clients), Matti (coach, no clients), Aino (an admin
who coaches nobody), Sari (the contact of Pekka's employer) and Sami (a stranger).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.devtools.harness import Harness
from bot.models.goals import Goal
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import people, schedules
from tests.support.actors import press, say
from tests.support.employer_world import linked_employer
from tests.support.world import ORGANISATION, Desk, build

pytestmark = pytest.mark.asyncio

# Numbers no id of ours can be: past PostgreSQL's INTEGER, past a 64-bit integer, and far past.
FORGED = (2**31, 2**63, 10**30)
NO_BUTTON = "This button no longer works."
APOLOGY = "Sorry, something went wrong on my side."
REFUSED = "This is not available to you."


@dataclass
class World:
    desk: Desk
    admin: SandboxUser
    boss: SandboxUser
    stranger: SandboxUser
    newcomer: SandboxUser | None = None

    def everyone(self) -> dict[str, SandboxUser]:
        return {
            "client": self.desk.liisa,
            "coach": self.desk.kaisa,
            "coach without clients": self.desk.matti,
            "admin": self.admin,
            "employer contact": self.boss,
            "stranger": self.stranger,
        }


async def _world(harness: Harness, clock: ManualClock) -> World:
    desk = await build(harness, clock.now())
    admin = harness.sandbox.add_user(first_name="Aino", language_code="en")
    harness.sandbox.mark_started(admin.id)
    async with harness.db.session() as session:
        await people.add_coach(
            session,
            telegram_user_id=admin.id,
            name="Aino Admin",
            organisation_name=ORGANISATION,
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
            admin=True,
        )
        await schedules.set_single_time(
            session,
            client_id=desk.ids["liisa"],
            local_time=dt.time(9, 0),
            timezone="Europe/Helsinki",
            now=clock.now(),
            weekdays="1234567",
        )
    boss = await linked_employer(harness, desk)
    stranger = harness.sandbox.add_user(first_name="Sami", language_code="en")
    return World(desk=desk, admin=admin, boss=boss, stranger=stranger)


@contextmanager
def _watched(harness: Harness, caplog: pytest.LogCaptureFixture) -> Iterator[_Watch]:
    watch = _Watch(harness, caplog)
    engine = harness.app.services.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", watch.on_statement)
    try:
        yield watch
    finally:
        sa.event.remove(engine, "before_cursor_execute", watch.on_statement)


class _Watch:
    """What happened since it started: refused calls, error logs, forged numbers in queries."""

    def __init__(self, harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
        self._sandbox = harness.sandbox
        self._calls = len(harness.sandbox.calls)
        self._records = len(caplog.records)
        self._caplog = caplog
        self.forged_in_queries: list[object] = []

    def on_statement(self, _conn: Any, _cursor: Any, _sql: str, params: Any, *_rest: Any) -> None:
        for value in _flatten(params):
            if isinstance(value, int) and not isinstance(value, bool) and value in FORGED:
                self.forged_in_queries.append(value)

    def refused(self) -> list[str]:
        return [
            f"{call.method}: {call.description}"
            for call in self._sandbox.calls[self._calls :]
            if call.status is not None and call.status != 200
        ]

    def errors(self) -> list[str]:
        return [
            f"{record.getMessage()}: {record.exc_info[1]!r}"
            if record.exc_info
            else record.getMessage()
            for record in self._caplog.records[self._records :]
            if record.levelno >= logging.ERROR
        ]


def _flatten(params: Any) -> Iterator[object]:
    if isinstance(params, dict):
        for value in params.values():
            yield from _flatten(value)
    elif isinstance(params, list | tuple):
        for value in params:
            yield from _flatten(value)
    else:
        yield params


def _commands(harness: Harness) -> list[str]:
    """Every command the running bot registered."""
    found: set[str] = set()
    for handlers in harness.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                found |= set(handler.commands)
    return sorted(found)


def _actions(harness: Harness) -> list[str]:
    """Every callback action the running bot has a handler for."""
    found: set[str] = set()
    for handlers in harness.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                pattern = getattr(handler.pattern, "pattern", handler.pattern)
                match = re.match(r"\^(\w+)", str(pattern))
                if match:
                    found.add(match.group(1))
    return sorted(found)


def _answers(user: SandboxUser, query_id: str) -> list[str | None]:
    return [answer.text for answer in user.callback_answers if answer.query_id == query_id]


async def test_every_command_answers_every_kind_of_person(
    harness: Harness, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    world = await _world(harness, clock)
    commands = _commands(harness)
    assert {"contact", "start", "help", "mydata", "forget", "ask", "clients"} <= set(commands)
    silent: list[str] = []
    with _watched(harness, caplog) as watch:
        for kind, user in world.everyone().items():
            for command in commands:
                before = len(user.bot_messages())
                await user.send_command(command)
                await harness.settle()
                if len(user.bot_messages()) == before:
                    silent.append(f"/{command} from the {kind}")
    assert silent == [], silent
    assert watch.errors() == []
    assert watch.refused() == []


async def test_contact_from_anyone_but_a_client_gets_a_clear_answer(
    harness: Harness, clock: ManualClock
) -> None:
    world = await _world(harness, clock)
    for user in (world.desk.kaisa, world.admin, world.boss, world.stranger):
        [answer] = await say(harness, user, "/contact")
        assert "coach" in (answer.text or "").lower(), answer.text
    [answer] = await say(harness, world.desk.liisa, "/contact")
    assert answer.text == "OK. I told Kaisa that you want them to contact you."


@pytest.mark.parametrize("presser", ["client", "coach", "stranger"])
async def test_forged_numbers_never_reach_the_database(
    harness: Harness, clock: ManualClock, caplog: pytest.LogCaptureFixture, presser: str
) -> None:
    world = await _world(harness, clock)
    user = world.everyone()[presser]
    if not user.bot_messages():
        await say(harness, user, "/help")
    anchor = user.bot_messages()[-1]
    shapes = [
        "{a}:{n}",
        "{a}:p:{n}:r",
        "{a}:{n}:x:normal",
        "{a}:c:{n}:0",
        "{a}:fr:{n}:6",
        "{a}:6:e:{n}",
        "{a}:k:1:{n}",
    ]
    pressed: dict[str, str] = {}
    before = len(user.bot_messages())
    with _watched(harness, caplog) as watch:
        for action in _actions(harness):
            for number, shape in enumerate(shapes):
                data = shape.format(a=action, n=FORGED[number % len(FORGED)])
                pressed[await user.press(data=data, message=anchor)] = data
            await harness.settle()
    assert watch.forged_in_queries == []
    assert watch.errors() == []
    assert watch.refused() == []
    assert harness.sandbox.unanswered_callback_queries() == []
    answers = {data: _answers(user, query_id) for query_id, data in pressed.items()}
    assert {data: len(given) for data, given in answers.items() if len(given) != 1} == {}
    # Each press is told, in a toast or in a message, that the button does nothing here.
    told = [m.text or "" for m in user.bot_messages()[before:]]
    without_words = [data for data, given in answers.items() if given == [None]]
    assert len(told) >= len(without_words)
    assert set(told) <= {NO_BUTTON, REFUSED}, set(told)
    assert not any(APOLOGY in (given[0] or "") for given in answers.values())


def _mutations(data: str) -> list[str]:
    """Other data of the same shape: each part changed to a value no button of ours carries."""
    action, *parts = data.split(":")
    found = []
    for index, part in enumerate(parts):
        for other in ("0", "99999", "zz"):
            if other != part:
                changed = [*parts[:index], other, *parts[index + 1 :]]
                found.append(":".join([action, *changed]))
    found.append(":".join([action, *parts, "1"]))
    found.append(":".join([action, *parts[:-1]]))
    return [d for d in found if len(d.encode()) <= 64]


async def _buttons_around(harness: Harness, world: World) -> dict[str, SandboxMessage]:
    """A morning of use: goals, a check-in, the card and its buttons; every button seen."""
    desk = world.desk
    liisa, kaisa = desk.liisa, desk.kaisa
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "🏠 Everyday life")
    await press(harness, liisa, "A regular daily rhythm")
    await press(harness, liisa, "➖ No date")
    await say(harness, liisa, "/goals")
    await liisa.press(index=0)
    await harness.settle()
    await say(harness, liisa, "/settings")
    await say(harness, liisa, "/pause")
    await say(harness, liisa, "/schedule")
    await say(harness, liisa, "/forget")
    await say(harness, liisa, "/language")
    await say(harness, liisa, "✅ Check in")
    await say(harness, liisa, "Hello Kaisa")
    await say(harness, liisa, "/help")
    await say(harness, liisa, "/contact")
    await say(harness, desk.pekka, "/consents")
    await say(harness, world.boss, "/ask")
    await say(harness, world.boss, "How do I plan the first week?")
    await say(harness, world.boss, "/meeting")
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, "👤 Liisa <L&L>")
    await say(harness, kaisa, "/invite Maija")
    await say(harness, kaisa, "/invites")
    await say(harness, kaisa, "/handover")
    await say(harness, kaisa, "/note")
    await say(harness, kaisa, "/plan")
    await say(harness, kaisa, "A message for nobody in particular")
    newcomer = harness.sandbox.add_user(first_name="Maija", language_code="en")
    link = re.search(
        r"start=([A-Za-z0-9_-]+)", "\n".join(m.text or "" for m in kaisa.bot_messages())
    )
    assert link is not None
    await newcomer.send_command("start", link.group(1))
    await harness.settle()
    world.newcomer = newcomer
    found: dict[str, SandboxMessage] = {}
    for user in (liisa, desk.pekka, kaisa, world.boss, newcomer):
        for message in user.bot_messages():
            for row in message.buttons:
                for button in row:
                    if button.callback_data:
                        found.setdefault(button.callback_data, message)
    # One button of each shape (the same action and words, other numbers) is enough.
    shapes: dict[str, str] = {}
    for data in found:
        shapes.setdefault(re.sub(r"\d+", "N", data), data)
    return {data: found[data] for data in shapes.values()}


async def test_odd_values_in_real_buttons_are_refused_calmly(
    harness: Harness, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    world = await _world(harness, clock)
    buttons = await _buttons_around(harness, world)
    actions = {data.split(":")[0] for data in buttons}
    assert len(actions) >= 22, sorted(actions)
    assert world.newcomer is not None
    owners = {
        user.chat_id: user
        for user in (
            world.desk.liisa,
            world.desk.pekka,
            world.desk.kaisa,
            world.boss,
            world.newcomer,
        )
    }
    pressed: list[tuple[SandboxUser, str, str]] = []
    with _watched(harness, caplog) as watch:
        for data, message in buttons.items():
            user = owners[message.chat_id]
            for forged in _mutations(data):
                pressed.append((user, await user.press(data=forged, message=message), forged))
            await harness.settle()
    assert watch.errors() == []
    assert watch.refused() == []
    unanswered = [data for user, query_id, data in pressed if len(_answers(user, query_id)) != 1]
    assert unanswered == []
    assert harness.sandbox.unanswered_callback_queries() == []
    for user in owners.values():
        assert APOLOGY not in "\n".join(m.text or "" for m in user.bot_messages())


async def test_a_press_answered_then_refused_is_answered_once(
    harness: Harness, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    world = await _world(harness, clock)
    liisa = world.desk.liisa
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "🏠 Everyday life")
    await press(harness, liisa, "A regular daily rhythm")
    await press(harness, liisa, "➖ No date")
    async with harness.db.session() as session:
        goal = (await session.exec(select(Goal))).one()
    await press(harness, liisa, data=f"gl:p:{goal.id}:r", message=liisa.bot_messages()[-1])
    with _watched(harness, caplog) as watch:
        before = len(liisa.bot_messages())
        # The goal was reached: adding a step to it is refused after the press was answered.
        query_id = await liisa.press(data=f"gl:as:{goal.id}", message=liisa.bot_messages()[-1])
        await harness.settle()
    assert _answers(liisa, query_id) == [None]
    assert [m.text for m in liisa.bot_messages()[before:]] == [
        "This goal has moved on already. /goals shows where it stands."
    ]
    assert watch.refused() == []
    assert watch.errors() == []


async def test_pressing_the_same_option_twice_makes_no_refused_call(
    harness: Harness, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    world = await _world(harness, clock)
    liisa = world.desk.liisa
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "🏠 Everyday life")
    await press(harness, liisa, "A regular daily rhythm")
    await press(harness, liisa, "➖ No date")
    async with harness.db.session() as session:
        goal = (await session.exec(select(Goal))).one()
    saved = liisa.bot_messages()[-1]
    with _watched(harness, caplog) as watch:
        # Twice the same progress answer on the same message (a double tap).
        await press(harness, liisa, data=f"gl:p:{goal.id}:s", message=saved)
        await press(harness, liisa, data=f"gl:p:{goal.id}:s", message=saved)
        # Twice the same list in the same message.
        await say(harness, liisa, "/goals")
        listing = liisa.bot_messages()[-1]
        await press(harness, liisa, data="gl:all", message=listing)
        await press(harness, liisa, data="gl:all", message=listing)
        # Twice the same check-in answer.
        await say(harness, liisa, "✅ Check in")
        question = liisa.bot_messages()[-1]
        first = question.buttons[0][0].callback_data
        await press(harness, liisa, data=first, message=question)
        await press(harness, liisa, data=first, message=question)
    assert watch.refused() == []
    assert watch.errors() == []
    edits = harness.sandbox.calls_to("editMessageReplyMarkup")
    assert edits and all("parse_mode" not in call.params for call in edits)


async def test_a_database_error_writes_no_message_text_to_the_log(
    harness: Harness, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    world = await _world(harness, clock)
    secret = "Tuulikki-secret-words"
    async with harness.db.session() as session:
        connection = await session.connection()
        if harness.db.is_postgresql:
            await connection.execute(
                sa.text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
                )
            )
            await connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON relayed_message "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
        else:
            await connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON relayed_message "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
    caplog.set_level(logging.INFO)
    answers = await say(harness, world.desk.liisa, f"{secret}: I need help")
    assert answers, "the person is answered"
    assert any(record.levelno >= logging.ERROR for record in caplog.records)
    formatter = logging.Formatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "refused" in logged
    assert secret not in logged
