import asyncio
import contextlib
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.models import GuildRecord
from bot.db.upsert import insert_ignore
from bot.services.guilds import GuildService


async def test_a_server_reported_twice_at_once_is_recorded_once(db, clock):
    guilds = GuildService(db, clock)

    await asyncio.gather(guilds.joined(5), guilds.joined(5))

    async with db.transaction() as session:
        row = await session.get(GuildRecord, 5)
    assert (row.joined_at, row.left_at) == (clock.now(), None)


async def test_a_server_rejoined_is_no_longer_marked_as_left(db, clock):
    guilds = GuildService(db, clock)
    await guilds.joined(5)
    await guilds.left(5)

    await guilds.joined(5)

    async with db.transaction() as session:
        row = await session.get(GuildRecord, 5)
    assert row.left_at is None
    assert row.joined_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def on_shard(shard_id: int, count: int, n: int) -> int:
    """Return the ``n``-th server id that Discord assigns to shard ``shard_id`` of ``count``."""
    return ((n * count + shard_id) << 22) + 7


async def recorded(db) -> dict[int, tuple[datetime, datetime | None]]:
    async with db.reading() as session:
        rows = (
            await session.execute(select(GuildRecord.guild_id, GuildRecord.joined_at, GuildRecord.left_at))
        ).all()
    return {guild_id: (joined_at, left_at) for guild_id, joined_at, left_at in rows}


async def test_servers_arriving_together_are_all_recorded_and_those_back_lose_their_mark(db, clock):
    guilds = GuildService(db, clock)
    await guilds.joined(1)
    await guilds.left(1)
    first_seen = clock.now()
    clock.advance(hours=1)

    await asyncio.gather(*(guilds.arrived(guild_id) for guild_id in range(1, 1201)))

    rows = await recorded(db)
    assert sorted(rows) == list(range(1, 1201))
    assert rows[1] == (first_seen, None)  # back: its first arrival still counts as when it joined
    assert {rows[g] for g in range(2, 1201)} == {(clock.now(), None)}


async def test_a_server_already_recorded_is_confirmed_without_waiting_for_a_writer(db, clock):
    guilds = GuildService(db, clock)
    await guilds.joined(5)

    async with db.transaction() as session:
        await session.get(GuildRecord, 5, with_for_update=True)  # a long unit of work holds it
        confirming = asyncio.create_task(guilds.joined(5))
        done, _ = await asyncio.wait({confirming}, timeout=10)

    assert confirming in done
    confirming.result()


async def test_reconcile_marks_only_its_own_shards_servers_missing_from_ready(db, clock):
    guilds = GuildService(db, clock)
    mine = [on_shard(1, 4, n) for n in range(3)]
    other = on_shard(2, 4, 0)
    for guild_id in [*mine, other]:
        await guilds.joined(guild_id)
    await guilds.left(mine[2])
    left_earlier = clock.now()
    clock.advance(days=1)
    new = on_shard(1, 4, 9)

    gone = await guilds.reconcile(1, 4, [mine[1], mine[2], new])

    rows = await recorded(db)
    assert gone == [mine[0]]
    assert rows[mine[0]][1] == clock.now()  # removed while offline: its grace period starts
    assert rows[mine[1]][1] is None
    assert rows[mine[2]] == (left_earlier, None)  # invited back while offline
    assert rows[new] == (clock.now(), None)  # joined while offline, before its GUILD_CREATE was handled
    assert rows[other][1] is None  # another process's shard: not this READY's to judge


async def test_reconcile_keeps_the_moment_a_server_already_marked_left(db, clock):
    guilds = GuildService(db, clock)
    await guilds.joined(on_shard(0, 2, 1))
    await guilds.left(on_shard(0, 2, 1))
    marked = (await recorded(db))[on_shard(0, 2, 1)][1]
    clock.advance(days=3)

    assert await guilds.reconcile(0, 2, []) == []
    assert (await recorded(db))[on_shard(0, 2, 1)][1] == marked


async def test_a_server_removed_while_its_arrival_waits_is_recorded_as_left(db, clock):
    guilds = GuildService(db, clock)
    holding, release = asyncio.Event(), asyncio.Event()

    async def another_writer_holds_server_1() -> None:
        async with db.transaction() as session:
            await insert_ignore(session, GuildRecord.__table__, {"guild_id": 1, "joined_at": clock.now()})
            holding.set()
            await release.wait()

    holder = asyncio.create_task(another_writer_holds_server_1())
    await holding.wait()
    first = asyncio.create_task(guilds.arrived(1))  # its batch waits behind the other writer
    await asyncio.sleep(0)  # the first arrival's batch starts: it has the recording turn
    assert guilds._in_order.locked()
    waiting = asyncio.create_task(guilds.arrived(5))  # server 5 waits for the next batch...
    removed = asyncio.create_task(guilds.left(5))  # ...and the bot is removed from it meanwhile
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, first, waiting, removed)

    rows = await recorded(db)
    assert rows[5][1] == clock.now()  # left, and not recorded as present again afterwards
    assert rows[1][1] is None


async def test_a_removal_waits_for_the_arrival_being_recorded_before_it(db, clock, monkeypatch):
    guilds = GuildService(db, clock)
    await guilds.joined(5)
    await guilds.left(5)
    reading, release = asyncio.Event(), asyncio.Event()
    read = db.reading

    @contextlib.asynccontextmanager
    async def slow_reading():
        reading.set()
        await release.wait()  # the arrival's look at what is recorded comes late
        async with read() as session:
            yield session

    monkeypatch.setattr(db, "reading", slow_reading)
    back = asyncio.create_task(guilds.arrived(5))  # invited back...
    await reading.wait()
    removed = asyncio.create_task(guilds.left(5))  # ...and removed again while that is written
    # Time for a removal that does not wait its turn to be written (as it was, before) to show.
    await asyncio.wait({removed}, timeout=0.3)
    release.set()
    await asyncio.gather(back, removed)

    assert (await recorded(db))[5][1] == clock.now()  # left: the late arrival did not undo it
