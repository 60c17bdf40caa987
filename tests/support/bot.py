"""The bot started as `mentorbot run` starts it, against a fake Discord on loopback.

Both the end-to-end tests and the journeys use these: the same ``BotRunner`` the command line
runs, with the test's clock instead of the system's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.config import DatabaseSettings, DiscordSettings, Settings
from bot.runtime import BotRunner
from tests.fake_discord import FakeDiscord

# Shaped like a real token (the bot refuses malformed ones); the fake accepts only this one.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.fake-token-for-tests-0123456789abcdef"


def settings_for(fake: FakeDiscord, database_url: str) -> Settings:
    """Return the settings of a bot that talks to ``fake`` and keeps its data at ``database_url``."""
    return Settings(
        discord=DiscordSettings(token=TOKEN, api_base_url=fake.api_base_url),
        database=DatabaseSettings(url=database_url),
    )


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, settings: Settings, clock, *, ready: bool = True
) -> AsyncIterator[BotRunner]:
    """Run the bot as `mentorbot run` does, with the test's clock, until the block ends.

    ``ready=False`` enters the block as soon as the bot identified, before its servers arrived
    (with ``fake.hold_guilds()``: its first second after a start).
    """
    runner = BotRunner(settings, clock=clock)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    started = asyncio.create_task(_ready(fake, fake.hub.identified_count, servers=ready))
    await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        started.cancel()
        task.result()  # the bot failed to start: show why
    await started
    try:
        yield runner
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _ready(fake: FakeDiscord, identified: int, *, servers: bool = True) -> None:
    # This bot's own session, not just the fake's: with a bot already connected (a restart test)
    # the fake is ready at once, before this one has even migrated the database.
    await fake.hub.wait_for(lambda: fake.hub.identified_count > identified, 15, "the bot to identify")
    if servers:
        await fake.wait_until_ready()
