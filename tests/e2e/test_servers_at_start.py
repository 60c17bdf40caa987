"""The servers the bot is in, as it learns them when it (re)starts: all recorded, none missed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.config import DatabaseSettings, DiscordSettings, Settings
from bot.db.models import GuildRecord
from tests.support.bot import TOKEN, running_bot, settings_for
from tests.support.waiting import eventually

# A shard's servers are recorded once discord.py says it is ready: about 2 s after its last
# server arrived, on a machine that may be busy.
SHARD_READY_WITHIN = 30


def two_shards(fake, database_url: str) -> Settings:
    """Return the settings of a bot running both shards of two in one process.

    discord.py identifies them 5 s apart (one at a time, as Discord asks): only where shards matter.
    """
    return Settings(
        discord=DiscordSettings(token=TOKEN, api_base_url=fake.api_base_url, shard_count=2),
        database=DatabaseSettings(url=database_url),
    )


async def records(runner) -> dict[int, tuple[datetime, datetime | None]]:
    async with runner.services.db.reading() as session:
        rows = await session.execute(select(GuildRecord.guild_id, GuildRecord.joined_at, GuildRecord.left_at))
        return {guild_id: (joined_at, left_at) for guild_id, joined_at, left_at in rows}


async def test_every_server_is_recorded_at_start_and_one_that_removed_the_bot_meanwhile_is_marked(
    fake, world, database_url, clock
):
    campuses = [
        fake.add_guild(f"Campus {n}", owner=world.owner, shard_id=n % 2, shard_count=2) for n in range(300)
    ]
    everyone = {world.guild.id, *(campus.id for campus in campuses)}
    settings = two_shards(fake, database_url)

    async with running_bot(fake, settings, clock) as first:

        async def all_recorded() -> bool:
            return {g: left for g, (_, left) in (await records(first)).items()} == dict.fromkeys(everyone)

        await eventually(all_recorded, within=SHARD_READY_WITHIN)
    gone = campuses[7]
    fake.remove_guild(gone)  # while the bot is offline: no GUILD_DELETE reaches it
    clock.advance(hours=5)

    async with running_bot(fake, settings, clock) as second:

        async def gone_marked() -> bool:
            return (await records(second))[gone.id][1] == clock.now()

        await eventually(gone_marked, within=SHARD_READY_WITHIN)
        still_here = {g for g, (_, left) in (await records(second)).items() if left is None}
    assert still_here == everyone - {gone.id}


async def test_a_server_marked_left_that_invited_the_bot_back_while_it_was_offline_is_present_again(
    fake, world, database_url, clock
):
    returning = fake.add_guild("Returning program", owner=world.owner)
    settings = settings_for(fake, database_url)
    first_joined = clock.now()

    async with running_bot(fake, settings, clock) as first:

        async def recorded() -> bool:
            return returning.id in await records(first)

        await eventually(recorded, within=SHARD_READY_WITHIN)
    fake.remove_guild(returning)
    clock.advance(days=2)

    async with running_bot(fake, settings, clock) as second:

        async def marked() -> bool:
            return (await records(second))[returning.id][1] is not None

        await eventually(marked, within=SHARD_READY_WITHIN)
    fake.rejoin_guild(returning)  # invited back while the bot is offline, within the grace period
    clock.advance(days=1)

    async with running_bot(fake, settings, clock) as third:

        async def back() -> bool:
            return (await records(third))[returning.id] == (first_joined, None)

        await eventually(back, within=SHARD_READY_WITHIN)
