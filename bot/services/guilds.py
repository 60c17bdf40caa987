"""The servers the bot is in: joining records the server, leaving starts its grace period."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import GuildRecord, OutboxMessage
from bot.db.upsert import locked_row


class GuildService:
    """Keeps the ``guilds`` table in step with the servers the bot belongs to."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def joined(self, guild_id: int) -> None:
        """Record that the bot is in ``guild_id`` (again)."""
        async with self._db.transaction() as session:
            row = await locked_row(session, GuildRecord, guild_id, joined_at=self._clock.now())
            row.left_at = None

    async def left(self, guild_id: int) -> None:
        """Record that the bot was removed from ``guild_id``."""
        async with self._db.transaction() as session:
            row = await session.get(GuildRecord, guild_id, with_for_update=True)
            if row is not None and row.left_at is None:
                row.left_at = self._clock.now()
            await _cancel_sends(session, [guild_id])

    async def reconcile(self, shard_id: int, shard_count: int, present: Iterable[int]) -> list[int]:
        """Mark the servers of a shard that the bot is no longer in: it was removed while offline.

        ``present`` is every server the shard's READY listed, unavailable ones (an outage)
        included, so only a real removal counts. Returns the servers marked.
        """
        here = set(present)
        now = self._clock.now()
        async with self._db.transaction() as session:
            rows = (
                await session.scalars(
                    select(GuildRecord).where(GuildRecord.left_at.is_(None)).with_for_update()
                )
            ).all()
            gone = [
                row
                for row in rows
                if (row.guild_id >> 22) % shard_count == shard_id and row.guild_id not in here
            ]
            for row in gone:
                row.left_at = now
            await _cancel_sends(session, [row.guild_id for row in gone])
            return [row.guild_id for row in gone]


async def _cancel_sends(session: AsyncSession, guild_ids: list[int]) -> None:
    """Drop what was waiting to be sent in servers the bot left.

    Every try would be refused, and refusals count toward Discord's invalid-request limit.
    """
    if guild_ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.guild_id.in_(guild_ids), OutboxMessage.status == "pending")
            .values(status="cancelled")
        )
