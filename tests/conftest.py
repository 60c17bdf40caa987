"""Fixtures shared by every test: a migrated database and a hand-moved clock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.db.engine import Database
from bot.db.migrate import upgrade
from tests.support.clock import FakeClock


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file per session; each test gets a copy (migrating costs more)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "mentorbot.db"
    shutil.copy(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def db(database_url: str):
    database = Database.from_url(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
