"""Random sequences of what people do, through the sandbox: every message and press is
answered, nothing is logged as an error, Telegram would refuse no call, and no client's words
reach anyone but them and their coach.

Each example runs in a fresh world (a fresh database and sandbox), so that hypothesis can shrink
a failing sequence to the few steps that matter.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import uuid
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import normalise_database_url
from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from bot.sandbox import FloodLimits
from tests.support.fuzz_campaign import ACTORS, KINDS, PIECES, Campaign, Step

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

steps = st.lists(
    st.builds(
        Step,
        actor=st.integers(0, len(ACTORS) - 1),
        kind=st.sampled_from(KINDS),
        pick=st.integers(0, (1 << 16) - 1),
        words=st.lists(st.integers(0, len(PIECES) - 1), min_size=1, max_size=5).map(tuple),
        length=st.sampled_from((0, 0, 0, 100, 4097)),
    ),
    min_size=1,
    max_size=12,
)


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


async def _example(template: str, folder: Path, sequence: list[Step]) -> Campaign:
    import os

    pg = os.environ.get("TEST_DATABASE_URL")
    name = f"companion_f_{uuid.uuid4().hex[:10]}"
    if pg:
        pg = normalise_database_url(pg)
        await _admin(pg, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = make_url(pg).set(database=name).render_as_string(hide_password=False)
    else:
        target = folder / f"{name}.sqlite3"
        shutil.copyfile(template, target)
        url = f"sqlite+aiosqlite:///{target}"
    clock = ManualClock(START)
    harness = await Harness.create(
        database_url=url,
        clock=clock,
        rate_global_per_second=1000.0,
        rate_per_chat_per_second=100.0,
        rate_per_chat_burst=100,
        rate_per_group_per_minute=6000.0,
    )
    harness.sandbox.flood = FloodLimits(
        global_per_second=1000,
        per_chat_per_second=100,
        per_chat_burst=100,
        per_group_per_minute=6000,
    )
    campaign: Campaign | None = None
    try:
        await harness.start_bot()
        await harness.settle()
        campaign = await Campaign.start(harness, clock)
        await campaign.run(sequence)
        return campaign
    finally:
        if campaign is not None:
            campaign.close()
        await harness.close()
        if pg:
            await _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    # Each example starts a world of its own (seconds): a failure is reported as found, with
    # its steps, instead of minutes of shrinking.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_random_sequences_are_answered_and_leak_nothing(
    migrated_template: str, tmp_path: Path, sequence: list[Step]
) -> None:
    campaign = asyncio.run(_example(migrated_template, tmp_path, sequence))
    assert campaign.summary() | {"updates": 0} == {
        "updates": 0,
        "errors": 0,
        "unanswered": 0,
        "spec_violations": 0,
        "leaks": 0,
    }, campaign.problems
