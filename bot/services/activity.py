"""Signs of life in a group — counts and times only, never content."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group

# A busy channel would otherwise write on every message.
MESSAGE_THROTTLE = timedelta(minutes=10)


async def record_group_activity(session: AsyncSession, group_id: int | None, now: datetime) -> None:
    """Note that the group is alive (an answer, a goal update); a stalled-group rescue starts over."""
    if group_id is None:
        return
    await session.execute(
        update(Group).where(Group.id == group_id).values(last_activity_at=now, rescue_stage=0, rescue_at=None)
    )


class ActivityService:
    """Counts messages in group homes by channel id (the bot never reads their text)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def message_in(self, guild_id: int, channel_id: int, parent_id: int | None = None) -> None:
        """Record a message in a group's home, or in a thread of it (``parent_id``)."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            await session.execute(
                update(Group)
                .where(
                    Group.guild_id == guild_id,
                    Group.home_channel_id.in_([c for c in (channel_id, parent_id) if c is not None]),
                    or_(Group.last_activity_at.is_(None), Group.last_activity_at < now - MESSAGE_THROTTLE),
                )
                .values(last_activity_at=now, rescue_stage=0, rescue_at=None)
            )
