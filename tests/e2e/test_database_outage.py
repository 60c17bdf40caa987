"""A busy or unreachable database: the user is asked to try again, nothing half-done, and work resumes."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.config import DatabaseSettings
from tests.e2e.conftest import World, final, running_bot, settings_for
from tests.e2e.test_foundation import embed_text


@pytest.fixture
def sqlite_only(database_url: str) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("holds SQLite's write lock from another connection")
    return database_url


@pytest.mark.skip(
    reason="flaky: at times some unit of work of the running bot keeps SQLite's write lock for over 30 s, "
    "so this test cannot take it; tracked in issue 9 (find the long unit of work, then re-enable)"
)
async def test_a_command_during_a_database_outage_asks_to_try_again_then_works(
    fake, world: World, sqlite_only, clock
):
    settings = settings_for(fake, sqlite_only).model_copy(
        update={"database": DatabaseSettings(url=sqlite_only, busy_timeout_seconds=0.5)}
    )
    async with running_bot(fake, settings, clock):
        # Another process holds the database (as a long migration or a stuck writer would).
        holder = sqlite3.connect(
            sqlite_only.removeprefix("sqlite+aiosqlite:///"), isolation_level=None, timeout=30
        )
        holder.execute("BEGIN IMMEDIATE")
        try:
            reply = await fake.slash(world.alice, world.guild, "profile timezone", zone="Europe/Paris")
            shown = embed_text(await final(reply))
            assert "try again in a moment" in shown and "Something went wrong" not in shown
        finally:
            holder.rollback()
            holder.close()
        await asyncio.sleep(0)
        again = await fake.slash(world.alice, world.guild, "profile timezone", zone="Europe/Paris")
        assert "Europe/Paris" in embed_text(await final(again))
