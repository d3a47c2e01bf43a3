"""The schema is Alembic's: bring a database to the newest revision, or tell whether it is there."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.runtime.db import Database


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations inside the installed package."""
    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


class ForeignKeyViolation(RuntimeError):
    """A migration left rows that point at nothing; it was rolled back."""


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def migrate(db: Database, action: Callable[[Connection], None]) -> None:
    """Run schema changes in one transaction.

    On SQLite, foreign keys are switched off meanwhile: Alembic changes a table there by copying
    it and dropping the old one, and with foreign keys on that drop would cascade into every row
    that refers to it. The references are checked before the change is committed.
    """
    sqlite = db.engine.dialect.name == "sqlite"
    async with db.engine.connect() as connection:
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await connection.run_sync(action)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    await connection.rollback()
                    raise ForeignKeyViolation(f"{len(broken)} rows refer to missing rows")
            await connection.commit()
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


async def upgrade(db: Database) -> None:
    """Apply every migration the database lacks."""
    await migrate(db, _upgrade)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)


async def is_current(db: Database) -> bool:
    """True when the database is at the newest revision."""
    return await current_revision(db) == head_revision()
