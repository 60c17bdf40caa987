import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.db.models import GuildRecord, MemberProfile


async def test_concurrent_read_modify_write_loses_nothing(db):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.transaction() as session:
        session.add(
            MemberProfile(guild_id=1, user_id=1, quiet_start_minute=0, created_at=now, updated_at=now)
        )

    async def increment() -> None:
        async with db.transaction() as session:
            row = await session.get(MemberProfile, (1, 1), with_for_update=True)
            await asyncio.sleep(0)  # let the others run between the read and the write
            row.quiet_start_minute += 1

    results = await asyncio.gather(*(increment() for _ in range(20)), return_exceptions=True)

    assert [r for r in results if isinstance(r, BaseException)] == []
    async with db.transaction() as session:
        row = await session.get(MemberProfile, (1, 1))
        assert row.quiet_start_minute == 20


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite's settings")
    async with db.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1


async def test_naive_datetimes_are_refused(db):
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as session:
            session.add(GuildRecord(guild_id=5, joined_at=datetime(2026, 1, 1)))


async def test_datetimes_come_back_aware_utc(db):
    from zoneinfo import ZoneInfo

    tokyo = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    async with db.transaction() as session:
        session.add(GuildRecord(guild_id=5, joined_at=tokyo))
    async with db.transaction() as session:
        row = (await session.scalars(select(GuildRecord))).one()
    assert row.joined_at == tokyo
    assert row.joined_at.tzinfo == UTC


async def test_a_failed_unit_of_work_leaves_no_trace(db):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.add(GuildRecord(guild_id=9, joined_at=now))
            await session.flush()
            raise RuntimeError("boom")
    async with db.transaction() as session:
        assert await session.get(GuildRecord, 9) is None


async def test_a_nested_unit_of_work_fails_loudly_but_a_task_started_inside_may_open_its_own(db):
    async def elsewhere() -> int:
        async with db.transaction() as session:
            return (await session.execute(text("SELECT 1"))).scalar()

    with pytest.raises(RuntimeError, match="already open in this task"):
        async with db.transaction(), db.transaction():
            pass
    async with db.transaction():
        task = asyncio.create_task(elsewhere())
    assert await task == 1


async def test_dispose_lets_an_open_unit_of_work_commit_first(database_url):
    from bot.db.engine import Database

    database = Database.from_url(database_url)
    started = asyncio.Event()

    async def slow_write() -> None:
        async with database.transaction() as session:
            session.add(GuildRecord(guild_id=77, joined_at=datetime(2026, 1, 1, tzinfo=UTC)))
            started.set()
            await asyncio.sleep(0.05)

    writer = asyncio.create_task(slow_write())
    await started.wait()
    await database.dispose()
    assert writer.done()  # dispose waited for the open unit of work
    await writer

    check = Database.from_url(database_url)
    async with check.transaction() as session:
        assert await session.get(GuildRecord, 77) is not None
    await check.dispose()


async def test_a_row_missing_until_many_units_of_work_need_it_is_made_once_and_loses_no_update(db):
    from bot.db.upsert import locked_row

    now = datetime(2026, 1, 1, tzinfo=UTC)

    async def increment() -> None:
        async with db.transaction() as session:
            row = await locked_row(
                session, MemberProfile, (1, 1), quiet_start_minute=0, created_at=now, updated_at=now
            )
            await asyncio.sleep(0)  # let the others run between the read and the write
            row.quiet_start_minute += 1

    results = await asyncio.gather(*(increment() for _ in range(20)), return_exceptions=True)

    assert [r for r in results if isinstance(r, BaseException)] == []
    async with db.transaction() as session:
        row = await session.get(MemberProfile, (1, 1))
        assert row.quiet_start_minute == 20


async def test_nul_characters_are_dropped_from_text_on_every_backend(db):
    from bot.db.models import GuildSettings
    from bot.db.upsert import insert_ignore

    async with db.transaction() as session:
        session.add(GuildSettings(guild_id=1, default_timezone="Europe/\x00Paris"))
        rows = [
            {"guild_id": 2, "default_timezone": "Asia/\x00Tokyo"},
            {"guild_id": 3, "default_timezone": "UTC"},
        ]
        await insert_ignore(session, GuildSettings.__table__, rows)

    async with db.transaction() as session:
        found = await session.scalar(
            select(GuildSettings.guild_id).where(GuildSettings.default_timezone == "Europe/Paris\x00")
        )
        zones = (await session.scalars(select(GuildSettings.default_timezone).order_by("guild_id"))).all()
    assert found == 1
    assert zones == ["Europe/Paris", "Asia/Tokyo", "UTC"]


async def test_a_read_runs_beside_a_unit_of_work_that_holds_the_database(db):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.transaction() as session:
        session.add(GuildRecord(guild_id=1, joined_at=now))
    writing, done = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction() as session:
            (await session.get(GuildRecord, 1)).left_at = now
            await session.flush()
            writing.set()
            await done.wait()  # holds the write lock (and this process's write turn) meanwhile

    writer = asyncio.create_task(slow_writer())
    await writing.wait()
    async with asyncio.timeout(2), db.reading() as session:
        seen = await session.get(GuildRecord, 1)  # what was committed: not the write in progress
    done.set()
    await writer
    assert seen.left_at is None


async def test_a_write_in_a_read_fails_loudly_on_sqlite(db):
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL reads are ordinary transactions")
    with pytest.raises(Exception, match=r"readonly|read-only|query_only"):
        async with db.reading() as session:
            session.add(GuildRecord(guild_id=2, joined_at=datetime(2026, 1, 1, tzinfo=UTC)))


def database_bytes(db) -> bytes:
    path = Path(db.engine.url.database)
    return b"".join(f.read_bytes() for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if f.exists())


async def test_a_scrub_that_a_reader_holds_up_is_logged_and_done_on_the_next_run(db, caplog):
    if db.dialect != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.transaction() as session:
        session.add(MemberProfile(guild_id=1, user_id=1, bio="Quibblethorn", created_at=now, updated_at=now))
    reading, done = asyncio.Event(), asyncio.Event()

    async def slow_reader() -> None:
        async with db.reading() as session:
            await session.get(MemberProfile, (1, 1))  # a snapshot from before the delete
            reading.set()
            await done.wait()

    reader = asyncio.create_task(slow_reader())
    await reading.wait()
    async with db.transaction() as session:
        await session.delete(await session.get(MemberProfile, (1, 1)))
    assert await db.scrub(["member_profiles"]) is False
    assert db.scrub_pending == {"member_profiles"}
    assert "WAL checkpoint incomplete" in caplog.text
    assert b"Quibblethorn" in database_bytes(db)  # an older frame still holds it
    done.set()
    await reader

    assert await db.scrub() is True  # the periodic run, with nothing new to name
    assert db.scrub_pending == frozenset()
    assert b"Quibblethorn" not in database_bytes(db)


async def test_a_scrub_inside_a_unit_of_work_fails_loudly(db):
    with pytest.raises(RuntimeError, match="already open"):
        async with db.transaction():
            await db.scrub(["member_profiles"])
