"""Check-in fan-out: how close one round to 1,000 members comes to Discord's global ceiling.

Plans and sends one check-in round to 1,000 members of a fake server whose Discord answers
with the real 50 requests/second global limit, through the bot exactly as `mentorbot run`
starts it. Prints the achieved send rate as a fraction of that ceiling (goal: at least 0.9),
the planning time for 100,000 members, and peak memory.

    python benchmarks/checkin_fanout.py [--members 1000] [--plan-members 100000]

Members' DM channel ids are already known (the steady state: the first check-in to a member
costs one extra request to open the DM channel).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.config import DatabaseSettings, DiscordSettings, Settings
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
from bot.db.models import DmChannel, Group, GroupMember, MemberProfile
from bot.runtime import BotRunner
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.checkins import CheckinService
from bot.services.groups import GroupService
from bot.services.settings import SettingsService
from tests.e2e.conftest import TOKEN
from tests.fake_discord import FakeDiscord
from tests.support.clock import FakeClock

CEILING = 50.0
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)
ZONES = ("UTC",)


async def seed_group(db: Database, guild_id: int, user_ids: list[int], dm_channels: dict[int, int]) -> int:
    """Put a group with these members straight into the database (no Discord round trips)."""
    async with db.transaction() as session:
        group = Group(
            guild_id=guild_id,
            name="Fan-out",
            name_key="fan-out",
            kind="peer",
            is_open=False,
            created_by=0,
            created_at=START,
        )
        session.add(group)
        await session.flush()
        await session.execute(
            insert(GroupMember),
            [
                {"group_id": group.id, "guild_id": guild_id, "user_id": u, "role": "peer", "joined_at": START}
                for u in user_ids
            ],
        )
        await session.execute(
            insert(MemberProfile),
            [
                {
                    "guild_id": guild_id,
                    "user_id": u,
                    "timezone": ZONES[i % len(ZONES)],
                    "interests": [],
                    "dm_allowed": True,
                    "created_at": START,
                    "updated_at": START,
                }
                for i, u in enumerate(user_ids)
            ],
        )
        if dm_channels:
            await session.execute(
                insert(DmChannel), [{"user_id": u, "channel_id": c} for u, c in dm_channels.items()]
            )
        return group.id


async def fanout(members: int, workdir: Path) -> float:
    """Send one round to ``members`` through the bot and the fake; return requests/second."""
    fake = FakeDiscord(token=TOKEN, global_rate_limit=int(CEILING))
    await fake.start()
    try:
        owner = fake.add_user("owner")
        guild = fake.add_guild("Benchmark", owner=owner)
        guild.add_text_channel("general")
        users = [fake.add_user(f"member{i}") for i in range(members)]
        for user in users:
            guild.add_member(user)
        url = f"sqlite+aiosqlite:///{workdir / 'fanout.db'}"
        await upgrade_async(url)
        db = Database.from_url(url)
        group_id = await seed_group(
            db, guild.id, [u.id for u in users], {u.id: fake.dm_channel(u).id for u in users}
        )
        await db.dispose()

        clock = FakeClock(START)
        settings = Settings(
            discord=DiscordSettings(token=TOKEN, api_base_url=fake.api_base_url),
            database=DatabaseSettings(url=url),
        )
        runner = BotRunner(settings, clock=clock)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        await fake.wait_until_ready(timeout=30)
        services = runner.services
        assert services is not None and services.outbox is not None
        admin = Actor(owner.id, is_admin=True)
        await services.checkins.create_schedule(guild.id, admin, group_id, kind="daily", time="09:00")
        clock.set(DUE)

        def sends() -> int:
            return len(fake.requests_to("POST", "/channels/{channel_id}/messages"))

        before = sends()
        started = time.perf_counter()
        await services.checkins.run_planner()  # wakes the outbox, which sends in the background
        while sends() - before < members:
            await services.outbox.dispatch_due()
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        sent = sends() - before
        throttled = sum(1 for r in fake.requests if r.status == 429)
        dms = sum(len(fake.dm_messages(u)) for u in users)
        print(
            f"sent {sent} check-ins ({dms} DMs arrived, {throttled} requests answered 429) in {elapsed:.1f} s"
        )
        stop.set()
        await asyncio.wait_for(task, 30)
        return sent / elapsed
    finally:
        await fake.stop()


async def planning(members: int, workdir: Path) -> tuple[float, int]:
    """Plan one round for ``members`` (database only); return seconds and the peak RSS in bytes."""
    url = f"sqlite+aiosqlite:///{workdir / 'plan.db'}"
    await upgrade_async(url)
    db = Database.from_url(url)
    try:
        await seed_group(db, 1, list(range(10_000, 10_000 + members)), {})
        clock = FakeClock(START)
        engine = SchedulingEngine(db, clock)
        settings = SettingsService(db)
        groups = GroupService(db, clock, settings, engine)
        checkins = CheckinService(db, clock, settings, groups, engine)
        await checkins.create_schedule(1, Actor(1, is_admin=True), "Fan-out", kind="daily", time="09:00")
        clock.set(DUE)
        started = time.perf_counter()
        async with db.transaction() as session:
            planned = await checkins.plan(session, clock.now())
        elapsed = time.perf_counter() - started
        # Peak resident memory of the process so far (planning runs first); KiB on Linux.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(f"planned {planned} deliveries (and their outbox rows) in {elapsed:.1f} s")
        return elapsed, peak
    finally:
        await db.dispose()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--plan-members", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fanout-"))
    try:
        seconds, peak = await planning(args.plan_members, workdir)
        rate = await fanout(args.members, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"send rate: {rate:.1f} requests/s = {rate / CEILING:.2f} of the 50/s ceiling (goal >= 0.90)")
    print(f"planning {args.plan_members} members: {seconds:.1f} s; peak memory (RSS): {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
