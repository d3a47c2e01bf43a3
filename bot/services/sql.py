"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_ignoring_conflicts(
    session: AsyncSession,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    returning: sa.Column[Any] | None = None,
) -> list[Any]:
    """Insert rows, silently skipping those that collide with a unique key.

    With `returning`, the values of that column in the rows actually inserted.
    """
    if not rows:
        return []
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(list(rows)).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(list(rows)).on_conflict_do_nothing()
    if returning is None:
        await session.exec(stmt)
        return []
    result = await session.exec(stmt.returning(returning))
    return list(result.scalars().all())


def among(column: Any, ids: Sequence[int], dialect: str) -> sa.ColumnElement[bool]:
    """`column IN ids`: on PostgreSQL one array parameter (`= ANY(:ids)`), so a batch of hundreds
    binds one value and keeps one prepared statement whatever its size."""
    result: sa.ColumnElement[bool]
    if dialect == "postgresql":
        array = sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.Integer))
        result = column == sa.any_(array)
    else:
        result = column.in_(list(ids))
    return result


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table behind a SQLModel table class."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def dialect_name(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"
