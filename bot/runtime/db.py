"""The database: one async engine and its sessions (SQLite with WAL and foreign keys, or
PostgreSQL through asyncpg), and the schema check against Alembic's head.

A SQLite file holds health data: its folder is made readable by the owner only (0700) and the
file itself is created 0600 before SQLite opens it. SQLite gives its -wal, -shm and -journal files
the mode of the database file, so they are the owner's only too.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

_LOGGER = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# Files SQLite keeps beside the database; they hold the same data.
SIDE_FILES = ("-wal", "-shm", "-journal")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the sender read while a handler writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _owner_only(path: Path, mode: int) -> None:
    """Take away what group and others may do with one of our files, if they may do anything."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & 0o077:
        try:
            path.chmod(current & mode)
        except PermissionError:
            _LOGGER.warning("cannot make %s readable by its owner only", path)


def prepare_sqlite_file(database: str) -> None:
    """Create the database's folder (0700) and the empty database file (0600) if missing.

    SQLite would create the file with 0644 minus the umask; an empty file is a valid database,
    and SQLite creates its -wal, -shm and -journal files with the database file's own mode.
    """
    path = Path(database)
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        _owner_only(folder, FOLDER_MODE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        _owner_only(path, FILE_MODE)
    else:
        os.close(fd)
    for suffix in SIDE_FILES:
        _owner_only(Path(f"{path}{suffix}"), FILE_MODE)


def make_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 10
) -> AsyncEngine:
    """An async engine for the URL, creating a SQLite file and its folder when needed.

    Bound parameters carry what people wrote; `hide_parameters` keeps them out of the engine's
    error messages and logs, so a failed statement cannot write a message's text to a log.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            prepare_sqlite_file(parsed.database)
        # One connection per process: SQLite takes one writer at a time anyway, and queueing
        # for the connection in asyncio is fair and quick, where SQLite's own busy handler
        # sleeps in growing steps. Never open a session inside another one.
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
    )


class Database:
    """The engine and a session factory, with a start/stop lifecycle."""

    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 10
    ) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on error."""
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
