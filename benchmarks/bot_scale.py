"""The bot with 100,000 members and 10,000 groups: slash-command latency and peak memory.

Seeds the program straight into a database, serves a fake Discord (with the 50 requests/s
global limit) in this process and runs the bot alone in a child process
(benchmarks/_bot_process.py, the same BotRunner as `mentorbot run`), so the memory measured
is the bot's own. Then:

1. latency: members run common slash commands (/profile show, /checkin history, /goal list,
   /group list, /help); the time from the fake dispatching INTERACTION_CREATE to the bot's
   first answer (its interaction callback), p50 and p99 per command (goal: p99 at most 50 ms
   for every command);
2. the clock moves to the round's time and the bot plans the round for every member, then
   sends for a while; the same commands are timed again meanwhile (same goal);
3. the bot stops and reports its resident-memory high-water mark (goal: at most 200 MB).

    python benchmarks/bot_scale.py [--members 100000] [--groups 10000] [--rounds 40]
        [--send-seconds 20] [--database URL] [--trace]

``--database postgresql+asyncpg://postgres@127.0.0.1:5432/test`` runs it on a scratch database
on that server (dropped afterwards); ``--trace`` has the bot print tracemalloc's largest
allocation sites (slower, and the peak then includes tracemalloc's own bookkeeping).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._world import scratch_postgres, seed_program, verdict
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
from tests.e2e.conftest import TOKEN
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import FakeGuild, FakeUser

LATENCY_GOAL = 0.050
MEMORY_GOAL = 200 * 10**6
COMMANDS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("profile show", {}),
    ("checkin history", {}),
    ("goal list", {}),
    ("group list", {}),
    ("help", {}),
)
ACTORS = 50


class Child:
    """The bot process, and the JSON lines it says."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, fake: FakeDiscord, database_url: str, *options: str) -> Child:
        """Start benchmarks/_bot_process.py against ``fake`` and the database at ``database_url``."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).with_name("_bot_process.py")),
            "--api",
            fake.api_base_url,
            "--database",
            database_url,
            *options,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**20,
        )
        return cls(process)

    async def tell(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()

    async def hear(self, event: str, within: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), within)
            if not line:
                raise RuntimeError(
                    f"the bot process ended (exit {await self.process.wait()}) before {event!r}"
                )
            try:
                said = json.loads(line)
            except ValueError:
                continue  # something else on stdout
            if said.get("event") == event:
                return said


@contextlib.asynccontextmanager
async def database(url: str | None, workdir: Path) -> AsyncIterator[str | None]:
    if url is None:
        yield f"sqlite+aiosqlite:///{workdir / 'scale.db'}"
        return
    async with scratch_postgres(url) as scratch:
        yield scratch


async def time_commands(
    fake: FakeDiscord, guild: FakeGuild, actors: list[FakeUser], rounds: int
) -> list[tuple[str, float]]:
    """Run every command ``rounds`` times (actors in turn); return each one's seconds to the answer."""
    took = []
    for n in range(rounds):
        for command, options in COMMANDS:
            reply = await fake.slash(actors[n % len(actors)], guild, command, **options)
            interaction = reply.interaction
            took.append((command, interaction.answered_at - interaction.created_at))
    return took


def describe(took: list[float]) -> tuple[float, str]:
    """Return the p99 of ``took`` and a line with its p50, p99 and maximum in milliseconds."""
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    p50, p99 = cuts[49] * 1000, cuts[98] * 1000
    return cuts[98], f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(took) * 1000:.1f} ms"


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40, help="times each command is timed per phase")
    parser.add_argument("--send-seconds", type=float, default=20.0)
    parser.add_argument("--database", default=None, help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="scale-"))
    fake = FakeDiscord(token=TOKEN, global_rate_limit=50)
    await fake.start()
    try:
        owner = fake.add_user("owner")
        guild = fake.add_guild("Benchmark", owner=owner)
        guild.add_text_channel("general")
        users = [fake.add_user(f"member{i}") for i in range(args.members)]
        for user in users:
            guild.add_member(user)
        actors = users[:ACTORS]
        async with database(args.database, workdir) as url:
            if url is None:
                return
            started = time.perf_counter()
            await upgrade_async(url)
            db = Database.from_url(url)
            await seed_program(
                db,
                guild.id,
                [u.id for u in users],
                groups=args.groups,
                dm_channels={u.id: fake.dm_channel(u).id for u in users},
                actors=[u.id for u in actors],
            )
            await db.dispose()
            seconds = time.perf_counter() - started
            print(f"seeded {args.members} members in {args.groups} groups in {seconds:.0f} s")
            # The fake Discord's own 100,000 members and their channels stay to the end: frozen, this
            # process's full garbage collections skip them instead of pausing it (and with it the
            # interactions it times) for a good part of a second.
            gc.collect()
            gc.freeze()
            await measure(fake, guild, actors, url, args)
    finally:
        await fake.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def measure(fake: FakeDiscord, guild: FakeGuild, actors: list[FakeUser], url: str, args: Any) -> None:
    child = await Child.start(fake, url, *(["--trace"] if args.trace else []))
    try:
        await child.hear("ready", 600)
        await fake.wait_until_ready(timeout=30)
        await time_commands(fake, guild, actors, 2)  # warm up: first calls import and compile
        idle = await time_commands(fake, guild, actors, args.rounds)
        sends_before = len(fake.requests)
        await child.tell("plan")
        # Commands while the bot plans and then sends the round: what members meet on a busy morning.
        busy_task = asyncio.create_task(time_commands(fake, guild, actors, args.rounds))
        planned = await child.hear("planned", 600)
        print(f"the bot planned the round of {planned['schedules']} schedules in {planned['seconds']:.1f} s")
        busy = await busy_task
        await asyncio.sleep(max(0.0, args.send_seconds))
        sent = sum(
            1
            for r in fake.requests[sends_before:]
            if r.route == "/channels/{channel_id}/messages" and r.method == "POST" and r.status == 200
        )
        await child.tell("stop")
        stopped = await child.hear("stopped", 120)
    finally:
        try:
            await asyncio.wait_for(child.process.wait(), 30)
        except TimeoutError:
            child.process.kill()
            await child.process.wait()
    for line in stopped["top"]:
        print(line)
    print(f"the bot sent {sent} messages meanwhile")
    goal = f"goal p99 <= {LATENCY_GOAL * 1000:.0f} ms"
    for label, timed in (("idle", idle), ("during the round", busy)):
        misses = []
        for command, _ in COMMANDS:
            p99, text = describe([t for c, t in timed if c == command])
            if p99 > LATENCY_GOAL:
                misses.append(f"/{command}")
            print(f"  /{command} ({label}): {text} ({goal}) {verdict(p99 <= LATENCY_GOAL)}")
        _, text = describe([t for _, t in timed])
        missed = f" (missed: {', '.join(misses)})" if misses else ""
        print(
            f"slash-command latency with {args.members} members ({label}, {len(timed)} commands): {text}; "
            f"every command's {goal}: {verdict(not misses)}{missed}"
        )
    peak = stopped["peak_rss"]
    print(
        f"peak memory of the bot process with {args.members} members and {args.groups} groups: "
        f"{peak / 10**6:.0f} MB ({peak / 2**20:.0f} MiB) (goal <= {MEMORY_GOAL / 10**6:.0f} MB) "
        f"{verdict(peak <= MEMORY_GOAL)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
