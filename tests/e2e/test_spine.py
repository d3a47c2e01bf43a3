"""The spine of the bot, end to end: real python-telegram-bot over HTTP against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from telegram import Update
from telegram.ext import CommandHandler

from bot.devtools.harness import Harness
from bot.models.people import Person
from bot.models.transport import InboxStatus, InboxUpdate
from bot.runtime.context import Context
from bot.sandbox import SandboxUser
from bot.services import people
from tests.support.actors import say, text_of

pytestmark = pytest.mark.asyncio


async def _say(harness: Harness, user: SandboxUser, text: str) -> str:
    """Say it; the bot's answer (there must be one) as one text."""
    new = await say(harness, user, text)
    assert new, f"no answer to {text!r}"
    return text_of(new)


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [
        ("fi", "Tarvitset kutsulinkin työvalmentajaltasi"),
        ("sv", "Du behöver en inbjudningslänk från din arbetscoach"),
        ("en", "you need an invite link from your job coach"),
        ("de", "Tarvitset kutsulinkin työvalmentajaltasi"),  # not one of ours: Finnish
        (None, "Tarvitset kutsulinkin työvalmentajaltasi"),
    ],
)
async def test_a_strangers_start_is_answered_kindly_in_their_language(
    harness: Harness, language_code: str | None, expected: str
) -> None:
    user = harness.sandbox.add_user(first_name="Stranger", language_code=language_code)
    answer = await _say(harness, user, "/start")
    assert expected in answer
    # Nothing is stored about a stranger who only said hello.
    async with harness.db.session() as session:
        assert await people.person_by_telegram_id(session, telegram_user_id=user.id) is None


