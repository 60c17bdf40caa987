from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import models  # noqa: F401
from bot.db.base import Base
from bot.db.engine import create_engine
from bot.db.migrate import current_async, downgrade_async, upgrade_async


async def _tables(url):
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_round_trip(empty_database_url):
    url = empty_database_url
    await upgrade_async(url)
    assert "(head)" in await current_async(url)
    assert set(Base.metadata.tables) <= await _tables(url)

    await downgrade_async(url, "base")
    assert await _tables(url) <= {"alembic_version"}

    await upgrade_async(url)
    assert set(Base.metadata.tables) <= await _tables(url)


async def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True, "render_as_batch": True}),
                    Base.metadata,
                )
            )
    finally:
        await engine.dispose()
    assert diff == [], f"models differ from migrations; add a migration: {diff}"
