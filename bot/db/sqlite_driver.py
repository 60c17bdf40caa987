"""aiosqlite with one trip to its thread per statement; the SQLite engines connect through it.

aiosqlite runs each call on a connection's own thread and wakes the event loop with the result:
a cursor, the statement, its rows and the cursor's close are four such trips, and each one waits
for the event loop, behind whatever else runs there (a round being sent). A member's command
read four statements in twenty-one trips. Here a statement runs, is read to the end and closed in
one trip; what the cursor reports (rows, description, row count, last row id) is kept from it.
SQLAlchemy reads every result in full with aiosqlite anyway (it has no server-side cursors).
A unit of work's BEGIN goes in the same trip as its first statement, and a unit that ran none
commits or rolls back without a trip: nothing happens on the connection in between.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from threading import Thread
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager

BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE"})  # what bot/db/engine.py opens units of work with


class _Cursor(aiosqlite.Cursor):
    """A cursor whose statements run, are read and closed in one trip to the thread."""

    def __init__(self, conn: aiosqlite.Connection) -> None:  # no sqlite3 cursor held between trips
        self.iter_chunk_size = conn._iter_chunk_size
        self._conn = conn
        self._rows: list[Any] = []
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    async def _run(self, method: str, *args: Any) -> _Cursor:
        conn = self._conn
        assert isinstance(conn, _Connection)
        if method == "execute" and args[0] in BEGINS:
            conn.begin_pending = args[0]  # sent with the next statement
            self._rows, self._description, self._rowcount, self._lastrowid = [], None, -1, None
            return self
        begin, conn.begin_pending = conn.begin_pending, None

        def run() -> tuple[list[Any], Any, int, int | None]:
            cursor = conn._conn.cursor()
            try:
                if begin is not None:
                    cursor.execute(begin)
                getattr(cursor, method)(*args)
                rows = cursor.fetchall() if cursor.description else []
                return rows, cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self._rows, self._description, self._rowcount, self._lastrowid = await self._conn._execute(run)
        return self

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Cursor:
        """Run a statement and keep its rows."""
        return await self._run("execute", sql, () if parameters is None else parameters)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Cursor:
        """Run a statement once per parameter set."""
        return await self._run("executemany", sql, parameters)

    async def executescript(self, sql_script: str) -> _Cursor:
        """Run a script of statements."""
        return await self._run("executescript", sql_script)

    async def fetchone(self) -> Any:
        """Return the next row kept, or None."""
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Return up to ``size`` (or ``arraysize``) of the rows kept."""
        size = size or self._arraysize
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchall(self) -> list[Any]:
        """Return the rows kept."""
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        """Forget the rows kept (the sqlite3 cursor was closed in its trip)."""
        self._rows = []

    @property
    def description(self) -> Any:  # type: ignore[override]
        """Return the last statement's column description."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Return the rows the last statement changed."""
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        """Return the last inserted row's id."""
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        """Return how many rows ``fetchmany`` returns by default."""
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value


class _Connection(aiosqlite.Connection):
    begin_pending: str | None = None  # a BEGIN not sent yet: it goes with the next statement

    @contextmanager
    async def cursor(self) -> aiosqlite.Cursor:
        """Return a cursor without a trip to the thread."""
        return _Cursor(self)

    async def commit(self) -> None:
        """Commit, unless the transaction never began (no statement since its BEGIN)."""
        if self.begin_pending is not None:
            self.begin_pending = None
            return
        await super().commit()

    async def rollback(self) -> None:
        """Roll back, unless the transaction never began (no statement since its BEGIN)."""
        if self.begin_pending is not None:
            self.begin_pending = None
            return
        await super().rollback()


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> aiosqlite.Connection:
    """Open a connection as ``aiosqlite.connect`` does (SQLAlchemy's ``async_creator_fn``)."""
    connector: Callable[[], sqlite3.Connection] = lambda: sqlite3.connect(database, **kwargs)  # noqa: E731
    connection = _Connection(connector, iter_chunk_size)
    # As SQLAlchemy does for aiosqlite's own: the thread must not keep the process alive.
    thread = connection if isinstance(connection, Thread) else connection._thread
    thread.daemon = True
    return connection