async def test_help_depends_on_the_role(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    coach = harness.sandbox.add_user(first_name="Kaisa", language_code="en")
    async with harness.db.session() as session:
        await people.add_coach(
            session,
            telegram_user_id=coach.id,
            name="Kaisa <Coach & Co>",
            organisation_name="Workshop",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
        )
    stranger = harness.sandbox.add_user(first_name="Anna", language_code="en")
    coach_help = await _say(harness, coach, "/help")
    stranger_help = await _say(harness, stranger, "/help")
    assert "You are a job coach here." in coach_help
    assert "/language" in coach_help
    assert "invite link" in stranger_help
    assert "job coach here" not in stranger_help
    # A name with markup characters is shown as written, not as broken HTML.
    assert "Hello, Kaisa <Coach & Co>! 👋" in await _say(harness, coach, "/start")


async def test_language_choice_is_kept_across_a_restart(harness: Harness) -> None:
    user = harness.sandbox.add_user(first_name="Sanna", language_code="fi")
    await _say(harness, user, "/language")
    offered = user.last_bot_message()
    assert offered is not None
    assert [b.text for row in offered.buttons for b in row] == [
        "🇫🇮 Suomi",
        "🇸🇪 Svenska",
        "🇬🇧 English",
    ]
    await user.press("🇸🇪 Svenska")
    await harness.settle()
    assert user.last_bot_message().text == "Okej! Nu talar jag svenska med dig."  # type: ignore[union-attr]
    await harness.restart_bot()
    answer = await _say(harness, user, "/start")
    assert "Du behöver en inbjudningslänk" in answer
    async with harness.db.session() as session:
        person = await people.person_by_telegram_id(session, telegram_user_id=user.id)
    # A stranger's choice keeps only their Telegram id and language.
    assert person is not None
    assert (person.locale, person.display_name, person.locale_chosen) == ("sv", None, True)
    # Their chat now has its own menu in Swedish, since their app speaks Finnish.
    menu = harness.sandbox.commands({"type": "chat", "chat_id": user.id})
    assert ("language", "Byt språk") in menu


async def test_menus_are_registered_per_language(harness: Harness) -> None:
    private = {"type": "all_private_chats"}
    assert ("help", "Mitä osaan") in harness.sandbox.commands(private, "fi")
    assert ("help", "Vad jag kan göra") in harness.sandbox.commands(private, "sv")
    assert ("help", "What I can do") in harness.sandbox.commands(private, "en")
    assert ("help", "Mitä osaan") in harness.sandbox.commands(private)


async def test_unknown_command_and_other_input_get_an_answer(harness: Harness) -> None:
    user = harness.sandbox.add_user(first_name="Olli", language_code="en")
    assert "I do not know the command /dance" in await _say(harness, user, "/dance now")
    before = len(user.bot_messages())
    await user.send_sticker(emoji="👍")
    await harness.settle()
    assert "invite link" in (user.bot_messages()[before].text or "")


async def test_a_stale_or_forged_button_is_answered(harness: Harness) -> None:
    user = harness.sandbox.add_user(first_name="Eeva", language_code="en")
    await _say(harness, user, "/language")
    offered = user.last_bot_message()
    assert offered is not None
    await user.press(data="lang:xx", message=offered)
    await user.press(data="goal:999", message=offered)
    await harness.settle()
    assert user.callback_answers[-2:] == ["This button no longer works."] * 2
    async with harness.db.session() as session:
        assert await people.person_by_telegram_id(session, telegram_user_id=user.id) is None


async def test_a_failing_handler_is_answered_with_an_apology(harness: Harness) -> None:
    async def broken(update: Update, context: Context) -> None:
        """A feature with a bug."""
        raise RuntimeError("bug in a feature")

    harness.app.add_handler(CommandHandler("broken", broken), group=-1)
    user = harness.sandbox.add_user(first_name="Ville", language_code="sv")
    answer = await _say(harness, user, "/broken")
    assert answer == "Förlåt, något gick fel hos mig. Försök igen om en stund."
    # The bot keeps serving.
    assert "Vad jag kan göra" not in answer
    assert "arbetscoach" in await _say(harness, user, "/help")
    async with harness.db.session() as session:
        rows = (await session.exec(select(InboxUpdate))).all()
    assert rows and all(r.status == InboxStatus.DONE for r in rows)


async def test_a_button_pressed_while_the_bot_was_down_still_works(harness: Harness) -> None:
    user = harness.sandbox.add_user(first_name="Pekka", language_code="fi")
    await _say(harness, user, "/language")
    await harness.stop_bot()
    await user.press("🇬🇧 English")
    # By the time the bot is back, Telegram no longer accepts an answer to the press.
    harness.sandbox.expire_callback_queries()
    await harness.start_bot()
    await harness.settle()
    assert user.last_bot_message().text == "OK! From now on I speak English with you."  # type: ignore[union-attr]
    answers = [c for c in harness.sandbox.calls if c.method == "answerCallbackQuery"]
    assert answers and answers[-1].status == 400
    async with harness.db.session() as session:
        person = (
            await session.exec(select(Person).where(Person.telegram_user_id == user.id))
        ).one()
    assert person.locale == "en"


async def test_a_coach_gets_the_coach_menu_in_their_chat(harness: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    coach = harness.sandbox.add_user(first_name="Kaisa", language_code="fi")
    async with harness.db.session() as session:
        await people.add_coach(
            session,
            telegram_user_id=coach.id,
            name="Kaisa",
            organisation_name="Työpaja",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="fi",
        )
    await _say(harness, coach, "/help")
    menu = harness.sandbox.commands({"type": "chat", "chat_id": coach.id})
    assert ("help", "Mitä voit tehdä täällä") in menu
    # Registered once, not again for every message.
    await _say(harness, coach, "/help")
    calls = [
        c
        for c in harness.sandbox.calls_to("setMyCommands")
        if c.params.get("scope", {}).get("type") == "chat"
    ]
    assert len(calls) == 1


async def test_updates_the_bot_does_not_handle_never_reach_it(harness: Harness) -> None:
    """Telegram is asked only for what the bot handles: nothing else lands in the inbox."""
    user = harness.sandbox.add_user("Liisa", language_code="en")
    chat = {"id": user.id, "type": "private", "first_name": "Liisa"}
    sender = {"id": user.id, "is_bot": False, "first_name": "Liisa"}
    unwanted: dict[str, dict[str, Any]] = {
        "inline_query": {"id": "9", "from": sender, "query": "my secret", "offset": ""},
        "message_reaction": {
            "chat": chat,
            "message_id": 1,
            "user": sender,
            "date": 1,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        },
        "chat_join_request": {"chat": chat, "from": sender, "user_chat_id": user.id, "date": 1},
        "poll_answer": {"poll_id": "1", "user": sender, "option_ids": [0]},
        "business_message": {"message_id": 5, "date": 1, "chat": chat, "text": "my secret"},
        "chat_member": {
            "chat": chat,
            "from": sender,
            "date": 1,
            "old_chat_member": {"status": "left", "user": sender},
            "new_chat_member": {"status": "member", "user": sender},
        },
    }
    for kind, payload in unwanted.items():
        assert harness.sandbox.push_update(kind, payload) is None, kind
    assert harness.sandbox.updates.allows("callback_query")
    assert harness.sandbox.updates.allows("my_chat_member")
    assert "Hello" in await _say(harness, user, "/start")
    async with harness.db.session() as session:
        rows = (await session.exec(select(InboxUpdate))).all()
    assert [sorted(set(row.payload) - {"update_id"}) for row in rows] == [["message"]]
