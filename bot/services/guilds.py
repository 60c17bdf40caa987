"""The servers the bot is in: joining records the server, leaving starts its grace period."""

from __future__ import annotations

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import GuildRecord
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
