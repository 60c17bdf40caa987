"""Fixtures shared by every test: a migrated database and a hand-moved clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.db.engine import Database
from tests.support.clock import FakeClock
from tests.support.databases import (
    ENV,
    DatabaseUnavailable,
    PostgresDatabases,
    SqliteDatabases,
    configured_url,
    shown,
)


def pytest_report_header() -> str:
    url = configured_url()
    if url is None:
        return f"database: SQLite files (set {ENV} to run on PostgreSQL)"
    return f"database: {shown(url)}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail the run at once, before any test, when PostgreSQL is asked for but cannot be used."""
    url = configured_url()
    if url is None:
        return
    try:
        asyncio.run(PostgresDatabases(url).check())
    except DatabaseUnavailable as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.TESTS_FAILED)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteDatabases | PostgresDatabases]:
    """Migrate once per session; tests get a copy (SQLite) or the emptied database (PostgreSQL)."""
    url = configured_url()
    if url is None:
        made: SqliteDatabases | PostgresDatabases = SqliteDatabases(tmp_path_factory.mktemp("template"))
    else:
        made = PostgresDatabases(url)
    try:
        asyncio.run(made.start())
        yield made
    finally:
        asyncio.run(made.stop())


@pytest.fixture
async def database_url(tmp_path: Path, databases: SqliteDatabases | PostgresDatabases) -> str:
    """Return the URL of a migrated database holding nothing yet."""
    return await databases.migrated(tmp_path)


@pytest.fixture
async def empty_database_url(
    tmp_path: Path, databases: SqliteDatabases | PostgresDatabases
) -> AsyncIterator[str]:
    """Return the URL of a database without any table, not even Alembic's."""
    url = await databases.empty(tmp_path)
    yield url
    await databases.release(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
