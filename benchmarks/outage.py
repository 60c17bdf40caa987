"""After a long outage: do the check-ins due right after the restart arrive on time, or behind a backlog?

A server of 100 groups of 5 members, each group checking in daily at 09:00 UTC, is set up with
the bot; the bot stops and starts again 61 days (then 210 days) later, a minute before the day's
check-ins, against a fake Discord enforcing the real 50 requests/second global limit. Once the
catch-up has begun (the first round summary arrived), the clock reaches 09:00. Prints how long
after that every member's check-in had arrived (goal: within ``--within`` seconds, default 30;
sending 500 DMs at the bot's 48/s takes 10.4 s), how many round summary cards were queued and
how many of them were posted before the last check-in.

    python benchmarks/outage.py [--groups 100] [--days 61 210] [--within 30] [--limit 300]

The machine may be shared: wall-clock figures carry its load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from bot.config import DatabaseSettings, DiscordSettings, Settings
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
from bot.db.models import DmChannel, Group, GroupMember, MemberProfile, OutboxMessage
from bot.runtime import BotRunner
from bot.services.actors import Actor
from tests.e2e.conftest import TOKEN
from tests.fake_discord import FakeDiscord
from tests.support.clock import FakeClock

CEILING = 50
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SEND = "/channels/{channel_id}/messages"
SUMMARY = "Check-in round closed"
MEMBERS_PER_GROUP = 5


async def seed(
    db: Database, guild_id: int, homes: list[int], users: list[list[int]], dms: dict[int, int]
) -> list[int]:
    """Put the groups and their members straight into the database; return the groups' ids."""
    ids = []
    async with db.transaction() as session:
        for n, (home, members) in enumerate(zip(homes, users, strict=True)):
            group = Group(
                guild_id=guild_id,
                name=f"Group {n}",
                name_key=f"group {n}",
                kind="peer",
                is_open=False,
                created_by=0,
                created_at=START,
                home_channel_id=home,
            )
            session.add(group)
            await session.flush()
            ids.append(group.id)
            await session.execute(
                insert(GroupMember),
                [
                    {
                        "group_id": group.id,
                        "guild_id": guild_id,
                        "user_id": u,
                        "role": "peer",
                        "joined_at": START,
                    }
                    for u in members
                ],
            )
        everyone = [u for members in users for u in members]
        await session.execute(
            insert(MemberProfile),
            [
                {
                    "guild_id": guild_id,
                    "user_id": u,
                    "timezone": "UTC",
                    "interests": [],
                    "dm_allowed": True,
                    "created_at": START,
                    "updated_at": START,
                }
                for u in everyone
            ],
        )
        await session.execute(insert(DmChannel), [{"user_id": u, "channel_id": c} for u, c in dms.items()])
    return ids


@dataclass(frozen=True)
class Figures:
    """What one restart showed."""

    late: float | None  # seconds from 09:00 until every check-in arrived; None: not within the limit
    checkins: int
    summaries: int  # round summary cards queued in all
    summaries_first: int  # of them posted before the last check-in


def settings_for(fake: FakeDiscord, url: str) -> Settings:
    return Settings(
        discord=DiscordSettings(token=TOKEN, api_base_url=fake.api_base_url),
        database=DatabaseSettings(url=url),
    )


