"""Retention: old check-in answers and participation counts are deleted by a daily job, if configured."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.config import PrivacySettings, Settings
from bot.db.models import (
    CheckinAnswer,
    CheckinDelivery,
    CheckinSchedule,
    Discussion,
    Group,
    GuildRecord,
    Participation,
)
from bot.services.container import Services
from bot.services.privacy import purge_guild
from tests.unit.test_database import database_bytes

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def services(db, clock, **privacy) -> Services:
    return Services.build(Settings(privacy=PrivacySettings(**privacy)), db, clock)


async def arrange(db) -> None:
    """Two answers (100 and 10 days old) and three discussions (closed long ago, lately, still open)."""
    async with db.transaction() as session:
        group = Group(guild_id=1, name="G", name_key="g", kind="peer", created_by=9, created_at=NOW)
        session.add(group)
        await session.flush()
        schedule = CheckinSchedule(
            guild_id=1,
            group_id=group.id,
            cadence_kind="daily",
            planned_until=NOW,
            created_by=9,
            created_at=NOW,
        )
        session.add(schedule)
        await session.flush()
        for user_id, age in ((1, 100), (2, 10)):
            when = NOW - timedelta(days=age)
            delivery = CheckinDelivery(
                guild_id=1,
                group_id=group.id,
                schedule_id=schedule.id,
                user_id=user_id,
                round_date=date(2026, 1, 1) + timedelta(days=age),
                due_at=when,
                status="answered",
            )
            session.add(delivery)
            await session.flush()
            session.add(
                CheckinAnswer(
                    delivery_id=delivery.id,
                    guild_id=1,
                    group_id=group.id,
                    user_id=user_id,
                    answers=[{"question": "q", "kind": "long", "value": f"Plumtangle{user_id}"}],
                    visibility="private",
                    created_at=when,
                    updated_at=when,
                )
            )
        for thread_id, closed in ((1, NOW - timedelta(days=100)), (2, NOW - timedelta(days=10)), (3, None)):
            discussion = Discussion(
                guild_id=1,
                group_id=group.id,
                thread_id=thread_id,
                prompt="p",
                started_by=9,
                started_at=NOW - timedelta(days=120),
                closed_at=closed,
            )
            session.add(discussion)
            await session.flush()
            session.add(Participation(discussion_id=discussion.id, user_id=1, messages=3))


async def counts(db) -> tuple[int, int, int]:
    async with db.transaction() as session:
        return (
            await session.scalar(select(func.count()).select_from(CheckinAnswer)),
            await session.scalar(select(func.count()).select_from(Participation)),
            await session.scalar(select(func.count()).select_from(CheckinDelivery)),
        )


async def test_answers_and_participation_older_than_configured_are_deleted_daily(db, clock):
    await arrange(db)
    built = services(db, clock, answer_retention_days=30, participation_retention_days=60)
    assert "privacy-retention" in built.scheduler.jobs
    clock.set(NOW + timedelta(days=1))
    await built.privacy.run_retention()
    # The old answer and the long-closed discussion's counts go; deliveries (response rates) stay.
    assert await counts(db) == (1, 2, 2)


async def test_work_of_no_server_is_done_by_the_process_with_shard_0(db, clock):
    for shard_ids, expected in (([0], {"privacy-purge", "privacy-retention"}), ([1], set())):
        settings = Settings(
            privacy=PrivacySettings(answer_retention_days=30),
            discord={"shard_count": 2, "shard_ids": shard_ids},
        )
        built = Services.build(settings, db, clock)
        assert built.scheduler.jobs & {"privacy-purge", "privacy-retention"} == expected
        assert "privacy-scrub" in built.scheduler.jobs  # each process retries its own scrubs


async def test_nothing_is_deleted_when_retention_is_not_configured(db, clock):
    await arrange(db)
    built = services(db, clock)
    assert "privacy-retention" not in built.scheduler.jobs
    async with db.transaction() as session:
        assert await built.privacy.apply_retention(session, NOW + timedelta(days=365)) == {
            "answers": 0,
            "participation": 0,
        }
    assert await counts(db) == (2, 3, 2)


async def last_vacuum(db, table: str) -> datetime | None:
    async with db.reading() as session:
        return await session.scalar(
            text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        )


async def test_what_retention_deletes_is_gone_from_the_files_too(db, clock):
    await arrange(db)
    built = services(db, clock, answer_retention_days=30)
    vacuumed = None if db.dialect == "sqlite" else await last_vacuum(db, "checkin_answers")
    clock.set(NOW + timedelta(days=1))
    await built.privacy.run_retention()
    if db.dialect == "sqlite":
        on_disk = database_bytes(db)
        assert b"Plumtangle1" not in on_disk and b"Plumtangle2" in on_disk
    else:
        assert await last_vacuum(db, "checkin_answers") not in (None, vacuumed)


@pytest.mark.parametrize("how", ["the server left long ago", "mentorbot data purge-guild"])
async def test_a_purged_server_is_gone_from_the_files_too(db, clock, how):
    await arrange(db)
    built = services(db, clock)
    vacuumed = None if db.dialect == "sqlite" else await last_vacuum(db, "checkin_answers")
    if how == "mentorbot data purge-guild":
        await purge_guild(db, 1)
    else:
        async with db.transaction() as session:
            session.add(GuildRecord(guild_id=1, joined_at=NOW, left_at=NOW - timedelta(days=31)))
        clock.set(NOW)
        assert await built.privacy.run_purge() == [1]
    assert await counts(db) == (0, 0, 0)
    if db.dialect == "sqlite":
        assert b"Plumtangle" not in database_bytes(db)
    else:
        assert await last_vacuum(db, "checkin_answers") not in (None, vacuumed)
