"""Deleted means gone from the database's files, not only from its tables.

SQLite overwrites deleted content with zeros (``PRAGMA secure_delete``, set on every connection
in :mod:`bot.db.engine`), but the pages that held it before live on as frames of the
write-ahead log until a checkpoint copies the newer pages back and truncates the log. After an
erasure, a server purge or the retention job, :meth:`Scrubber.scrub` runs that checkpoint,
outside any unit of work (it waits for readers on older snapshots, briefly; if one is still
reading, the next periodic run tries again).

PostgreSQL keeps dead row versions until vacuumed: the touched tables are vacuumed (outside a
transaction: VACUUM cannot run in one). Plain VACUUM takes the rows out of the tables and their
indexes; the README says what it does not reach (freed space in pages, PostgreSQL's own WAL).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# How long the checkpoint waits for readers of an older snapshot; a member's command may be
# waiting for the write lock meanwhile, so not long: a busy checkpoint is retried later.
CHECKPOINT_WAIT_MS = 2000


class Scrubber:
    """Removes deleted rows' bytes from the database's files; remembers what is still to do."""

    def __init__(self, engine: AsyncEngine, turn: Callable[[], AbstractAsyncContextManager[None]]) -> None:
        self._engine = engine
        self._turn = turn  # SQLite: this process's turn to write, so its own writers wait, not fail
        self._pending: set[str] = set()  # tables whose deleted rows may still be on disk

    @property
    def pending(self) -> frozenset[str]:
        """Return the tables whose deleted rows may still be in the files (a scrub failed)."""
        return frozenset(self._pending)

    async def scrub(self, tables: Iterable[str] = ()) -> bool:
        """Make the deleted rows of ``tables`` (and any left from before) unreadable; True when done.

        Call it after the unit of work that deleted them has committed. Failing is logged and
        remembered: the next call (the hourly privacy job makes one) tries again.
        """
        self._pending.update(tables)
        if not self._pending:
            return True
        work: Callable[[], Awaitable[bool]] = (
            self._checkpoint if self._engine.dialect.name == "sqlite" else self._vacuum
        )
        try:
            done = await work()
        except Exception as exc:  # the database away, a lock: not the caller's failure
            log.warning("deleted data not yet scrubbed from the files (%s); trying again later", exc)
            return False
        if done:
            self._pending.clear()
        return done

    async def _checkpoint(self) -> bool:
        async with self._turn(), self._engine.connect() as connection:
            # The raw connection: SQLAlchemy would open a transaction, inside which no checkpoint runs.
            raw = (await connection.get_raw_connection()).driver_connection
            cursor = await raw.execute("PRAGMA busy_timeout")
            (timeout,) = await cursor.fetchone()
            await raw.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            try:
                cursor = await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, frames, copied = await cursor.fetchone()
            finally:
                await raw.execute(f"PRAGMA busy_timeout={int(timeout)}")
        if busy or copied < frames:  # (frames is -1 when not in WAL mode: in memory)
            log.warning(
                "WAL checkpoint incomplete (busy %s, %s of %s frames copied): an older frame may still "
                "hold deleted data; trying again on the next hourly run",
                busy,
                copied,
                frames,
            )
            return False
        log.info("deleted data scrubbed: WAL checkpointed and truncated")
        return True

    async def _vacuum(self) -> bool:
        tables = sorted(self._pending)
        async with self._engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            quoted = ", ".join(self._engine.dialect.identifier_preparer.quote(t) for t in tables)
            await autocommit.exec_driver_sql(f"VACUUM {quoted}")
        log.info("deleted data scrubbed: vacuumed %d tables", len(tables))
        return True
