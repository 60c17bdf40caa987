"""Signs of life in a group — counts and times only, never content."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import ConversationPromptSchedule, Group, GroupMember
from bot.db.types import UTCDateTime

# A busy channel would otherwise write on every message.
MESSAGE_THROTTLE = timedelta(minutes=10)
MEMBER_THROTTLE = timedelta(minutes=5)
# Channels per statement when catching up after an outage (far below any bound-parameter limit).
CHANNEL_SLICE = 500


async def record_group_activity(session: AsyncSession, group_id: int | None, now: datetime) -> None:
    """Note that the group is alive (an answer, a goal update); a stalled-group rescue starts over."""
    if group_id is None:
        return
    await session.execute(
        update(Group).where(Group.id == group_id).values(last_activity_at=now, rescue_stage=0, rescue_at=None)
    )


async def _homes_alive(
    session: AsyncSession,
    channels: list[int],
    at: datetime | ColumnElement[datetime],
    *,
    unless_since: datetime | ColumnElement[datetime],
    guild_id: int | None = None,
) -> None:
    """Mark groups whose home is one of ``channels`` alive at ``at``: their rescue starts over.

    Groups already seen alive since ``unless_since`` are left as they are.
    """
    await session.execute(
        update(Group)
        .where(
            true() if guild_id is None else Group.guild_id == guild_id,
            Group.home_channel_id.in_(channels),
            or_(Group.last_activity_at.is_(None), Group.last_activity_at < unless_since),
        )
        .values(last_activity_at=at, rescue_stage=0, rescue_at=None)
    )


async def _lounges_alive(
    session: AsyncSession,
    channels: list[int],
    at: datetime | ColumnElement[datetime],
    *,
    unless_since: datetime | ColumnElement[datetime],
    guild_id: int | None = None,
) -> None:
    """Mark lounges among ``channels`` alive at ``at`` (their prompts wait for a lull)."""
    lounge = ConversationPromptSchedule
    await session.execute(
        update(lounge)
        .where(
            true() if guild_id is None else lounge.guild_id == guild_id,
            lounge.group_id.is_(None),
            lounge.channel_id.in_(channels),
            or_(lounge.last_activity_at.is_(None), lounge.last_activity_at < unless_since),
        )
        .values(last_activity_at=at)
    )


class ActivityService:
    """Notes when group homes, lounges and members were last active (the bot never reads the text)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def message_in(
        self, guild_id: int, channel_id: int, parent_id: int | None = None, author_id: int | None = None
    ) -> None:
        """Record a message in a group's home or a lounge, or in a thread of one (``parent_id``)."""
        now = self._clock.now()
        channels = [c for c in (channel_id, parent_id) if c is not None]
        seen_lately = now - MESSAGE_THROTTLE
        async with self._db.transaction() as session:
            await _homes_alive(session, channels, now, unless_since=seen_lately, guild_id=guild_id)
            if author_id is not None:  # "around right now", for call suggestions
                homes = select(Group.id).where(
                    Group.guild_id == guild_id, Group.home_channel_id.in_(channels)
                )
                await session.execute(
                    update(GroupMember)
                    .where(
                        GroupMember.group_id.in_(homes),
                        GroupMember.user_id == author_id,
                        GroupMember.left_at.is_(None),
                        or_(
                            GroupMember.last_active_at.is_(None),
                            GroupMember.last_active_at < now - MEMBER_THROTTLE,
                        ),
                    )
                    .values(last_active_at=now)
                )
            await _lounges_alive(session, channels, now, unless_since=seen_lately, guild_id=guild_id)

    async def written_while_away(self, latest: dict[int, datetime]) -> None:
        """Count messages written while the bot was down: ``latest`` moment by channel id.

        Discord tells a connecting bot each channel's (and active thread's) latest message, not
        who wrote it or how many; the caller passes those written while this process was away.
        Only a crash leaves room for the bot's own among them: what it posted in the minutes
        between its last note of watching and the crash. A home or lounge active meanwhile is as
        alive as if the bot had seen it (its rescue starts over); its members' own "last active"
        is left alone.
        """
        channels = sorted(latest)
        for first in range(0, len(channels), CHANNEL_SLICE):
            part = channels[first : first + CHANNEL_SLICE]
            moments = {channel: literal(latest[channel], UTCDateTime()) for channel in part}
            home_at = case(moments, value=Group.home_channel_id)
            lounge_at = case(moments, value=ConversationPromptSchedule.channel_id)
            async with self._db.transaction() as session:
                await _homes_alive(session, part, home_at, unless_since=home_at)
                await _lounges_alive(session, part, lounge_at, unless_since=lounge_at)
