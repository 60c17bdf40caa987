"""The database engine and its unit-of-work sessions."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
import weakref
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.db import sqlite_driver
from bot.db.encryption import KeyRing, bind_keys
from bot.db.scrub import Scrubber
from bot.db.text import drop_nul_characters
from bot.db.turns import WriteTurns

BUSY_TIMEOUT_SECONDS = 15.0
# SQLite reads kept open at once without opening a connection: more than the outbox's sends side by
# side plus a few commands. Beyond it each read opens one (a new thread, the pragmas) and closes it.
READ_CONNECTIONS = 12
SLOW_UNIT_SECONDS = 1.0
log = logging.getLogger(__name__)


def create_engine(
    url: str, *, echo: bool = False, busy_timeout: float = BUSY_TIMEOUT_SECONDS, read_only: bool = False
) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys, secure delete and immediate writes.

    ``busy_timeout`` is how long a unit of work waits for the database (SQLite's write lock, a
    PostgreSQL connection) before it fails with a "try again" error instead of hanging.
    ``read_only`` (SQLite) makes an engine for reads: plain deferred transactions, which WAL
    lets run beside a writer, and ``query_only`` so that a write there fails loudly.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_timeout=busy_timeout)

    pool = {"pool_size": READ_CONNECTIONS, "max_overflow": READ_CONNECTIONS} if read_only else {}
    engine = create_async_engine(
        url, echo=echo, connect_args={"timeout": busy_timeout}, pool_reset_on_return=None, **pool
    )

    @event.listens_for(engine.sync_engine, "reset")
    def _reset(dbapi_connection: Any, _record: Any, state: Any) -> None:
        # The pool's own reset rolls back every connection given back, a trip to the database's
        # thread for each unit of work, although its commit or rollback already ended it. Only a
        # transaction still open (a unit of work cut short) is rolled back here.
        if (
            state.asyncio_safe
            and not state.terminate_only
            and dbapi_connection.driver_connection.in_transaction
        ):
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "do_connect")
    def _one_trip_per_statement(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        params["async_creator_fn"] = sqlite_driver.connect  # see bot/db/sqlite_driver.py

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite, whose deferred BEGIN makes concurrent
        # read-then-write transactions fail with "database is locked" or lose updates.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left readable in free space (an erasure).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every unit of work may write, so it takes the write lock up front and waits its turn;
        # a read takes a snapshot and never waits for the writer.
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


class Database:
    """Owns the engine and hands out one session per unit of work."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        reader: AsyncEngine | None = None,
    ) -> None:
        self.engine = engine
        self._reader = reader  # SQLite: a second engine whose units of work only read
        self._busy_timeout = busy_timeout
        # SQLite writes one unit of work at a time: this process's units queue for it (turns.py).
        self._write_turn = WriteTurns() if engine.dialect.name == "sqlite" else None
        drop_nul_characters(engine.sync_engine)
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._reading_sessions = async_sessionmaker(reader or engine, expire_on_commit=False)
        # Tasks with a unit of work open: a second one in the same task would wait for the first's
        # write lock forever (SQLite) or see another snapshot (PostgreSQL). A context variable
        # would leak into tasks and callbacks created meanwhile (asyncio copies the context).
        self._busy: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()
        self._scrubber = Scrubber(engine, self._turn)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        echo: bool = False,
        keys: KeyRing | None = None,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> Database:
        """Build a database for ``url``; with ``keys``, free-text fields are stored encrypted."""
        engine = create_engine(url, echo=echo, busy_timeout=busy_timeout)
        bind_keys(engine.dialect, keys)
        reader = None
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            reader = create_engine(url, echo=echo, busy_timeout=busy_timeout, read_only=True)
            bind_keys(reader.dialect, keys)
        return cls(engine, busy_timeout=busy_timeout, reader=reader)

    @property
    def dialect(self) -> str:
        """Return the backend name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a session in a transaction that commits on success and rolls back on error."""
        async with self._unit_of_work(), self._turn(), self._sessions.begin() as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """Open a session for a unit of work that only reads (a member's list, history, profile).

        On SQLite it needs no turn to write and runs beside the writer (a snapshot of what was
        committed), so looking something up stays fast while a round is planned and sent; a
        write inside fails. On PostgreSQL it is an ordinary transaction.
        """
        async with self._unit_of_work(), self._reading_sessions.begin() as session:
            yield session

    async def scrub(self, tables: Iterable[str] = ()) -> bool:
        """Remove deleted rows' bytes from the files (after an erasure or a purge has committed).

        SQLite: checkpoint and truncate the WAL; PostgreSQL: vacuum ``tables``. Return False
        (logged) when it could not complete; the next call tries again (see bot/db/scrub.py).
        """
        async with self._unit_of_work():  # after the deleting unit of work, never inside one
            return await self._scrubber.scrub(tables)

    @property
    def scrub_pending(self) -> frozenset[str]:
        """Return the tables whose deleted rows a failed scrub left to remove."""
        return self._scrubber.pending

    @asynccontextmanager
    async def _unit_of_work(self) -> AsyncIterator[None]:
        """Mark the task as in a unit of work; refuse a second one in the same task."""
        task = asyncio.current_task()
        if task in self._busy:
            raise RuntimeError("a unit of work is already open in this task; pass its session instead")
        if task is not None:
            self._busy.add(task)
        try:
            yield
        finally:
            self._busy.discard(task)  # type: ignore[arg-type]

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Wait for this process's turn to write (SQLite), at most the busy timeout."""
        if self._write_turn is None:
            yield
            return
        try:
            async with asyncio.timeout(self._busy_timeout):
                await self._write_turn.acquire()
        except TimeoutError:
            raise sqlalchemy.exc.TimeoutError("database is locked: no turn to write in time") from None
        held_from = time.monotonic()
        try:
            yield
        finally:
            self._write_turn.release()
            if (held := time.monotonic() - held_from) > SLOW_UNIT_SECONDS:
                # Everyone else waited meanwhile: say where, so it can be cut into shorter units.
                log.warning("a unit of work held the database for %.1f s (opened at %s)", held, _opener())

    async def dispose(self, *, grace: float = 5.0) -> None:
        """Let units of work still open (e.g. an event listener's) commit, then close every connection."""
        pending = {task for task in self._busy if not task.done() and task is not asyncio.current_task()}
        if pending:
            await asyncio.wait(pending, timeout=grace)
        await self.engine.dispose()
        if self._reader is not None:
            await self._reader.dispose()


def _opener() -> str:
    """Return the first caller outside this module and contextlib, as ``file:line in function``."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.endswith(("/db/engine.py", "/contextlib.py")):
        frame = frame.f_back
    if frame is None:
        return "?"
    return f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno} in {frame.f_code.co_name}"
