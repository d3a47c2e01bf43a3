"""Looking for what must not be stored or shown: every row of every table as text, and the
check that none of a list of words reached a person."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

import bot.models  # noqa: F401 - every table, for all_rows


async def all_rows(session: AsyncSession) -> dict[str, list[str]]:
    """Every row of every table, as text, to look for what must not be stored."""
    found: dict[str, list[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = (await session.exec(sa.select(table))).all()  # type: ignore[call-overload]
        found[table.name] = [repr(tuple(row)) for row in rows]
    return found


async def tables_holding(session: AsyncSession, needle: str) -> list[str]:
    """The tables with a row that holds `needle` anywhere."""
    rows = await all_rows(session)
    return sorted(name for name, texts in rows.items() if any(needle in t for t in texts))


def assert_no_trace(seen: list[Any], forbidden: list[str]) -> None:
    """None of the forbidden words appears in what a person was shown."""
    for item in seen:
        shown = str(item)
        for word in forbidden:
            assert word not in shown, f"{word!r} leaked in {shown!r}"
