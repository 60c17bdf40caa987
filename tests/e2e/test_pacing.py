"""The bot keeps under Discord's global limit by itself: no request of a burst earns a global 429."""

from __future__ import annotations

import asyncio

from bot.config import DatabaseSettings, DiscordSettings, SchedulerSettings, Settings
from tests.support.bot import TOKEN, running_bot

LIMIT = 5  # a small limit, so that a burst of a few sends would overflow a second


async def test_a_burst_of_sends_arrives_without_a_single_global_429(fake, world, database_url, clock):
    fake.global_rate_limit = LIMIT
    settings = Settings(
        discord=DiscordSettings(token=TOKEN, api_base_url=fake.api_base_url),
        database=DatabaseSettings(url=database_url),
        scheduler=SchedulerSettings(send_rate_per_second=LIMIT),
    )
    async with running_bot(fake, settings, clock) as runner:
        assert runner.bot is not None
        channel = runner.bot.get_partial_messageable(world.general.id)
        await asyncio.gather(*(channel.send(f"notice {i}") for i in range(3 * LIMIT)))

    assert sorted(m["content"] for m in fake.channel_messages(world.general)) == sorted(
        f"notice {i}" for i in range(3 * LIMIT)
    )
    assert [r.path for r in fake.requests if r.status == 429] == []
