"""Check-in fan-out: how close a round to 1,000 and to 10,000 members comes to Discord's ceiling.

Plans and sends one check-in round to each number of members of a fake server whose Discord
answers with the real 50 requests/second global limit, through the bot exactly as
`mentorbot run` starts it. Prints the achieved rate (messages that arrived per second, from the
planner's start to the last one) as a fraction of that ceiling, and how many requests Discord
answered with a global 429 (goal: at least 0.97 of the ceiling with no global 429).

    python benchmarks/checkin_fanout.py [--members 1000 10000] [--bare]

``--bare`` also sends as many DMs from a bare discord.py client through the same pacer,
with no database: the pace the limit allows, apart from the bot's own work per message.

Members' DM channel ids are already known (the steady state: the first check-in to a member
costs one extra request to open the DM channel).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord
from sqlalchemy import insert

from bot.config import DatabaseSettings, DiscordSettings, Settings
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
from bot.db.models import DmChannel, Group, GroupMember, MemberProfile
from bot.discord.http_pacing import pacing_trace
from bot.messaging.pacing import Pacer
from bot.runtime import BotRunner, point_at_api
from bot.services.actors import Actor
from tests.e2e.conftest import TOKEN
from tests.fake_discord import FakeDiscord
from tests.support.clock import FakeClock

CEILING = 50.0
GOAL = 0.97
SEND = "/channels/{channel_id}/messages"
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


async def fanout(members: int, workdir: Path) -> tuple[float, int]:
    """Send one round to ``members`` through the bot and the fake; return messages/s and global 429s."""
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

        counted = {"requests": 0, "sent": 0}

        def all_sent() -> bool:
            # Counts as it goes over answered requests (the fake records each one as it arrives and
            # sets its status once answered): this runs ten times a second.
            requests, i = fake.requests, counted["requests"]
            while i < len(requests) and requests[i].status != 0:
                r = requests[i]
                counted["sent"] += r.route == SEND and r.method == "POST" and r.status == 200
                i += 1
            counted["requests"] = i
            return counted["sent"] >= members

        started = time.perf_counter()
        await services.checkins.run_planner()  # wakes the outbox, which sends in the background
        planned = time.perf_counter() - started
        await fake.hub.wait_for(all_sent, members / 10 + 120, "the round to arrive")
        elapsed = time.perf_counter() - started
        throttled = sum(1 for r in fake.requests if r.status == 429)
        global_429s = sum(
            1
            for r in fake.requests
            if r.status == 429 and isinstance(r.response, dict) and r.response.get("global")
        )
        dms = sum(len(fake.dm_messages(u)) for u in users)
        print(
            f"{members} members: planned in {planned:.1f} s; {dms} DMs arrived "
            f"({throttled} requests answered 429, {global_429s} of them global) in {elapsed:.1f} s; "
            f"requests waited {runner.pacer.waited if runner.pacer else 0:.1f} s for a slot, summed",
            flush=True,
        )
        stop.set()
        await asyncio.wait_for(task, 30)
        return dms / elapsed, global_429s
    finally:
        await fake.stop()


async def paced_only(members: int) -> tuple[float, int]:
    """The same pacer in a bare discord.py client with no database: what the pacing alone allows.

    Eight DMs in flight, as the bot's outbox sends them; messages/s from the first to the last.
    """
    fake = FakeDiscord(token=TOKEN, global_rate_limit=int(CEILING))
    await fake.start()
    client = discord.Client(intents=discord.Intents.none(), http_trace=pacing_trace(Pacer(int(CEILING))))
    try:
        guild = fake.add_guild("Benchmark", owner=fake.add_user("owner"))
        users = [fake.add_user(f"member{i}") for i in range(members)]
        for user in users:
            guild.add_member(user)  # Discord lets a bot DM only people it shares a server with
        channels = [fake.dm_channel(u).id for u in users]
        point_at_api(fake.api_base_url)
        await client.login(TOKEN)
        in_flight = asyncio.Semaphore(8)

        async def send(channel_id: int) -> None:
            async with in_flight:
                await client.get_partial_messageable(channel_id).send("How did this week go?")

        started = time.perf_counter()
        await asyncio.gather(*(send(c) for c in channels))
        elapsed = time.perf_counter() - started
        global_429s = sum(
            1
            for r in fake.requests
            if r.status == 429 and isinstance(r.response, dict) and r.response.get("global")
        )
        print(f"{members} DMs from a bare client: {elapsed:.1f} s", flush=True)
        return members / elapsed, global_429s
    finally:
        await client.close()
        await fake.stop()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument(
        "--bare",
        action="store_true",
        help="also send the same DMs from a bare discord.py client with the bot's pacer (no database)",
    )
    args = parser.parse_args()
    rates = []
    for members in args.members:
        workdir = Path(tempfile.mkdtemp(prefix="fanout-"))
        try:
            rates.append((members, await fanout(members, workdir)))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    bare = [(members, await paced_only(members)) for members in args.members] if args.bare else []
    for what, results in (("check-in round", rates), ("pacer alone (bare client)", bare)):
        for members, (rate, global_429s) in results:
            share = rate / CEILING
            passed = share >= GOAL and global_429s == 0
            print(
                f"{what} to {members} members: {rate:.1f} messages/s = {share:.3f} of the 50/s ceiling, "
                f"{global_429s} global 429s (goal >= {GOAL:.2f} and none) {'PASS' if passed else 'MISS'}"
            )


if __name__ == "__main__":
    asyncio.run(main())
