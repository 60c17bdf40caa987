"""What happens on its own: servers the bot left are purged after a grace period; old data is deleted.

A server's data is deleted a grace period after the bot was removed from it, and old check-in
answers and participation counts are deleted when the configuration says so.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import CheckinAnswer, Discussion, GuildRecord, Participation
from bot.scheduling.engine import SchedulingEngine
from bot.services.privacy.erasure import MemberErasure
from bot.services.privacy.rules import Erasure, count_guild, delete_guild, guild_tables

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)
RETENTION_EVERY = timedelta(days=1)


class Retention(MemberErasure):
    """The hourly purge of servers the bot left, the daily retention (part of :class:`PrivacyService`)."""

    _db: Database
    _clock: Clock
    _grace: timedelta
    _answer_days: int
    _participation_days: int
    _tasks: set[asyncio.Task[None]]

    def _schedule(self, scheduler: SchedulingEngine) -> None:
        # Every process: a scrub of its own erasures that could not complete is tried again.
        scheduler.add_periodic("privacy-scrub", PURGE_EVERY.total_seconds(), self._db.scrub)
        # Work of no single server: the process with shard 0 does it. Both are idempotent
        # deletes, so a run after a restart (or one twice) deletes nothing twice.
        if not scheduler.scope.owns(None):
            return
        scheduler.add_periodic("privacy-purge", PURGE_EVERY.total_seconds(), self.run_purge)
        if self._answer_days or self._participation_days:
            scheduler.add_periodic("privacy-retention", RETENTION_EVERY.total_seconds(), self.run_retention)

    async def run_purge(self) -> list[int]:
        """Delete the data of every server the bot left more than the grace period ago."""
        async with self._db.transaction() as session:
            purged = await self.purge_left_guilds(session, self._clock.now())
        if purged:
            await self._db.scrub(guild_tables())
        return purged

    async def purge_left_guilds(self, session: AsyncSession, now: datetime) -> list[int]:
        """Delete the data of every server the bot left more than the grace period ago."""
        due = (
            await session.scalars(
                select(GuildRecord.guild_id).where(
                    GuildRecord.left_at.is_not(None), GuildRecord.left_at <= now - self._grace
                )
            )
        ).all()
        for guild_id in due:
            deleted = await delete_guild(session, guild_id)
            log.info("purged guild %s after its grace period: %d rows", guild_id, sum(deleted.values()))
        return list(due)

    async def run_retention(self) -> dict[str, int]:
        """Delete answers and participation counts older than configured; return how many."""
        async with self._db.transaction() as session:
            done = await self.apply_retention(session, self._clock.now())
        if any(done.values()):
            touched = {CheckinAnswer: done["answers"], Participation: done["participation"]}
            await self._db.scrub(model.__tablename__ for model, n in touched.items() if n)
        return done

    async def apply_retention(self, session: AsyncSession, now: datetime) -> dict[str, int]:
        """Delete answers and participation counts older than configured; return how many."""
        done = {"answers": 0, "participation": 0}
        if self._answer_days:
            old = CheckinAnswer.created_at < now - timedelta(days=self._answer_days)
            shared = (
                await session.execute(
                    select(CheckinAnswer.shared_channel_id, CheckinAnswer.shared_message_id).where(
                        old, CheckinAnswer.shared_message_id.is_not(None)
                    )
                )
            ).all()
            done["answers"] = (await session.execute(delete(CheckinAnswer).where(old))).rowcount or 0
            if shared and self._answers.notifier is not None:
                # Posts shared with a group go too: after this unit of work, never holding its lock.
                posts = Erasure(0, 0, 0, now, take_down=[(c, m) for c, m in shared if c])
                task = asyncio.get_running_loop().create_task(self._tidy_discord(posts))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        if self._participation_days:
            closed = select(Discussion.id).where(
                Discussion.closed_at < now - timedelta(days=self._participation_days)
            )
            result = await session.execute(
                delete(Participation).where(Participation.discussion_id.in_(closed))
            )
            done["participation"] = result.rowcount or 0
        if any(done.values()):
            log.info("retention deleted %d answers and %d participation counts", *done.values())
        return done


async def purge_guild(db: Database, guild_id: int) -> dict[str, int]:
    """Delete everything stored about one server now (``mentorbot data purge-guild``)."""
    async with db.transaction() as session:
        deleted = await delete_guild(session, guild_id)
    await db.scrub(deleted)
    return deleted


async def guild_data(db: Database, guild_id: int) -> tuple[dict[str, int], datetime | None, bool]:
    """Return rows per table held about a server, when the bot left it, and whether it is known."""
    async with db.reading() as session:
        record = await session.get(GuildRecord, guild_id)
        return await count_guild(session, guild_id), (record.left_at if record else None), record is not None
