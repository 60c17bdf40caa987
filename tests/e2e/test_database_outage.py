"""A busy or unreachable database: the user is asked to try again, nothing half-done, and work resumes."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from bot.config import DatabaseSettings
from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text
from tests.support.bot import running_bot, settings_for


@pytest.fixture
def sqlite_only(database_url: str) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("holds SQLite's write lock from another connection")
    return database_url


async def test_a_command_during_a_database_outage_asks_to_try_again_then_works(
    fake, world: World, sqlite_only, clock
):
    settings = settings_for(fake, sqlite_only).model_copy(
        update={"database": DatabaseSettings(url=sqlite_only, busy_timeout_seconds=0.5)}
    )
    async with running_bot(fake, settings, clock):
        # Another process holds the database (as a long migration or a stuck writer would).
        holder = sqlite3.connect(
            sqlite_only.removeprefix("sqlite+aiosqlite:///"),
            isolation_level=None,
            timeout=30,
            check_same_thread=False,
        )
        # Wait for the lock off the event loop: the bot's unit of work in progress needs the
        # loop to reach its commit (waiting on the loop itself deadlocked for the 30 s timeout).
        await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
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


async def test_commands_work_again_after_postgresql_restarts(fake, world: World, database_url, clock):
    if not database_url.startswith("postgresql"):
        pytest.skip("cuts PostgreSQL connections")
    asyncpg = pytest.importorskip("asyncpg")
    async with running_bot(fake, settings_for(fake, database_url), clock):
        first = await fake.slash(world.alice, world.guild, "profile timezone", zone="Europe/Paris")
        assert "Europe/Paris" in embed_text(await final(first))
        # What a restart does to the bot: every connection it holds in its pool is cut.
        name = make_url(database_url).database
        admin = await asyncpg.connect(
            str(make_url(database_url).set(drivername="postgresql", database="postgres"))
        )
        try:
            cut = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
        finally:
            await admin.close()
        assert cut >= 1
        again = await fake.slash(world.alice, world.guild, "profile timezone", zone="Asia/Tokyo")
        assert "Asia/Tokyo" in embed_text(await final(again))


async def test_a_command_slowed_past_the_deadline_is_deferred_then_answered(
    fake, world: World, sqlite_only, clock
):
    async with running_bot(fake, settings_for(fake, sqlite_only), clock):
        holder = sqlite3.connect(
            sqlite_only.removeprefix("sqlite+aiosqlite:///"),
            isolation_level=None,
            timeout=30,
            check_same_thread=False,
        )
        await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
        # A writer that keeps the database 3.4 s: the command waits for it (busy timeout 15 s).
        asyncio.get_running_loop().call_later(3.4, holder.rollback)
        try:
            reply = await fake.slash(world.alice, world.guild, "profile timezone", zone="Europe/Paris")
            assert reply.type == 5  # "thinking…" in time, instead of "This interaction failed"
            answer = await reply.wait_followup()
        finally:
            holder.close()
        assert "Europe/Paris" in embed_text(answer)
        assert answer.get("flags", 0) & 64  # the late deferral keeps the answer private
