"""Scheduled faults: server errors, 403, 400, and timeouts with and without the call applied."""

from __future__ import annotations

import asyncio

import pytest
import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from bot.sandbox import FaultKind, Sandbox, SandboxUser


async def test_server_errors(sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser) -> None:
    sandbox.fail_next(1, FaultKind.SERVER_ERROR)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(anna.id, "first try")
    sandbox.fail_next(1, FaultKind.SERVER_ERROR, status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(anna.id, "second try")
    await bot.send_message(anna.id, "third try")
    assert [m.visible_text for m in anna.bot_messages()] == ["third try"]
    assert sandbox.faults_fired == 2
    statuses = [(c.status, c.fault) for c in sandbox.calls_to("sendMessage")]
    assert statuses == [(500, "server_error"), (502, "server_error"), (200, None)]
    assert sandbox.calls_to("sendMessage")[0].response == {
        "ok": False,
        "error_code": 500,
        "description": "Internal Server Error",
    }


async def test_forbidden_fault(sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser) -> None:
    sandbox.fail_next(1, FaultKind.FORBIDDEN)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(anna.id, "hi")
    assert anna.bot_messages() == []


async def test_bad_request_fault_is_refused_for_good(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sandbox.fail_next(1, FaultKind.BAD_REQUEST, methods="sendMessage")
    with pytest.raises(BadRequest, match="scheduled fault"):
        await bot.send_message(anna.id, "refused")
    await bot.send_message(anna.id, "then fine")
    assert [m.text for m in anna.bot_messages()] == ["then fine"]


async def test_a_deleted_message_cannot_be_copied(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sent = await anna.send_text("gone soon")
    anna.delete_message(sent)
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(anna.id, from_chat_id=anna.id, message_id=sent.message_id)


async def test_timeout_drop_does_not_apply_the_call(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sandbox.fail_next(1, FaultKind.TIMEOUT_DROP)
    with pytest.raises(TimedOut):
        await bot.send_message(anna.id, "lost", read_timeout=0.2)
    assert anna.bot_messages() == []
    await bot.get_updates(offset=sandbox.next_update_id)  # confirm /start, for wait_idle
    await sandbox.wait_idle(quiet=0.01, timeout=1)  # the server noticed the client left
    assert sandbox.in_flight_requests == 0
    assert sandbox.calls_to("sendMessage")[-1].status is None
    await bot.send_message(anna.id, "retried")
    assert [m.visible_text for m in anna.bot_messages()] == ["retried"]


async def test_timeout_hang_applies_the_call(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sandbox.fail_next(1, FaultKind.TIMEOUT_HANG)
    with pytest.raises(TimedOut):
        await bot.send_message(anna.id, "delivered, unconfirmed", read_timeout=0.2)
    # The person got it although the bot never heard back: a retry would duplicate it.
    assert [m.visible_text for m in anna.bot_messages()] == ["delivered, unconfirmed"]
    assert sandbox.calls_to("sendMessage")[-1].fault == "timeout_hang"


async def test_hang_ends_after_hang_seconds_without_a_response(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sandbox.hang_seconds = 0.1
    sandbox.fail_next(1, FaultKind.TIMEOUT_DROP)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(anna.id, "x", read_timeout=2)
    assert not isinstance(caught.value, TimedOut)  # the connection closed, no answer came


async def test_stop_releases_hanging_requests() -> None:
    sandbox = Sandbox(flood=None, hang_seconds=30)
    await sandbox.start()
    person = sandbox.add_user(first_name="Anna")
    await person.send_text("hi")
    async with telegram.Bot(sandbox.token, base_url=sandbox.base_url) as bot:
        sandbox.fail_next(1, FaultKind.TIMEOUT_DROP)
        call = asyncio.create_task(bot.send_message(person.id, "x", read_timeout=10))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(sandbox.stop(), 2)
        with pytest.raises(NetworkError):
            await call


async def test_faults_match_methods_and_chats(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    ville = sandbox.add_user(first_name="Ville")
    await ville.send_text("hi")
    sandbox.fail_next(2, FaultKind.SERVER_ERROR, methods=["sendPhoto"], chat_id=ville.id)
    await bot.send_message(ville.id, "text is not affected")
    await bot.send_photo(anna.id, photo=b"\x89PNG")  # another chat is not affected
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_photo(ville.id, photo=b"\x89PNG")
    await bot.send_photo(ville.id, photo=b"\x89PNG")
    assert sandbox.faults_fired == 2 and sandbox.faults_pending == 0


async def test_polling_is_spared_unless_named(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sandbox.fail_next(1, FaultKind.SERVER_ERROR)
    assert len(await bot.get_updates()) == 1
    assert sandbox.faults_pending == 1
    sandbox.clear_faults()
    sandbox.fail_next(1, FaultKind.SERVER_ERROR, methods="getUpdates")
    with pytest.raises(NetworkError):
        await bot.get_updates()
    assert sandbox.faults_fired == 1


async def test_invalid_calls_do_not_use_up_faults(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sandbox.fail_next(1, FaultKind.SERVER_ERROR)
    with pytest.raises(telegram.error.BadRequest):
        await bot.send_message(anna.id, "x" * 5000)
    assert sandbox.faults_fired == 0 and sandbox.faults_pending == 1
