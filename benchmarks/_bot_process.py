"""The bot alone in its own process, for benchmarks/bot_scale.py and benchmarks/sharded.py
(which measure it from outside).

Runs the bot as `mentorbot run` does (BotRunner) against the fake Discord of the parent
process, with a clock the parent moves (``--shard-count`` and ``--shard-ids`` as
``discord.shard_count`` and ``discord.shard_ids``, ``--send-rate`` as
``scheduler.send_rate_per_second``), and talks over stdin/stdout in JSON lines:

    -> {"event": "ready"}
    <- "plan"                     the clock moves to the round's time and the planner runs
    -> {"event": "planned", "schedules": n, "seconds": s}
    <- "stop"
    -> {"event": "stopped", "peak_rss": bytes, "top": [...]}   (top: tracemalloc, with --trace)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._world import DUE, START
from bot.config import DatabaseSettings, DiscordSettings, SchedulerSettings, Settings
from bot.db.turns import background_work
from bot.runtime import BotRunner
from tests.e2e.conftest import TOKEN
from tests.support.clock import FakeClock


def say(event: str, **data: object) -> None:
    """Tell the parent something (one JSON line on stdout)."""
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


def peak_rss() -> int:
    """Return the process's resident-memory high-water mark in bytes (Linux's VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("bot.db.engine").setLevel(logging.WARNING)  # units of work that held the database long
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--trace", action="store_true", help="keep tracemalloc's top allocation sites")
    parser.add_argument("--shard-count", type=int, default=None)
    parser.add_argument("--shard-ids", default=None, help="comma-separated, e.g. 0,1")
    parser.add_argument("--send-rate", type=float, default=SchedulerSettings().send_rate_per_second)
    args = parser.parse_args()
    if args.trace:
        tracemalloc.start(10)
    clock = FakeClock(START)
    settings = Settings(
        discord=DiscordSettings(
            token=TOKEN,
            api_base_url=args.api,
            shard_count=args.shard_count,
            shard_ids=None if args.shard_ids is None else [int(i) for i in args.shard_ids.split(",")],
        ),
        database=DatabaseSettings(url=args.database),
        scheduler=SchedulerSettings(send_rate_per_second=args.send_rate),
    )
    runner = BotRunner(settings, clock=clock, migrate=False)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    while runner.bot is None or not runner.bot.is_ready():
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    say("ready")
    loop = asyncio.get_running_loop()
    peak_snapshot = None
    while (command := (await loop.run_in_executor(None, sys.stdin.readline)).strip()) not in ("stop", ""):
        if command == "plan":
            assert runner.services is not None
            clock.set(DUE)
            started = time.perf_counter()
            with background_work():  # as the bot's own periodic planner runs it
                planned = await runner.services.checkins.run_planner()  # wakes the outbox
            seconds = time.perf_counter() - started
            if args.trace:
                peak_snapshot = tracemalloc.take_snapshot()
            say("planned", schedules=planned, seconds=seconds)
    stop.set()
    await asyncio.wait_for(task, 60)
    top: list[str] = []
    if args.trace:
        snapshot = tracemalloc.take_snapshot()
        traced_peak = tracemalloc.get_traced_memory()[1]
        top.append(f"tracemalloc peak {traced_peak / 2**20:.0f} MiB; largest sites after planning:")
        for stat in (peak_snapshot or snapshot).statistics("lineno")[:15]:
            top.append(f"{stat.size / 2**20:7.1f} MiB {stat.count:8d} blocks  {stat.traceback[0]}")
        top.append("largest sites at the end:")
        for stat in snapshot.statistics("lineno")[:15]:
            top.append(f"{stat.size / 2**20:7.1f} MiB {stat.count:8d} blocks  {stat.traceback[0]}")
    say("stopped", peak_rss=peak_rss(), top=top)


if __name__ == "__main__":
    asyncio.run(main())
