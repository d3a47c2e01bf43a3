"""The SQLite database holds health data: its folder, the file and the files SQLite keeps beside
it (-wal, -shm, -journal) are readable by their owner only, whatever the umask.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.runtime.db import Database
from bot.runtime.schema import upgrade


def mode(path: Path) -> int | None:
    """The permission bits of a file or folder, None when it does not exist."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def plant(path: Path, permissions: int) -> None:
    path.touch()
    os.chmod(path, permissions)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask, so that nothing but the code itself keeps files private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("open_umask")
async def test_a_new_database_and_its_folder_are_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "companion.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(db)
        async with db.engine.connect() as connection:
            # A write keeps the write-ahead log and its index in the folder while connected.
            await connection.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
            await connection.commit()
            side_files = [Path(f"{path}{s}") for s in ("-wal", "-shm")]
            assert {p.name: mode(p) for p in side_files} == {p.name: 0o600 for p in side_files}
    finally:
        await db.dispose()
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600


@pytest.mark.usefixtures("open_umask")
async def test_a_rollback_journal_is_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "companion.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA journal_mode=DELETE")
            await connection.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
            await connection.commit()
            await connection.exec_driver_sql("PRAGMA journal_mode=PERSIST")
            await connection.exec_driver_sql("INSERT INTO scratch VALUES (1)")
            await connection.commit()
            assert mode(Path(f"{path}-journal")) == 0o600
    finally:
        await db.dispose()


@pytest.mark.usefixtures("open_umask")
async def test_an_existing_database_open_to_others_is_closed_to_them(tmp_path: Path) -> None:
    path = tmp_path / "companion.sqlite3"
    plant(path, 0o666)
    wal = Path(f"{path}-wal")
    plant(wal, 0o644)
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.session() as session:
            await session.exec(sa.text("SELECT 1"))  # type: ignore[call-overload]
    finally:
        await db.dispose()
    assert mode(path) == 0o600
    assert mode(wal) == 0o600
