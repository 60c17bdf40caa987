"""Start-up at scale: one process recording its shard's 25,000 servers on PostgreSQL.

At start-up every server of a shard arrives within seconds (``guild_available`` from
discord.py, one per GUILD_CREATE), then ``shard_ready``. This replays that on the database
alone, as one of 4 shard processes sees it (``GuildService.arrived`` for each of its servers
at once, then ``reconcile``), with the table already holding every shard's servers (a
restart) and then empty (the first start). Each server that could not be recorded, a pool
timeout for instance, counts as failed.

    python benchmarks/startup_servers.py [--servers 25000] [--database URL]

The database is ``mentorbot_bench_<pid>`` on the ``--database`` server (default the test
server), dropped afterwards. Goal: every server recorded, none failed, within 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from benchmarks._world import scratch_postgres, verdict
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
from bot.db.models import GuildRecord
from bot.db.upsert import insert_ignore
from bot.services.guilds import GuildService
from tests.support.clock import FakeClock

SHARDS = 4
GOAL_SECONDS = 5.0


def servers(shard: int, count: int) -> list[int]:
    """Return ``count`` server ids that Discord puts on ``shard`` of ``SHARDS``."""
    return [((n * SHARDS + shard) << 22) + 1 for n in range(count)]


async def start_up(url: str, count: int, *, restart: bool) -> None:
    """Record shard 0's servers as its process does at start-up; print the time and failures."""
    db = Database.from_url(url)
    clock = FakeClock()
    try:
        if restart:
            rows = [
                {"guild_id": g, "joined_at": clock.now()} for s in range(SHARDS) for g in servers(s, count)
            ]
            async with db.transaction() as session:
                await insert_ignore(session, GuildRecord.__table__, rows)
        guilds = GuildService(db, clock)
        mine = servers(0, count)
        started = time.perf_counter()
        arrivals = await asyncio.gather(*(guilds.arrived(g) for g in mine), return_exceptions=True)
        arrived = time.perf_counter() - started
        marked = await guilds.reconcile(0, SHARDS, mine)
        took = time.perf_counter() - started
        failed = sum(isinstance(result, BaseException) for result in arrivals)
        async with db.reading() as session:
            present = await session.scalar(select(func.count()).where(GuildRecord.left_at.is_(None)))
        expected = count * SHARDS if restart else count
        ok = failed == 0 and not marked and present == expected and took <= GOAL_SECONDS
        print(
            f"{'restart' if restart else 'first start'}: {count} servers arrived in {arrived:.1f} s, "
            f"{failed} failed; shard ready done at {took:.1f} s; {present} of {expected} recorded present "
            f"(goal: all, within {GOAL_SECONDS:.0f} s) {verdict(ok)}"
        )
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=25_000, help="servers of the process's shard")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    for restart in (True, False):
        async with scratch_postgres(args.database) as url:
            if url is None:
                return
            await upgrade_async(url)
            await start_up(url, args.servers, restart=restart)


if __name__ == "__main__":
    asyncio.run(main())
