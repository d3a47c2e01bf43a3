"""Column types and helpers shared by every table: UTC timestamps, JSON, string enums, ids.

Conventions every table follows:
- table names are singular snake_case; primary keys are ``id`` (integer) unless a natural key fits;
- timestamps are timezone-aware UTC datetimes stored with :class:`UTCDateTime`;
- enumerations are :class:`enum.StrEnum` stored as short strings (no native database enums, so a
  later migration can add a member without rewriting a type);
- Telegram ids are 64-bit (:data:`BigInt`);
- free-form structured data is JSON (JSONB on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""64-bit integer; on SQLite plain INTEGER so that an INTEGER PRIMARY KEY stays the rowid."""

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """The wall clock in UTC; services pass the injected clock's time instead where it matters."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no timezone type, so values are stored as naive UTC there and made aware on load;
    PostgreSQL stores ``timestamptz``. A naive value given to the database is refused: it is a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        stored: dt.datetime = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return stored.replace(tzinfo=None)
        return stored

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        loaded: dt.datetime = value
        if loaded.tzinfo is None:
            return loaded.replace(tzinfo=dt.UTC)
        return loaded.astimezone(dt.UTC)


def enum_column(length: int = 32) -> sa.String:
    """The column type of a StrEnum field: a plain short string."""
    return sa.String(length)
