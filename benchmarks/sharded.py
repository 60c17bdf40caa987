"""A 1,000,000-member, 100,000-server deployment on PostgreSQL, run by 4 shard processes.

Serves a fake Discord (50 requests/s global limit, 4 recommended shards) in this process, with
``--guilds`` servers spread evenly over the shards and ``--members`` members (the same number in
each server), seeds the program straight into a scratch PostgreSQL database with COPY (every
server: its members with profiles and known DM channels, one peer group of them, one daily 09:00
check-in schedule, ``--past-rounds`` rounds already sent), and starts one bot process per shard
(benchmarks/_bot_process.py: the same BotRunner as `mentorbot run`, with ``discord.shard_count =
4``, its own ``discord.shard_ids`` and a quarter of the send budget, as README's "Running at
scale" says). Each process connects its shard, gets its servers' GUILD_CREATEs, answers their
commands and plans their check-ins only. Then:

1. members of every shard run common slash commands (/profile show, /checkin history,
   /goal list, /group list, /help), timed from the fake dispatching INTERACTION_CREATE to the
   bot's first answer, as in bot_scale.py;
2. the clock moves to the round's time in every process at once, as at 09:00 in a real
   deployment, and each plans the round for its members while the commands go on (and on
   while the processes start sending, until each has run ``--rounds`` of them).

Issue 16 asks this deployment timed and its figures reported: it sets no goal for it, so the
figures are printed beside the single-process goals scaled to a process's share, for comparison
(planning: 4 s per 100,000 of its members, 10 s for a quarter of 1,000,000; slash-command p99
during the round: 50 ms), without PASS/MISS. On one 2-core machine the 4 processes, PostgreSQL
and the fake share the two cores, where a deployment gives each process its own; ``--in-turn``
plans one process at a time instead (the others idle or sending), to see each process's
planning alone.

    python benchmarks/sharded.py [--members 1000000] [--guilds 100000] [--shards 4]
        [--rounds 40] [--past-rounds 1] [--in-turn] [--database URL]

Quick check: ``--members 20000 --guilds 2000``. The database is ``mentorbot_bench_<pid>`` on
the ``--database`` server (default the test server), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import statistics
import sys
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Table, func, insert, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks._world import CHECKIN_MINUTE, DUE, START, scratch_postgres
from benchmarks.bot_scale import COMMANDS, LATENCY_GOAL, Child
from bot.db.engine import Database
from bot.db.migrate import upgrade_async
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
    OutboxMessage,
)
from tests.e2e.conftest import TOKEN
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import FakeGuild, FakeUser

PLANNING_GOAL_PER_100K = 4.0  # seconds (issue 16: planning 100,000 members on PostgreSQL)
ACTORS_PER_SHARD = 10
DEADLINE = 3.0  # Discord's time to a first answer; a command not answered by then counts as this long
COPY_CHUNK = 50_000


@dataclass
class Shard:
    """One shard: its servers and members in the fake, its process, what it measured."""

    shard_id: int
    guilds: list[FakeGuild] = field(default_factory=list)
    members: int = 0
    people: dict[int, list[FakeUser]] = field(default_factory=dict)  # server id -> its members
    actors: list[tuple[FakeUser, FakeGuild]] = field(default_factory=list)
    child: Child | None = None
    planned: dict[str, Any] | None = None
    deliveries: int = 0  # of the round, counted in the database afterwards
    queued: int = 0  # DMs of the round in the outbox (or already sent)
    stopped: dict[str, Any] | None = None
    idle: list[tuple[str, float]] = field(default_factory=list)
    busy: list[tuple[str, float]] = field(default_factory=list)


def build_world(fake: FakeDiscord, shard_count: int, guilds: int, per_guild: int) -> list[Shard]:
    """Add the servers (round-robin over the shards) and their members to the fake."""
    shards = [Shard(i) for i in range(shard_count)]
    owner = fake.add_user("owner")
    for g in range(guilds):
        shard = shards[g % shard_count]
        guild = fake.add_guild(f"Server {g}", owner=owner, shard_id=shard.shard_id, shard_count=shard_count)
        users = [fake.add_user(f"m{g}.{i}") for i in range(per_guild)]
        for user in users:
            guild.add_member(user)
        if len(shard.actors) < ACTORS_PER_SHARD:
            guild.add_text_channel("general")
            shard.actors.append((users[0], guild))
        shard.guilds.append(guild)
        shard.people[guild.id] = users
        shard.members += per_guild
    return shards


async def copy_rows(session: AsyncSession, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """COPY ``rows`` into ``table`` in chunks, through the columns' own bind processing; return how many."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    names = list(first)
    dialect = session.get_bind().dialect
    processors = [table.c[name].type.bind_processor(dialect) for name in names]

    def records() -> Iterator[tuple[Any, ...]]:
        for row in itertools.chain([first], rows):
            yield tuple(row[n] if p is None else p(row[n]) for n, p in zip(names, processors, strict=True))

    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    count = 0
    stream = records()
    while chunk := list(itertools.islice(stream, COPY_CHUNK)):
        await raw.copy_records_to_table(table.name, records=chunk, columns=names)
        count += len(chunk)
    return count


