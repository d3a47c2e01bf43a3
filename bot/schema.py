"""The schema is Alembic's: bring a database to the newest revision, or tell whether it is there."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.db import Database


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


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(db: Database) -> None:
    """Apply every migration the database lacks."""
    async with db.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)


async def is_current(db: Database) -> bool:
    """True when the database is at the newest revision."""
    return await current_revision(db) == head_revision()
