"""Groups and strangers, end to end: in a group chat the bot answers only the commands meant for
groups (a note that it works in private chats) and never posts anyone's content there; a
stranger's private message gets the no-invite answer, and nothing they wrote is kept beyond the
transport inbox, which forgets it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models import Person, RelayedMessage
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxChat
from bot.services import inbox
from tests.support.actors import say, texts
from tests.support.traces import assert_no_trace, tables_holding
from tests.support.world import World, build_world

pytestmark = pytest.mark.asyncio

NOTE = "Hello! 👋 I work only in private chats, so that what people tell me stays private."
SECRET = "Lisu-secret"


async def _team(harness: Harness, clock: ManualClock) -> tuple[World, SandboxChat]:
    world = await build_world(harness, clock)
    group = harness.sandbox.add_group(
        "Työpaja team", [world.x, world.y, world.a, world.b, world.stranger]
    )
    return world, group


async def test_a_group_gets_only_the_note_about_private_chats(
    harness: Harness, clock: ManualClock
) -> None:
    world, group = await _team(harness, clock)
    for user, command in (
        (world.a, "/help"),
        (world.stranger, "/start"),
        (world.x, "/help@companion_test_bot"),
    ):
        answer = await say(harness, user, command, chat_id=group.id)
        assert texts(answer) == [
            f"{NOTE}\nOpen a private chat with me: https://t.me/companion_test_bot"
        ], command
        assert not answer[0].has_inline_keyboard
    assert harness.sandbox.chat(group.id).reply_keyboard is None

    # Another bot's command, personal commands, text and media: no answer in the group at all.
    for user, command in (
        (world.a, "/help@some_other_bot"),
        (world.a, "/mydata"),
        (world.a, "/forget"),
        (world.a, "/notes"),
        (world.x, "/clients"),
        (world.x, "/inbox"),
        (world.x, "/invite Maija"),
        (world.a, f"{SECRET}: I am feeling low today"),
        (world.stranger, "anyone here?"),
    ):
        assert await say(harness, user, command, chat_id=group.id) == [], command
    await world.a.send_photo(caption=f"{SECRET} photo", chat_id=group.id)
    await world.a.send_voice(chat_id=group.id)
    await harness.settle()

    bot_posts = [m for m in harness.sandbox.chat_messages(group.id) if m.from_bot]
    assert len(bot_posts) == 3
    assert [m.kind for m in bot_posts] == ["text"] * 3
    assert_no_trace(texts(bot_posts), ["Liisa", "Lisu", "Pekka", "Kaisa", SECRET])
    # Nothing written in the group went to a coach, and no document went anywhere.
    assert texts(world.x.bot_messages()) == []
    assert all(m.kind != "document" for m in world.a.bot_messages())
    assert harness.sandbox.calls_to("sendDocument") == []
    async with harness.db.session() as session:
        assert (await session.exec(select(RelayedMessage))).all() == []
        assert await tables_holding(session, SECRET) == ["inbox_update"]


async def test_a_button_pressed_in_a_group_is_refused_privately(
    harness: Harness, clock: ManualClock
) -> None:
    world, group = await _team(harness, clock)
    [note] = await say(harness, world.a, "/help", chat_id=group.id)
    await say(harness, world.a, f"{SECRET}: a message for my coach")
    async with harness.db.session() as session:
        message = (await session.exec(select(RelayedMessage))).one()
    before = len(harness.sandbox.chat_messages(group.id))
    # The coach presses a (forged) Reply button in the group: it would otherwise name the client.
    for user, data in (
        (world.x, f"rp:{message.id}"),
        (world.a, f"fg:yes:{world.ids['a']}:0"),
        (world.x, "lang:en"),
    ):
        await user.press(data=data, message=note)
        await harness.settle()
        assert user.callback_answers[-1] == "This works only in a private chat with me.", data
    assert len(harness.sandbox.chat_messages(group.id)) == before
    async with harness.db.session() as session:
        assert await session.get(Person, world.ids["a"]) is not None


async def test_a_strangers_words_are_not_kept(harness: Harness, clock: ManualClock) -> None:
    world = await build_world(harness, clock)
    stranger = world.stranger
    secret = "stranger-secret: my name is Sami and my number is 040 123"
    answer = await say(harness, stranger, secret)
    assert "you need an invite link from your job coach" in answer[0].visible_text
    await stranger.send_photo(caption="stranger-secret photo")
    await stranger.send_document(file_name="cv.pdf", caption="stranger-secret cv")
    await harness.settle()
    assert all("invite link" in m.visible_text for m in stranger.bot_messages())
    assert len(stranger.bot_messages()) == 3
    async with harness.db.session() as session:
        # Only the transport inbox holds what they wrote; no person, no message, no name.
        assert await tables_holding(session, "stranger-secret") == ["inbox_update"]
        assert await tables_holding(session, "Sami") == ["inbox_update"]
        people = (
            await session.exec(select(Person).where(Person.telegram_user_id == stranger.id))
        ).all()
        assert people == []
    # No coach heard anything.
    for coach in (world.x, world.y, world.admin):
        assert coach.bot_messages() == []

    # The inbox forgets handled updates after its retention time.
    clock.advance(dt.timedelta(hours=harness.settings.inbox_retention_hours + 1))
    async with harness.db.session() as session:
        pruned = await inbox.prune(
            session,
            finished_before=clock.now()
            - dt.timedelta(hours=harness.settings.inbox_retention_hours),
        )
    assert pruned >= 3
    async with harness.db.session() as session:
        assert await tables_holding(session, "stranger-secret") == []
        assert await tables_holding(session, "Sami") == []


async def test_a_stranger_may_keep_only_their_language(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    await say(harness, world.stranger, "/language")
    await world.stranger.press("🇸🇪 Svenska")
    await harness.settle()
    answer = await say(harness, world.stranger, "hej, vem är du?")
    assert "inbjudningslänk" in answer[0].visible_text
    async with harness.db.session() as session:
        [person] = (
            await session.exec(select(Person).where(Person.telegram_user_id == world.stranger.id))
        ).all()
        assert (person.locale, person.display_name) == ("sv", None)
        assert await tables_holding(session, "vem är du") == ["inbox_update"]
