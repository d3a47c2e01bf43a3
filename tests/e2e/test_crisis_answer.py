"""The crisis answer in the person's language, with the right numbers and hours: 112 and the
Finnish line round the clock in Finnish; MIELI's Swedish or English line with its hours in
Swedish and English, and the Finnish line for when that is closed (said first when it is closed
now). An organisation's own numbers and hours replace the defaults in every language, and a
number whose hours were not given is never said to answer day and night. An organisation can
switch the worry tier off or move a rule.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.models.flags import Flag, FlagKind
from bot.models.people import Organisation
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import organisations
from tests.support.moments import utc

pytestmark = pytest.mark.asyncio

ORGANISATION = "Työpaja Kivi"


@dataclass
class World:
    coach: SandboxUser
    clients: dict[str, SandboxUser]  # by the client's own language


@pytest.fixture
async def world(harness: Harness, clock: ManualClock) -> AsyncIterator[World]:
    clock.set(utc(2026, 3, 2, 7, 0))  # Monday 2 March, 09:00 in Helsinki
    coach = harness.sandbox.add_user(first_name="Kaisa", language_code="fi")
    harness.sandbox.mark_started(coach.id)
    clients = {}
    for locale, name in (("fi", "Liisa"), ("sv", "Stina"), ("en", "Emma")):
        user = harness.sandbox.add_user(first_name=name, language_code=locale)
        harness.sandbox.mark_started(user.id)
        async with harness.db.session() as session:
            await seed(
                session,
                coach_telegram_id=coach.id,
                coach_name="Kaisa Virtanen",
                client_telegram_id=user.id,
                client_name=name,
                organisation_name=ORGANISATION,
                locale=locale,
                timezone="Europe/Helsinki",
                now=clock.now(),
            )
        clients[locale] = user
    yield World(coach, clients)


async def _answer(harness: Harness, user: SandboxUser, words: str) -> str:
    before = len(user.bot_messages())
    await user.send_text(words)
    await harness.settle()
    return user.bot_messages()[before].text or ""


async def _configure(harness: Harness, clock: ManualClock, **settings: object) -> None:
    async with harness.db.session() as session:
        await organisations.configure(
            session,
            name=ORGANISATION,
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="fi",
            **settings,  # type: ignore[arg-type]
        )


async def test_each_language_gets_its_own_line_with_its_hours(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    # Monday 09:00 in Helsinki: the Swedish and the English lines are closed.
    fi = await _answer(harness, world.clients["fi"], "haluun vaan kuolla")
    assert fi == (
        "💛 Olen huolissani sinusta.\n\n"
        "Jos olet nyt vaarassa, soita 112.\n\n"
        "Voit myös soittaa: MIELI Kriisipuhelin, numero 09 2525 0111. "
        "Siellä vastataan joka päivä, ympäri vuorokauden.\n\n"
        "Kerroin valmentajallesi. Hän ottaa sinuun yhteyttä."
    )
    sv = await _answer(harness, world.clients["sv"], "jag vill bara dö")
    assert sv == (
        "💛 Jag är orolig för dig.\n\n"
        "Om du är i fara nu, ring 112.\n\n"
        "Du kan ringa MIELI Kristelefon (svenska) på 09 2525 0112. "
        "De svarar mån och ons kl. 16.00–20.00; tis, tors och fre kl. 9.00–13.00.\n\n"
        "Den är stängd just nu. Du kan ringa MIELI Kriisipuhelin på 09 2525 0111 i stället, "
        "på finska. De svarar varje dag, dygnet runt.\n\n"
        "Jag har berättat för din coach. Hen kontaktar dig."
    )
    en = (await _answer(harness, world.clients["en"], "i want to end my life")).replace(
        "\u202f", " "
    )
    assert en.startswith("💛 I am worried about you.\n\nIf you are in danger now, call 112.")
    assert (
        "You can call MIELI Crisis Helpline (English) at 09 2525 0116. They answer Fri "
        "09:00–13:00." in en
    )
    assert (
        "It is closed right now. You can call MIELI Kriisipuhelin at 09 2525 0111 instead, in "
        "Finnish. They answer every day, round the clock." in en
    )


async def test_while_the_line_is_open_the_finnish_line_is_for_when_it_closes(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    clock.set(utc(2026, 3, 2, 14, 30))  # Monday 16:30 in Helsinki: the Swedish line is open
    sv = await _answer(harness, world.clients["sv"], "jag vill inte leva längre")
    assert "Den är stängd just nu" not in sv
    assert "När den är stängd kan du ringa MIELI Kriisipuhelin på 09 2525 0111, på finska." in sv
    clock.set(utc(2026, 3, 6, 9, 0))  # Friday 11:00: the English line is open
    en = await _answer(harness, world.clients["en"], "i want to kill myself")
    assert "When it is closed, you can call MIELI Kriisipuhelin at 09 2525 0111, in Finnish." in en


async def test_an_organisations_own_numbers_and_hours_replace_the_defaults_everywhere(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    # Its own emergency and main numbers, without hours: none are promised for them.
    await _configure(
        harness,
        clock,
        emergency_number="112 (hätänumero)",
        crisis_line_name="Kriisikeskus Apu",
        crisis_line_number="0800 123 456",
    )
    fi = await _answer(harness, world.clients["fi"], "tapan itteni")
    assert "Voit myös soittaa: Kriisikeskus Apu, numero 0800 123 456.\n\n" in fi
    assert "soita 112 (hätänumero)." in fi
    for words in ("en jaksa enää elää", "itsari"):  # no hours, never "round the clock"
        assert "vuorokauden" not in await _answer(harness, world.clients["fi"], words)
    sv = await _answer(harness, world.clients["sv"], "jag vill dö")
    assert "Du kan ringa Kriisikeskus Apu på 0800 123 456 i stället." in sv  # not "på finska"
    assert "09 2525 0111" not in sv and "dygnet runt" not in sv
    en = await _answer(harness, world.clients["en"], "i want to die")
    assert "You can call Kriisikeskus Apu at 0800 123 456 instead." in en
    assert "09 2525 0111" not in en

    # Then hours for it, and lines of its own in Swedish and English.
    await _configure(
        harness,
        clock,
        crisis_line_hours="mon-fri 8-16",
        language_lines={
            "sv": {"name": "Kristelefonen", "number": "0800 222 333", "hours": "24/7"},
            "en": {"number": "0800 444 555"},
        },
    )
    fi = await _answer(harness, world.clients["fi"], "haluun kuolla")
    assert "Siellä vastataan ma–pe klo 8.00–16.00." in fi
    sv = await _answer(harness, world.clients["sv"], "jag vill dö")
    assert "Du kan ringa Kristelefonen på 0800 222 333. De svarar varje dag, dygnet runt." in sv
    assert "När den är stängd kan du ringa Kriisikeskus Apu på 0800 123 456." in sv
    en = await _answer(harness, world.clients["en"], "i want to die")
    # A number of its own without hours: no hours said, and so nothing said of being closed.
    assert "You can call MIELI Crisis Helpline (English) at 0800 444 555.\n\n" in en
    assert "When it is closed, you can call Kriisikeskus Apu at 0800 123 456." in en


async def test_an_organisation_can_switch_worry_off_and_move_a_rule(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    await _configure(harness, clock, tiers={"worry": False}, rules={"fi.want_to_die": "worry"})
    client = world.clients["fi"]
    before = len(client.bot_messages())
    await client.send_text("en jaksa mitään")
    await harness.settle()
    assert not any("💛" in (m.text or "") for m in client.bot_messages()[before:])
    # The rule moved to worry, and worry is off: nothing either.
    await client.send_text("haluan kuolla")
    await harness.settle()
    assert not any("💛" in (m.text or "") for m in client.bot_messages()[before:])
    # Other words of crisis still get the answer.
    assert (await _answer(harness, client, "tapan itteni")).startswith("💛 Olen huolissani")
    async with harness.db.session() as session:
        kinds = [f.kind for f in (await session.exec(select(Flag))).all()]
        organisation = (
            await session.exec(select(Organisation).where(Organisation.name == ORGANISATION))
        ).one()
    assert kinds == [FlagKind.CRISIS]
    assert organisation.settings["crisis_words"] == {
        "worry": False,
        "rules": {"fi.want_to_die": "worry"},
    }
