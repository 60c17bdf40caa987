"""Shared by the benchmarks: a big program seeded straight into the database, and scratch databases.

Rows go in with bulk inserts (no Discord round trips, no services), so seeding 100,000 members
takes seconds. The shape: one server, ``groups`` peer groups of equal size, every member with a
profile, a known DM channel, a daily check-in schedule per group (not yet planned) and two past
rounds of check-ins; a few members (the ``actors``) also have goals and answered check-ins, so
commands they run have something to show.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bot.db.engine import Database
from bot.db.models import (
    CheckinAnswer,
    CheckinDelivery,
    CheckinSchedule,
    DmChannel,
    Goal,
    Group,
    GroupMember,
    GuildRecord,
    MemberProfile,
)

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # the world's "now" while seeding
CHECKIN_MINUTE = 9 * 60  # every schedule runs daily at 09:00 UTC
DUE = datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)  # a moment just after the round's time
ZONES = ("UTC",)
CHUNK = 5_000


async def _bulk(session: AsyncSession, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            await session.execute(insert(table), batch)
            batch = []
    if batch:
        await session.execute(insert(table), batch)


async def seed_program(
    db: Database,
    guild_id: int,
    user_ids: Sequence[int],
    *,
    groups: int,
    dm_channels: dict[int, int] | None = None,
    actors: Sequence[int] = (),
    past_rounds: int = 2,
) -> list[int]:
    """Seed ``user_ids`` split into ``groups`` groups with a daily 09:00 schedule each; return group ids."""
    size = -(-len(user_ids) // groups)
    async with db.transaction() as session:
        await session.execute(insert(GuildRecord.__table__), [{"guild_id": guild_id, "joined_at": START}])
        await _bulk(
            session,
            Group.__table__,
            (
                {
                    "guild_id": guild_id,
                    "name": f"Circle {g:05d}",
                    "name_key": f"circle {g:05d}",
                    "kind": "peer",
                    "is_open": False,
                    "created_by": 0,
                    "created_at": START - timedelta(days=30),
                }
                for g in range(groups)
            ),
        )
        group_ids = list(
            await session.scalars(select(Group.id).where(Group.guild_id == guild_id).order_by(Group.name_key))
        )
        member_group = {u: group_ids[i // size] for i, u in enumerate(user_ids)}
        await _bulk(
            session,
            GroupMember.__table__,
            (
                {
                    "group_id": member_group[u],
                    "guild_id": guild_id,
                    "user_id": u,
                    "role": "peer",
                    "joined_at": START - timedelta(days=30),
                    "agreed_at": START - timedelta(days=30),
                    "agreed_version": 1,
                }
                for u in user_ids
            ),
        )
        await _bulk(
            session,
            MemberProfile.__table__,
            (
                {
                    "guild_id": guild_id,
                    "user_id": u,
                    "timezone": ZONES[i % len(ZONES)],
                    "interests": ["writing", "teaching"],
                    "dm_allowed": True,
                    "created_at": START - timedelta(days=30),
                    "updated_at": START - timedelta(days=30),
                }
                for i, u in enumerate(user_ids)
            ),
        )
        if dm_channels:
            await _bulk(
                session,
                DmChannel.__table__,
                ({"user_id": u, "channel_id": c} for u, c in dm_channels.items()),
            )
        await _bulk(
            session,
            CheckinSchedule.__table__,
            (
                {
                    "guild_id": guild_id,
                    "group_id": g,
                    "cadence_kind": "daily",
                    "minute_of_day": CHECKIN_MINUTE,
                    "weekdays": [],
                    "every_weeks": 1,
                    "default_visibility": "private",
                    "paused": False,
                    "planned_until": START,
                    "created_by": 0,
                    "created_at": START - timedelta(days=30),
                }
                for g in group_ids
            ),
        )
        schedule_of = dict(
            (await session.execute(select(CheckinSchedule.group_id, CheckinSchedule.id))).tuples().all()
        )
        for days_ago in range(past_rounds, 0, -1):
            due = START.replace(hour=9, minute=0) - timedelta(days=days_ago)
            await _bulk(
                session,
                CheckinDelivery.__table__,
                (
                    {
                        "guild_id": guild_id,
                        "group_id": member_group[u],
                        "schedule_id": schedule_of[member_group[u]],
                        "user_id": u,
                        "round_date": due.date(),
                        "due_at": due,
                        "status": "answered" if u in actors else "sent",
                        "sent_at": due,
                        "answered_at": due + timedelta(hours=1) if u in actors else None,
                    }
                    for u in user_ids
                ),
            )
        if actors:
            answered = (
                await session.execute(
                    select(CheckinDelivery.id, CheckinDelivery.group_id, CheckinDelivery.user_id).where(
                        CheckinDelivery.guild_id == guild_id, CheckinDelivery.user_id.in_(list(actors))
                    )
                )
            ).all()
            await _bulk(
                session,
                CheckinAnswer.__table__,
                (
                    {
                        "delivery_id": d.id,
                        "guild_id": guild_id,
                        "group_id": d.group_id,
                        "user_id": d.user_id,
                        "answers": [{"question": "How are you?", "kind": "text", "value": "Fine, thanks."}],
                        "visibility": "private",
                        "created_at": START - timedelta(days=1),
                        "updated_at": START - timedelta(days=1),
                    }
                    for d in answered
                ),
            )
            await _bulk(
                session,
                Goal.__table__,
                (
                    {
                        "guild_id": guild_id,
                        "owner_id": u,
                        "group_id": member_group[u],
                        "title": f"Goal {n} of {u}",
                        "horizon": "short",
                        "visibility": "private",
                        "progress": 10 * n,
                        "status": "active",
                        "created_at": START - timedelta(days=20),
                        "last_activity_at": START - timedelta(days=2),
                    }
                    for u in actors
                    for n in range(3)
                ),
            )
    if db.dialect == "postgresql":  # a live database has statistics: its query plans depend on them
        async with db.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    return group_ids


@contextlib.asynccontextmanager
async def scratch_postgres(server_url: str) -> AsyncIterator[str | None]:
    """Yield the URL of a new database ``mentorbot_bench_<pid>`` on that server (None if unreachable)."""
    name = f"mentorbot_bench_{os.getpid()}"
    try:
        admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    except ModuleNotFoundError:  # asyncpg is not installed
        yield None
        return
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, ConnectionError) as exc:
        await admin.dispose()
        print(f"PostgreSQL at {server_url} unreachable ({exc.__class__.__name__}: {exc}): skipped")
        yield None
        return
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def verdict(ok: bool) -> str:
    """Return PASS or MISS."""
    return "PASS" if ok else "MISS"
