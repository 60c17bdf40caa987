"""Alembic commands run on the bot's own async engine (Alembic cookbook: an existing connection)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url

import migrations
from bot.db.engine import create_engine

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def alembic_config(
    url: str, *, connection: Connection | None = None, stdout: io.StringIO | None = None
) -> Config:
    """Return an Alembic config for ``url`` that needs no alembic.ini."""
    config = Config(stdout=stdout) if stdout is not None else Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's config is %-interpolated; a password may contain '%'.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


async def _on_connection(url: str, action: str, *args: str) -> str:
    engine = create_engine(url)
    buffer = io.StringIO()
    try:
        async with engine.connect() as connection:
            await connection.run_sync(
                lambda sync: getattr(command, action)(
                    alembic_config(url, connection=sync, stdout=buffer), *args
                )
            )
            await connection.commit()
    finally:
        await engine.dispose()
    return buffer.getvalue().strip()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    await _on_connection(url, "upgrade", revision)


async def downgrade_async(url: str, revision: str) -> None:
    """Migrate the database down to ``revision`` (``base`` empties it)."""
    await _on_connection(url, "downgrade", revision)


async def current_async(url: str) -> str:
    """Return the database's current revision as Alembic prints it."""
    return await _on_connection(url, "current")


def missing_sqlite_file(url: str) -> Path | None:
    """Return the path of an SQLite database file that does not exist yet (connecting would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


async def behind_async(url: str) -> bool:
    """Tell whether the database is not at the latest schema (empty, or an older revision)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()
    return current != set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate up, from synchronous code (the command line)."""
    asyncio.run(upgrade_async(url, revision))


def downgrade(url: str, revision: str) -> None:
    """Migrate down, from synchronous code (the command line)."""
    asyncio.run(downgrade_async(url, revision))


def current(url: str) -> str:
    """Return the current revision, from synchronous code (the command line)."""
    return asyncio.run(current_async(url))
