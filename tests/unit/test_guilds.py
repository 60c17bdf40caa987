import asyncio
from datetime import UTC, datetime

from bot.db.models import GuildRecord
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
