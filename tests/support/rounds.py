"""A check-in round for many members, arranged straight in the database (no Discord round trips).

The fault-tolerance tests need hundreds of members in one group; adding them one by one through
the group service would also send each a consent DM. The group, its members, their profiles and
(optionally) their known DM channels are inserted in bulk; the schedule and everything it sends
are made by the real check-in service.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from bot.db.engine import Database
from bot.db.models import DmChannel, Group, GroupMember, MemberProfile, OutboxMessage
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.checkins import CheckinService
from bot.services.groups import GroupService
from bot.services.settings import SettingsService
from tests.fake_discord import FakeDiscord, FakeGuild, FakeUser
from tests.support.clock import FakeClock


def add_members(fake: FakeDiscord, guild: FakeGuild, count: int, prefix: str = "member") -> list[FakeUser]:
    """Return ``count`` new users who joined ``guild`` in the fake."""
    users = [fake.add_user(f"{prefix}{i}") for i in range(count)]
    for user in users:
        guild.add_member(user)
    return users


async def seed_group(
    db: Database,
    guild_id: int,
    users: list[FakeUser],
    *,
    at: datetime,
    dm_channels: dict[int, int] | None = None,
    name: str = "Fan-out",
) -> int:
    """Put a peer group with these members (zone UTC, DMs allowed) into the database; return its id."""
    async with db.transaction() as session:
        group = Group(
            guild_id=guild_id,
            name=name,
            name_key=name.casefold(),
            kind="peer",
            is_open=False,
            created_by=0,
            created_at=at,
        )
        session.add(group)
        await session.flush()
        await session.execute(
            insert(GroupMember),
            [
                {"group_id": group.id, "guild_id": guild_id, "user_id": u.id, "role": "peer", "joined_at": at}
                for u in users
            ],
        )
        await session.execute(
            insert(MemberProfile),
            [
                {
                    "guild_id": guild_id,
                    "user_id": u.id,
                    "timezone": "UTC",
                    "interests": [],
                    "dm_allowed": True,
                    "created_at": at,
                    "updated_at": at,
                }
                for u in users
            ],
        )
        if dm_channels:
            await session.execute(
                insert(DmChannel), [{"user_id": u, "channel_id": c} for u, c in dm_channels.items()]
            )
        return group.id


async def schedule_missed_round(db: Database, now: datetime, groups: dict[int, int]) -> datetime:
    """Schedule a daily check-in for each ``{guild_id: group_id}`` that fell due a few minutes before
    ``now``, as if the schedule had been made half an hour ago and the bot had been down since.

    Nothing is enqueued yet: the next bot to start runs the planner at once, which sends
    check-ins missed by less than ``checkins.late_grace_minutes``. Returns the check-in's time.
    """
    made_at = now - timedelta(minutes=30)
    due = (now - timedelta(minutes=3)).replace(second=0, microsecond=0)
    clock = FakeClock(made_at)
    engine = SchedulingEngine()
    settings = SettingsService(db)
    checkins = CheckinService(db, clock, settings, GroupService(db, clock, settings, engine), engine)
    for guild_id, group_id in groups.items():
        await checkins.create_schedule(
            guild_id, Actor(0, is_admin=True), group_id, kind="daily", time=f"{due:%H:%M}"
        )
    return due


async def outbox_statuses(db: Database, guild_id: int | None = None) -> Counter[str]:
    """Return how many outbox rows (of one server, or all) are in each status."""
    async with db.transaction() as session:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        if guild_id is not None:
            query = query.where(OutboxMessage.guild_id == guild_id)
        return Counter(dict((await session.execute(query)).all()))


def dm_counts(fake: FakeDiscord, users: list[FakeUser]) -> Counter[int]:
    """Return how many members got 0, 1, 2… messages from the bot in their DMs."""
    return Counter(len(fake.dm_messages(u)) for u in users)
