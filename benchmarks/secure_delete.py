"""What SQLite's ``secure_delete`` costs a check-in round's writes.

The bot overwrites deleted content with zeros (``PRAGMA secure_delete=ON``) so that an erasure
leaves no words in the database's free pages. This times a round's writes with it on and, for
comparison, off: planning the round (one delivery and one outbox message per member), sending
it through the outbox dispatcher (a claim per batch, one update per message; Discord replaced by
an instant recorder, so only the database is timed), and pruning the settled messages 31 days
later (the deletes, where zeroing costs most). Runs alternate on and off, each on a fresh copy
of the same seeded database; the median of each is compared. Goal: at most 15 % slower.

Then what the scrub after an erasure costs (SQLite: the WAL checkpointed and truncated;
PostgreSQL, on a scratch database ``mentorbot_bench_<pid>``: the touched tables vacuumed), with
the round still in the database: three members erased one after the other. Goal: under 1 s.

    python benchmarks/secure_delete.py [--members 5000] [--groups 500] [--runs 3]
        [--postgres URL | --no-postgres]

On a shared, loaded machine the figures vary from run to run by more than the difference;
read the medians, not one run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from benchmarks._world import DUE, START, scratch_postgres, seed_program, verdict
from bot.config import Settings
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
from bot.messaging.outbox import OutboxDispatcher
from bot.scheduling import SchedulingEngine
from bot.services.checkins import CheckinService
from bot.services.container import Services
from bot.services.groups import GroupService
from bot.services.settings import SettingsService
from tests.support.clock import FakeClock
from tests.support.notifier import RecordingNotifier

GOAL = 0.15
SCRUB_GOAL_SECONDS = 1.0
GUILD = 1
PHASES = ("plan", "send", "prune")


async def round_writes(path: Path, secure: bool) -> dict[str, float]:
    """Plan, send and prune one round on the seeded database at ``path``; return seconds per phase."""
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    if not secure:  # runs after the bot's own connect listener, which turns it on

        @event.listens_for(db.engine.sync_engine, "connect")
        def _off(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.cursor().execute("PRAGMA secure_delete=OFF")

    try:
        clock = FakeClock(START)
        engine = SchedulingEngine()
        settings = SettingsService(db)
        checkins = CheckinService(db, clock, settings, GroupService(db, clock, settings, engine), engine)
        outbox = OutboxDispatcher(db, clock, RecordingNotifier(clock))
        async with db.engine.connect() as connection:
            on = (await connection.exec_driver_sql("PRAGMA secure_delete")).scalar()
        assert on == int(secure), (on, secure)
        clock.set(DUE)
        times = {}
        started = time.perf_counter()
        planned = await checkins.run_planner()
        times["plan"] = time.perf_counter() - started
        started = time.perf_counter()
        report = await outbox.dispatch_due()
        times["send"] = time.perf_counter() - started
        assert planned > 0 and report.sent > 0, (report, planned)  # schedules planned, DMs sent
        started = time.perf_counter()
        pruned = await outbox.prune(DUE + timedelta(days=31))
        times["prune"] = time.perf_counter() - started
        assert pruned == report.sent, (pruned, report.sent)
        return times
    finally:
        await db.dispose()


async def erasure_scrubs(url: str, members: int, groups: int) -> list[tuple[float, float]]:
    """Seed, plan a round, erase three members; return (erasure, of which the scrub) in seconds."""
    await upgrade_async(url)
    db = Database.from_url(url)
    try:
        await seed_program(db, GUILD, range(10_000, 10_000 + members), groups=groups)
        clock = FakeClock(START)
        services = Services.build(Settings(), db, clock)
        clock.set(DUE)
        await services.checkins.run_planner()
        scrub, spent = db.scrub, []

        async def timed(tables: Any = ()) -> bool:
            started = time.perf_counter()
            try:
                return await scrub(tables)
            finally:
                spent.append(time.perf_counter() - started)

        db.scrub = timed  # type: ignore[method-assign]
        results = []
        for user_id in (10_001, 10_002, 10_003):
            started = time.perf_counter()
            await services.privacy.erase(GUILD, user_id)
            results.append((time.perf_counter() - started, spent[-1]))
        return results
    finally:
        await db.dispose()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="secure-delete-"))
    try:
        seeded = workdir / "seeded.db"
        await upgrade_async(f"sqlite+aiosqlite:///{seeded}")
        db = Database.from_url(f"sqlite+aiosqlite:///{seeded}")
        await seed_program(db, GUILD, range(10_000, 10_000 + args.members), groups=args.groups)
        await db.scrub(["seed"])  # checkpoint: the copies below are whole in one file
        await db.dispose()
        results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
        for run in range(args.runs):
            for secure in (run % 2 == 0, run % 2 != 0):  # alternate who goes first
                copy = workdir / f"run-{run}-{int(secure)}.db"
                shutil.copyfile(seeded, copy)
                times = await round_writes(copy, secure)
                results[secure].append(times)
                label = "on " if secure else "off"
                figures = ", ".join(f"{p} {times[p]:.2f} s" for p in PHASES)
                print(f"run {run + 1}, secure_delete {label}: {figures}", flush=True)
        scrubs = {
            "SQLite": await erasure_scrubs(
                f"sqlite+aiosqlite:///{workdir / 'erase.db'}", args.members, args.groups
            )
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.no_postgres:
        async with scratch_postgres(args.postgres) as url:
            if url is not None:
                scrubs["PostgreSQL"] = await erasure_scrubs(url, args.members, args.groups)
    medians = {
        secure: {p: statistics.median(r[p] for r in runs) for p in PHASES} for secure, runs in results.items()
    }
    for phase in PHASES:
        on, off = medians[True][phase], medians[False][phase]
        print(f"{phase}: on {on:.2f} s, off {off:.2f} s ({(on / off - 1) * 100:+.0f} %)")
    on, off = sum(medians[True].values()), sum(medians[False].values())
    cost = on / off - 1
    print(
        f"secure_delete on a round's writes for {args.members} members: {on:.2f} s against {off:.2f} s, "
        f"{cost * 100:+.0f} % (goal at most {GOAL * 100:.0f} %) {verdict(cost <= GOAL)}"
    )
    for database, results in scrubs.items():
        figures = ", ".join(f"{total:.2f} s (scrub {scrub * 1000:.0f} ms)" for total, scrub in results)
        worst = max(scrub for _, scrub in results)
        print(
            f"{database}: three erasures among {args.members} members took {figures}; the scrub at most "
            f"{worst * 1000:.0f} ms (goal < {SCRUB_GOAL_SECONDS:.0f} s) {verdict(worst < SCRUB_GOAL_SECONDS)}"
        )


if __name__ == "__main__":
    asyncio.run(main())