async def seed(db: Database, fake: FakeDiscord, shards: list[Shard], past_rounds: int) -> int:
    """Seed every server's program with COPY; return how many rows went in."""
    guilds = [g for shard in shards for g in shard.guilds]
    members = {id_: users for shard in shards for id_, users in shard.people.items()}
    actors = {u.id for shard in shards for u, _ in shard.actors}
    long_ago, lately = START - timedelta(days=30), START - timedelta(days=1)
    rows = 0
    async with db.transaction() as session:
        rows += await copy_rows(
            session, GuildRecord.__table__, ({"guild_id": g.id, "joined_at": long_ago} for g in guilds)
        )
        rows += await copy_rows(
            session,
            Group.__table__,
            (
                {
                    "guild_id": g.id,
                    "name": "Circle",
                    "name_key": "circle",
                    "kind": "peer",
                    "is_open": False,
                    "created_by": 0,
                    "created_at": long_ago,
                    # Active yesterday: the quiet-group rescue has nothing to say at start-up.
                    "last_activity_at": lately,
                }
                for g in guilds
            ),
        )
        group_of = dict((await session.execute(select(Group.guild_id, Group.id))).all())
        rows += await copy_rows(
            session,
            GroupMember.__table__,
            (
                {
                    "group_id": group_of[g.id],
                    "guild_id": g.id,
                    "user_id": u.id,
                    "role": "peer",
                    "joined_at": long_ago,
                    "agreed_at": long_ago,
                    "agreed_version": 1,
                    "last_active_at": lately,
                }
                for g in guilds
                for u in members[g.id]
            ),
        )
        rows += await copy_rows(
            session,
            MemberProfile.__table__,
            (
                {
                    "guild_id": g.id,
                    "user_id": u.id,
                    "timezone": "UTC",
                    "interests": ["writing", "teaching"],
                    "dm_allowed": True,
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
                for g in guilds
                for u in members[g.id]
            ),
        )
        rows += await copy_rows(
            session,
            DmChannel.__table__,
            ({"user_id": u.id, "channel_id": fake.dm_channel(u).id} for g in guilds for u in members[g.id]),
        )
        rows += await copy_rows(
            session,
            CheckinSchedule.__table__,
            (
                {
                    "guild_id": g.id,
                    "group_id": group_of[g.id],
                    "cadence_kind": "daily",
                    "minute_of_day": CHECKIN_MINUTE,
                    "weekdays": [],
                    "every_weeks": 1,
                    "default_visibility": "private",
                    "paused": False,
                    "planned_until": START,
                    "created_by": 0,
                    "created_at": long_ago,
                }
                for g in guilds
            ),
        )
        schedule_of = dict(
            (await session.execute(select(CheckinSchedule.group_id, CheckinSchedule.id))).all()
        )
        for days_ago in range(past_rounds, 0, -1):
            due = START.replace(hour=9, minute=0) - timedelta(days=days_ago)
            rows += await copy_rows(
                session,
                CheckinDelivery.__table__,
                (
                    {
                        "guild_id": g.id,
                        "group_id": group_of[g.id],
                        "schedule_id": schedule_of[group_of[g.id]],
                        "user_id": u.id,
                        "round_date": due.date(),
                        "due_at": due,
                        "status": "answered" if u.id in actors else "sent",
                        "sent_at": due,
                        "answered_at": due + timedelta(hours=1) if u.id in actors else None,
                    }
                    for g in guilds
                    for u in members[g.id]
                ),
            )
        rows += await seed_actors(session, shards, group_of)
    async with db.engine.connect() as conn:  # statistics, as a database in service has them
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
    return rows


async def seed_actors(session: AsyncSession, shards: list[Shard], group_of: dict[int, int]) -> int:
    """Give the members who run commands answered check-ins and goals, so commands show something."""
    actors = {u.id: g for shard in shards for u, g in shard.actors}
    if not actors:
        return 0
    answered = (
        await session.execute(
            select(CheckinDelivery.id, CheckinDelivery.group_id, CheckinDelivery.user_id).where(
                CheckinDelivery.user_id.in_(list(actors))
            )
        )
    ).all()
    answers = [
        {
            "delivery_id": d.id,
            "guild_id": actors[d.user_id].id,
            "group_id": d.group_id,
            "user_id": d.user_id,
            "answers": [{"question": "How are you?", "kind": "text", "value": "Fine, thanks."}],
            "visibility": "private",
            "created_at": START - timedelta(days=1),
            "updated_at": START - timedelta(days=1),
        }
        for d in answered
    ]
    goals = [
        {
            "guild_id": guild.id,
            "owner_id": user_id,
            "group_id": group_of[guild.id],
            "title": f"Goal {n} of {user_id}",
            "horizon": "short",
            "visibility": "private",
            "progress": 10 * n,
            "status": "active",
            "created_at": START - timedelta(days=20),
            "last_activity_at": START - timedelta(days=2),
        }
        for user_id, guild in actors.items()
        for n in range(3)
    ]
    if answers:
        await session.execute(insert(CheckinAnswer.__table__), answers)
    await session.execute(insert(Goal.__table__), goals)
    return len(answers) + len(goals)


async def time_commands(
    fake: FakeDiscord, shard: Shard, rounds: int, until: asyncio.Event | None = None
) -> list:
    """Run every command ``rounds`` times (and on until ``until`` is set); return (command, seconds)."""
    took = []
    for n in itertools.count():
        if n >= rounds and (until is None or until.is_set()):
            return took
        user, guild = shard.actors[n % len(shard.actors)]
        for command, options in COMMANDS:
            try:
                reply = await fake.slash(user, guild, command, **options)
            except AssertionError as failed:  # the fake's way of saying Discord showed "did not respond"
                if "no response within" not in str(failed):
                    raise
                took.append((command, DEADLINE))
                continue
            took.append((command, reply.interaction.answered_at - reply.interaction.created_at))
    raise AssertionError("unreachable")


async def plan(fake: FakeDiscord, shard: Shard, rounds: int) -> None:
    """Have the shard's process plan the round while its members run commands."""
    assert shard.child is not None
    planned = asyncio.Event()
    await shard.child.tell("plan")
    busy = asyncio.create_task(time_commands(fake, shard, rounds, planned))
    try:
        shard.planned = await shard.child.hear("planned", 3600)
        print(f"shard {shard.shard_id}: planned in {shard.planned['seconds']:.1f} s", flush=True)
    finally:
        planned.set()
    shard.busy = await busy


@contextlib.asynccontextmanager
async def processes(
    fake: FakeDiscord, shards: list[Shard], url: str, send_rate: float
) -> AsyncIterator[None]:
    """Start one bot process per shard; stop them all at the end and keep what they said."""
    for shard in shards:
        shard.child = await Child.start(
            fake,
            url,
            "--shard-count",
            str(len(shards)),
            "--shard-ids",
            str(shard.shard_id),
            "--send-rate",
            str(send_rate),
        )
    try:
        yield
        for shard in shards:
            assert shard.child is not None
            await shard.child.tell("stop")
        for shard in shards:
            assert shard.child is not None
            shard.stopped = await shard.child.hear("stopped", 300)
    finally:
        for shard in shards:
            assert shard.child is not None
            try:
                await asyncio.wait_for(shard.child.process.wait(), 60)
            except TimeoutError:
                shard.child.process.kill()
                await shard.child.process.wait()


def describe(took: list[float]) -> tuple[float, str]:
    """Return the p99 of ``took`` and a line with its p50, p99 and maximum in milliseconds."""
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    return cuts[
        98
    ], f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, max {max(took) * 1000:.1f} ms"


async def count_round(db: Database, shards: list[Shard]) -> None:
    """Count each shard's deliveries of the round and their DMs in the outbox."""
    shard_of = literal_column("guild_id").op(">>")(literal_column("22")) % len(shards)
    async with db.transaction() as session:
        deliveries = await session.execute(
            select(shard_of, func.count())
            .select_from(CheckinDelivery)
            .where(CheckinDelivery.round_date == DUE.date())
            .group_by(shard_of)
        )
        queued = await session.execute(
            select(shard_of, func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like("checkin:%"))
            .group_by(shard_of)
        )
        for shard_id, count in deliveries:
            shards[shard_id].deliveries = count
        for shard_id, count in queued:
            shards[shard_id].queued = count


def report(shards: list[Shard], in_turn: bool) -> None:
    """Print each process's figures beside the single-process goals scaled to it."""
    how = "one process at a time" if in_turn else "all processes at once"
    for shard in shards:
        assert shard.planned is not None and shard.stopped is not None
        goal = PLANNING_GOAL_PER_100K * shard.members / 100_000
        seconds = shard.planned["seconds"]
        print(
            f"shard {shard.shard_id}: planned {shard.deliveries} deliveries ({shard.queued} DMs queued) "
            f"for {shard.members} members in {len(shard.guilds)} servers in {seconds:.1f} s "
            f"({how}; the single-process goal scaled to it: {goal:.2f} s, "
            f"{PLANNING_GOAL_PER_100K:.0f} s per 100,000 members: {_within(seconds <= goal)})"
        )
        for label, timed in (("idle", shard.idle), ("during the round", shard.busy)):
            took = [t for _, t in timed]
            p99, text = describe(took)
            unanswered = sum(t >= DEADLINE for t in took)
            print(
                f"shard {shard.shard_id}: slash-command latency ({label}, {len(took)} commands, "
                f"{unanswered} not answered within 3 s, counted as 3 s): {text} "
                f"(the single-process goal: p99 <= {LATENCY_GOAL * 1000:.0f} ms: "
                f"{_within(p99 <= LATENCY_GOAL)})"
            )
        slowest = max(
            (describe([t for c, t in shard.busy if c == command])[0], command) for command, _ in COMMANDS
        )
        print(
            f"shard {shard.shard_id}: slowest command during the round: "
            f"/{slowest[1]} p99 {slowest[0] * 1000:.1f} ms"
        )
        print(
            f"shard {shard.shard_id}: peak memory of the process {shard.stopped['peak_rss'] / 10**6:.0f} MB"
        )
    if not in_turn:  # a figure, not a goal: what the one PostgreSQL and the machine's cores managed
        slowest = max(shard.planned["seconds"] for shard in shards if shard.planned is not None)
        print(
            f"all {len(shards)} processes together: {sum(s.deliveries for s in shards)} deliveries "
            f"planned in {slowest:.1f} s (the slowest process)"
        )


def _within(met: bool) -> str:
    return "within it" if met else "over it"


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--guilds", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument(
        "--rounds", type=int, default=40, help="times each command is timed per phase and shard"
    )
    parser.add_argument(
        "--past-rounds", type=int, default=1, help="check-in rounds already sent, in the database"
    )
    parser.add_argument("--in-turn", action="store_true", help="plan one process at a time")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    per_guild = args.members // args.guilds
    fake = FakeDiscord(
        token=TOKEN, global_rate_limit=50, recommended_shards=args.shards, interaction_deadline=DEADLINE
    )
    started = time.perf_counter()
    shards = build_world(fake, args.shards, args.guilds, per_guild)
    # The fake finds a server the bot shares with a DM's recipient by scanning every server: fine in
    # tests, milliseconds per DM among 100,000, spent in the loop that also times the commands.
    # Nobody joins or leaves here, so the seeded membership answers the same.
    members = {m.user.id for shard in shards for g in shard.guilds for m in g.members.values()}
    fake.world.shares_guild_with_bot = lambda user: user.id in members  # type: ignore[method-assign]
    print(
        f"the fake Discord has {args.guilds} servers and {per_guild * args.guilds} members "
        f"({time.perf_counter() - started:.0f} s)"
    )
    await fake.start()
    try:
        async with scratch_postgres(args.database) as url:
            if url is None:
                return
            started = time.perf_counter()
            await upgrade_async(url)
            db = Database.from_url(url)
            try:
                rows = await seed(db, fake, shards, args.past_rounds)
            finally:
                await db.dispose()
            print(f"seeded {rows} rows with COPY in {time.perf_counter() - started:.0f} s")
            await measure(fake, shards, url, args)
    finally:
        await fake.stop()


async def measure(fake: FakeDiscord, shards: list[Shard], url: str, args: Any) -> None:
    """Start the processes, time commands idle and during the round, and report."""
    started = time.perf_counter()
    async with processes(fake, shards, url, send_rate=48 / len(shards)):
        for shard in shards:
            assert shard.child is not None
            await shard.child.hear("ready", 3600)
        await fake.wait_until_ready(timeout=600)
        print(f"{len(shards)} processes connected and ready in {time.perf_counter() - started:.0f} s")
        for shard in shards:  # warm up: first calls import and compile
            await time_commands(fake, shard, 2)
        for shard in shards:
            shard.idle = await time_commands(fake, shard, args.rounds)
        print(f"idle commands timed ({time.perf_counter() - started:.0f} s)", flush=True)
        if args.in_turn:
            for shard in shards:
                await plan(fake, shard, args.rounds)
        else:
            await asyncio.gather(*(plan(fake, shard, args.rounds) for shard in shards))
    db = Database.from_url(url)
    try:
        await count_round(db, shards)
    finally:
        await db.dispose()
    report(shards, args.in_turn)


if __name__ == "__main__":
    asyncio.run(main())
