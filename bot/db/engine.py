"""The database engine and its unit-of-work sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 15_000

# Set while a unit of work is open in this task: a second one would wait for the first's
# write lock forever (SQLite) or see a different snapshot (PostgreSQL).
_in_transaction: ContextVar[bool] = ContextVar("in_transaction", default=False)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys and immediate write transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True)

    engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite, whose deferred BEGIN makes concurrent
        # read-then-write transactions fail with "database is locked" or lose updates.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every unit of work may write, so it takes the write lock up front and waits its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """Owns the engine and hands out one session per unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> Database:
        """Build a database for ``url``."""
        return cls(create_engine(url, echo=echo))

    @property
    def dialect(self) -> str:
        """Return the backend name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a session in a transaction that commits on success and rolls back on error."""
        if _in_transaction.get():
            raise RuntimeError("a unit of work is already open in this task; pass its session instead")
        token = _in_transaction.set(True)
        try:
            async with self._sessions.begin() as session:
                yield session
        finally:
            _in_transaction.reset(token)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
