"""The schema: migrations reach head; a table rebuilt on SQLite keeps the rows referring to it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel, func, select

from bot.models.people import Person
from bot.models.transport import OutboxMessage
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.runtime.schema import head_revision, is_current, migrate, upgrade
from bot.services import outbox

VERSIONS = Path(__file__).resolve().parents[2] / "bot" / "migrations" / "versions"
NEWEST = max(p.name for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


async def test_the_test_database_is_at_head(db: Database) -> None:
    # One line of migrations (a second head would make get_current_head fail), ending with the
    # newest file.
    assert head_revision() == NEWEST[:4]
    assert await is_current(db)


async def test_rebuilding_a_table_keeps_the_rows_that_refer_to_it(
    tmp_path: Path, clock: ManualClock
) -> None:
    # Only SQLite rebuilds a table to change it: this runs on SQLite whatever the suite's database.
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'rebuild.sqlite3'}")
    await upgrade(db)
    async with db.session() as session:
        person = Person(telegram_user_id=1, chat_id=1)
        session.add(person)
        await session.flush()
        await outbox.enqueue(
            session,
            chat_id=1,
            method="sendMessage",
            payload={"text": "hi"},
            now=clock.now(),
            person_id=person.id,
        )

    def rebuild_person(connection: Connection) -> None:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("person", recreate="always") as batch:
            batch.add_column(sa.Column("nickname", sa.String(20), nullable=True))

    await migrate(db, rebuild_person)
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(OutboxMessage))).one() == 1
        assert (await session.exec(select(func.count()).select_from(Person))).one() == 1
    await db.dispose()


async def test_the_migrations_build_exactly_the_tables_of_the_models(db: Database) -> None:
    """A change to the models without a migration (or the other way round) fails here."""
    import bot.models  # noqa: F401 - every table in the metadata

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with db.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == []
