"""A stranger (someone without an invite) leaves nothing behind but what /language keeps.

Whatever they send or press, real buttons or forged ones, the bot answers kindly and stores
nothing about them: no person, no flow, no outbox row, no audit entry. Only the transport inbox
holds their updates while its retention lasts, and the counter of their wrong invite links while
it can still slow them down; the pruning pass takes both away.
"""

from __future__ import annotations

import datetime as dt
import random

from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from bot.services import people
from tests.support.actors import say
from tests.support.traces import all_rows
from tests.support.world import STRANGER_ID, build_world

# Every action the bot's buttons use, with ids of rows that exist in the world and ids that don't.
ACTIONS = (
    "inv", "sc", "pa", "lang", "cl", "nt", "ho", "fl", "hf", "rp", "gl", "cr", "to", "cs", "cw",
    "fu", "cg", "ob", "ch", "ci", "cn", "ea", "pm", "mt", "fg", "pl", "st",
)  # fmt: skip


def forged_presses(rng: random.Random) -> list[str]:
    data: list[str] = []
    for action in ACTIONS:
        for parts in (
            (),
            ("1",),
            ("2", "1"),
            ("p", "1"),
            ("c", "1", "0"),
            ("yes", "4", "29000000"),
            ("1", "done"),
            ("1", "x", "normal"),
            ("r", "1"),
            ("e", "2", "3"),
            ("n", "3"),
        ):
            data.append(":".join([action, *parts]))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789:_-."
    for _ in range(40):
        data.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 64))))
    return data


# The bot's facts about itself (its username, when its dispatcher last swept), not about anyone.
BOOKKEEPING = {"bot_state"}


def _added(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, list[str]]:
    """The rows of each table that were not there before."""
    added = {
        table: [row for row in rows if row not in before[table]]
        for table, rows in after.items()
        if table not in BOOKKEEPING
    }
    return {table: rows for table, rows in added.items() if rows}


async def _prune(harness: Harness) -> None:
    """One pass of the bot's own pruning job, at the clock's time."""
    assert harness.app.job_queue is not None
    (job,) = harness.app.job_queue.get_jobs_by_name("prune")
    await job.run(harness.app)


async def test_a_stranger_leaves_nothing_but_transport_rows_and_those_are_pruned(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    stranger = world.stranger
    async with harness.db.session() as session:
        before = await all_rows(session)
    rng = random.Random(20260302)
    await say(harness, stranger, "/language")
    for data in forged_presses(rng):
        await stranger.press(data=data)
    await harness.settle()
    for text in (
        "hello", "/start", "/help", "/mydata", "/forget", "/contact", "/ask", "/meeting",
        "/clients", "/invite Liisa", "/note", "/goal", "/goals", "/plan", "/progress", "/notes",
        "/schedule", "/pause", "/settings", "/consents", "/caseload", "/handover", "/transfer",
        "/cancel", "/inbox", "/language", "✅ Check in", "💬 Message my coach", "❓ Help",
        "I feel so bad today, I want to die", "<b>bold</b> & <i>",
    ):  # fmt: skip
        await say(harness, stranger, text)
    # Wrong invite links, until the bot makes them wait.
    for _ in range(5):
        await say(harness, stranger, "/start " + "".join(rng.choices("abcXYZ0189_-", k=43)))
    assert "Please wait 15 minutes" in stranger.bot_messages()[-1].visible_text
    await stranger.send_photo(caption="a photo")
    await stranger.send_sticker()
    await stranger.send_document(caption="my cv")
    sent = await stranger.send_text("to be edited")
    await harness.settle()
    await stranger.edit_text(sent, "edited")
    await harness.settle()

    async with harness.db.session() as session:
        added = _added(before, await all_rows(session))
    # The transport inbox, while its retention lasts, and the counter that slows down guessing;
    # the hundreds of presses at once were more than one chat may have waiting, so the stranger
    # was asked to wait (a message on its way out, transport too, holding no words once sent).
    busy = added.pop("outbox_message", [])
    assert all("'busy-notice'" in row and "'sent'" in row for row in busy), busy
    assert set(added) == {"inbox_update", "invite_attempt"}
    assert all(f", {STRANGER_ID}, {STRANGER_ID}, " in row for row in added["inbox_update"])
    assert [row.split(",")[0] for row in added["invite_attempt"]] == [f"({STRANGER_ID}"]

    # Choosing a language keeps the language, and nothing else about them.
    await stranger.press("🇬🇧 English")
    await harness.settle()
    async with harness.db.session() as session:
        person = await people.person_by_telegram_id(session, telegram_user_id=STRANGER_ID)
        assert person is not None and person.id is not None
        assert person.display_name is None
        assert (person.locale, person.locale_chosen) == ("en", True)
        assert await people.roles_of(session, person_id=person.id, now=clock.now()) == frozenset()
        added = _added(before, await all_rows(session))
    added.pop("outbox_message", None)
    assert set(added) == {"inbox_update", "invite_attempt", "person"}

    # While they must wait, the counter stays; once it can slow nobody down, it goes.
    clock.advance(dt.timedelta(minutes=10))
    await _prune(harness)
    async with harness.db.session() as session:
        assert set(_added(before, await all_rows(session))) - {"outbox_message"} == {
            "inbox_update",
            "invite_attempt",
            "person",
        }
    # After the retention times (48 hours for updates, 14 days for sent messages) only the
    # language is left.
    clock.advance(dt.timedelta(hours=49))
    await _prune(harness)
    async with harness.db.session() as session:
        added = _added(before, await all_rows(session))
    assert set(added) - {"outbox_message"} == {"person"}
    clock.advance(dt.timedelta(days=14))
    await _prune(harness)
    async with harness.db.session() as session:
        added = _added(before, await all_rows(session))
    assert set(added) == {"person"}
