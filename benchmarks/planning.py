"""Check-in planning: how long the planner takes to plan one round for 100,000 members.

Plans the round (one delivery and one outbox message per member, the round records) in one
unit of work, as the planner job does, on SQLite and on PostgreSQL, for two shapes of program:
10,000 groups of 10 (one schedule each) and one group of 100,000.

    python benchmarks/planning.py [--members 100000] [--groups 10000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test | --no-postgres]

On PostgreSQL it creates a scratch database ``mentorbot_bench_<pid>`` and drops it afterwards;
an unreachable server is skipped with a message. Goals for a round of 100,000: at most 2 s on
SQLite, 4 s on PostgreSQL.
After each round it times planner runs with nothing due (goal: at most 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from benchmarks._world import DUE, START, scratch_postgres, seed_program, verdict
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
from bot.db.models import CheckinDelivery, OutboxMessage
from bot.scheduling import SchedulingEngine
from bot.services.checkins import CheckinService
from bot.services.groups import GroupService
from bot.services.settings import SettingsService
from tests.support.clock import FakeClock

GOALS = {"SQLite": 2.0, "PostgreSQL": 4.0}
STEADY_GOAL = 0.050
GUILD = 1


async def plan_once(url: str, members: int, groups: int) -> tuple[float, float]:
    """Seed a program on an empty database at ``url`` and plan its round; return seconds.

    Also return the slowest of five planner runs after it, five minutes apart, with nothing due.
    """
    await upgrade_async(url)
    db = Database.from_url(url)
    try:
        await seed_program(db, GUILD, range(10_000, 10_000 + members), groups=groups)
        clock = FakeClock(START)
        engine = SchedulingEngine()
        settings = SettingsService(db)
        group_service = GroupService(db, clock, settings, engine)
        checkins = CheckinService(db, clock, settings, group_service, engine)
        clock.set(DUE)
        started = time.perf_counter()
        await checkins.run_planner()
        elapsed = time.perf_counter() - started
        async with db.transaction() as session:
            due = await session.scalar(
                select(func.count())
                .select_from(CheckinDelivery)
                .where(CheckinDelivery.round_date == DUE.date())
            )
            queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
        assert due == queued == members, (due, queued)
        steady = []
        for run in range(1, 6):
            clock.set(DUE + timedelta(minutes=5 * run))
            started = time.perf_counter()
            await checkins.run_planner()
            steady.append(time.perf_counter() - started)
        return elapsed, max(steady)
    finally:
        await db.dispose()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    shapes = [(args.groups, f"{args.groups} groups"), (1, "1 group")]
    results: list[tuple[str, str, float, float]] = []
    workdir = Path(tempfile.mkdtemp(prefix="planning-"))
    try:
        for groups, shape in shapes:
            url = f"sqlite+aiosqlite:///{workdir / f'plan-{groups}.db'}"
            results.append(("SQLite", shape, *await plan_once(url, args.members, groups)))
            print(f"SQLite, {shape}: planned in {results[-1][2]:.2f} s", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.no_postgres:
        print("PostgreSQL: skipped (--no-postgres)")
    else:
        for groups, shape in shapes:
            async with scratch_postgres(args.postgres) as url:
                if url is None:
                    break
                results.append(("PostgreSQL", shape, *await plan_once(url, args.members, groups)))
                print(f"PostgreSQL, {shape}: planned in {results[-1][2]:.2f} s", flush=True)
    for backend, shape, seconds, steady in results:
        goal = GOALS[backend]
        print(
            f"planning {args.members} members ({backend}, {shape}): {seconds:.2f} s "
            f"(goal <= {goal:.0f} s) {verdict(seconds <= goal)}"
        )
        print(
            f"planner run with nothing due ({backend}, {shape}): {steady * 1000:.0f} ms "
            f"(goal <= {STEADY_GOAL * 1000:.0f} ms) {verdict(steady <= STEADY_GOAL)}"
        )


if __name__ == "__main__":
    asyncio.run(main())