async def outage(days: int, groups: int, workdir: Path, limit: float) -> Figures:
    """Restart after ``days`` down; measure how late the check-ins due a minute later arrive."""
    fake = FakeDiscord(token=TOKEN, global_rate_limit=CEILING)
    await fake.start()
    try:
        owner = fake.add_user("owner")
        guild = fake.add_guild("Benchmark", owner=owner)
        homes = [guild.add_text_channel(f"group-{n}") for n in range(groups)]
        users = [[fake.add_user(f"m{g}-{i}") for i in range(MEMBERS_PER_GROUP)] for g in range(groups)]
        for members in users:
            for user in members:
                guild.add_member(user)
        url = f"sqlite+aiosqlite:///{workdir / 'outage.db'}"
        await upgrade_async(url)
        db = Database.from_url(url)
        everyone = [u for members in users for u in members]
        group_ids = await seed(
            db,
            guild.id,
            [h.id for h in homes],
            [[u.id for u in members] for members in users],
            {u.id: fake.dm_channel(u).id for u in everyone},
        )
        await db.dispose()

        # The program as it was before the outage: a daily schedule per group.
        clock = FakeClock(START)
        runner = BotRunner(settings_for(fake, url), clock=clock)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        await fake.wait_until_ready(timeout=60)
        assert runner.services is not None
        admin = Actor(owner.id, is_admin=True)
        for group_id in group_ids:
            await runner.services.checkins.create_schedule(
                guild.id, admin, group_id, kind="daily", time="09:00"
            )
        stop.set()
        await asyncio.wait_for(task, 60)

        # Down for ``days``; back a minute before that day's 09:00, when the check-ins fall due.
        clock.set(START + timedelta(days=days, minutes=59))
        sent_before = len(fake.requests)
        runner = BotRunner(settings_for(fake, url), clock=clock, migrate=False)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        dated = f"{START + timedelta(days=days):%A %d %B}"

        def arrived() -> list[tuple[int, str]]:
            """Return (message id, kind) of what the restarted bot posted so far, in arrival order."""
            found = []
            for request in fake.requests[sent_before:]:
                if request.route != SEND or request.method != "POST" or request.status != 200:
                    continue
                text = str(request.json)
                if "Check-in ·" in text and dated in text:
                    found.append((int(request.response["id"]), "checkin"))
                elif SUMMARY in text:
                    found.append((int(request.response["id"]), SUMMARY))
            return found

        def catching_up() -> bool:
            return any(kind == SUMMARY for _, kind in arrived())

        # Once the catch-up is under way, 09:00 comes: the check-ins are due now.
        await fake.hub.wait_for(catching_up, 600, "the first round summary")
        clock.set(START + timedelta(days=days, hours=1, seconds=1))
        due = time.perf_counter()
        assert runner.services is not None
        runner.services.scheduler.run_soon("outbox")

        def all_checkins() -> bool:
            return sum(kind == "checkin" for _, kind in arrived()) >= len(everyone)

        elapsed: float | None = None
        with contextlib.suppress(AssertionError, TimeoutError):  # not in time is a figure (MISS)
            await fake.hub.wait_for(all_checkins, limit, "the day's check-ins to arrive")
            elapsed = time.perf_counter() - due
        posted = arrived()
        checkins = [mid for mid, kind in posted if kind == "checkin"]
        before_last = sum(kind == SUMMARY and (not checkins or mid < max(checkins)) for mid, kind in posted)
        stop.set()
        await asyncio.wait_for(task, 120)
        db = Database.from_url(url)
        async with db.reading() as session:
            queued = await session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key.like("checkin-digest:%"))
            )
        await db.dispose()
        return Figures(elapsed, len(checkins), int(queued or 0), before_last)
    finally:
        await fake.stop()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--days", type=int, nargs="+", default=[61, 210])
    parser.add_argument("--within", type=float, default=30.0)
    parser.add_argument("--limit", type=float, default=300.0, help="give up waiting after this many seconds")
    args = parser.parse_args()
    results = []
    for days in args.days:
        workdir = Path(tempfile.mkdtemp(prefix="outage-"))
        try:
            results.append((days, await outage(days, args.groups, workdir, args.limit)))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    members = args.groups * MEMBERS_PER_GROUP
    for days, f in results:
        late = (
            f"{f.late:.1f} s" if f.late is not None else f"not within {args.limit:.0f} s ({f.checkins} had)"
        )
        verdict = "PASS" if f.late is not None and f.late <= args.within else "MISS"
        print(
            f"{days} days down, {members} members in {args.groups} groups: the check-ins due a minute after "
            f"the restart all arrived {late} after their time (goal <= {args.within:.0f} s) {verdict}; "
            f"{f.summaries} round summary cards queued, {f.summaries_first} posted before the last check-in"
        )


if __name__ == "__main__":
    asyncio.run(main())
