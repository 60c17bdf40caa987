"""The servers the bot is in: joining records the server, leaving starts its grace period."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import GuildRecord, OutboxMessage
from bot.db.upsert import insert_ignore
from bot.scheduling.shards import ShardScope

# Ids per IN (...) list: far below the bound parameters SQLite (32,766) and asyncpg (32,767) allow.
SLICE = 500


class GuildService:
    """Keeps the ``guilds`` table in step with the servers the bot belongs to."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._arrived: set[int] = set()
        # Joins, arrivals and removals are recorded one at a time in the order Discord sent them
        # (asyncio.Lock is first come, first served): a removal recorded while an earlier arrival
        # of the same server was still being written was undone by it (read as "back").
        self._in_order = asyncio.Lock()

    async def joined(self, guild_id: int) -> None:
        """Record that the bot is in ``guild_id`` (again)."""
        await self.present([guild_id])

    async def arrived(self, guild_id: int) -> None:
        """Record a server that became available, together with the others arriving meanwhile.

        At start-up every server of a shard arrives within seconds (25,000 per process at
        scale): one unit of work each ran out of database connections. Here the first caller
        records every server waiting, the others find theirs done, so there is one unit of work
        at a time however many arrive, and a lone server (an outage ending) is still recorded
        at once.
        """
        self._arrived.add(guild_id)
        async with self._in_order:
            if guild_id not in self._arrived:
                return  # in the batch of a caller before (recorded, or its failure logged)
            batch, self._arrived = self._arrived, set()
            # Not retried by every caller of a failed batch (25,000 times over during a database
            # outage): the error is logged once, and shard ready records the shard's servers again.
            await self._present(batch)

    async def present(self, guild_ids: Iterable[int]) -> None:
        """Record that the bot is in each of ``guild_ids``: new ones join, those marked left are back.

        Servers already recorded as present (nearly all of them at a restart) cost one read and
        no write lock.
        """
        async with self._in_order:
            await self._present(guild_ids)

    async def _present(self, guild_ids: Iterable[int]) -> None:
        ids = sorted(set(guild_ids))
        known: dict[int, bool] = {}
        async with self._db.reading() as session:
            for first in range(0, len(ids), SLICE):
                rows = await session.execute(
                    select(GuildRecord.guild_id, GuildRecord.left_at).where(
                        GuildRecord.guild_id.in_(ids[first : first + SLICE])
                    )
                )
                known.update((guild_id, left_at is not None) for guild_id, left_at in rows)
        new = [guild_id for guild_id in ids if guild_id not in known]
        back = [guild_id for guild_id, left in known.items() if left]
        if new or back:
            async with self._db.transaction() as session:
                await _record(session, new, back, self._clock)

    async def left(self, guild_id: int) -> None:
        """Record that the bot was removed from ``guild_id``.

        A server removed a moment after it arrived may not be recorded yet: its arrival is
        dropped if still waiting, and the row is made here, so the removal is never lost and its
        grace period starts. An arrival already being written is recorded first (in order).
        """
        self._arrived.discard(guild_id)
        async with self._in_order, self._db.transaction() as session:
            now = self._clock.now()
            await insert_ignore(session, GuildRecord.__table__, {"guild_id": guild_id, "joined_at": now})
            row = await session.get(GuildRecord, guild_id, with_for_update=True)
            if row is not None and row.left_at is None:
                row.left_at = now
            await _cancel_sends(session, [guild_id])

    async def reconcile(self, shard_id: int, shard_count: int, present: Iterable[int]) -> list[int]:
        """Record the servers of a shard as its READY listed them; return those no longer there.

        ``present`` is every server the shard's READY listed, unavailable ones (an outage)
        included, so only a real removal counts: a server removed while the bot was offline
        starts its grace period. Servers joined or back meanwhile are recorded as present.
        """
        here = set(present)
        own = ShardScope(shard_count, frozenset({shard_id})).clause(GuildRecord.guild_id)
        async with self._in_order, self._db.transaction() as session:
            rows = (await session.execute(select(GuildRecord.guild_id, GuildRecord.left_at).where(own))).all()
            known = {guild_id: left_at is not None for guild_id, left_at in rows}
            new = sorted(here - known.keys())
            back = sorted(guild_id for guild_id, left in known.items() if left and guild_id in here)
            await _record(session, new, back, self._clock)
            gone: list[int] = []
            missing = sorted(
                guild_id for guild_id, left in known.items() if not left and guild_id not in here
            )
            for first in range(0, len(missing), SLICE):
                # Re-checked by the update itself: a server marked left meanwhile keeps its moment.
                marked = await session.scalars(
                    update(GuildRecord)
                    .where(
                        GuildRecord.guild_id.in_(missing[first : first + SLICE]),
                        GuildRecord.left_at.is_(None),
                    )
                    .values(left_at=self._clock.now())
                    .returning(GuildRecord.guild_id)
                )
                gone += marked.all()
            await _cancel_sends(session, gone)
            return gone


async def _record(session: AsyncSession, new: list[int], back: list[int], clock: Clock) -> None:
    """Insert servers not recorded yet and clear ``left_at`` of those back (their grace period ends)."""
    now = clock.now()
    # insert_ignore pages its rows itself; a server inserted meanwhile by another unit of work is kept.
    await insert_ignore(session, GuildRecord.__table__, [{"guild_id": g, "joined_at": now} for g in new])
    for first in range(0, len(back), SLICE):
        await session.execute(
            update(GuildRecord)
            .where(GuildRecord.guild_id.in_(back[first : first + SLICE]))
            .values(left_at=None)
        )


async def _cancel_sends(session: AsyncSession, guild_ids: list[int]) -> None:
    """Drop what was waiting to be sent in servers the bot left.

    Every try would be refused, and refusals count toward Discord's invalid-request limit.
    """
    for first in range(0, len(guild_ids), SLICE):
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.guild_id.in_(guild_ids[first : first + SLICE]),
                OutboxMessage.status == "pending",
            )
            .values(status="cancelled")
        )
