"""Encryption at rest: free text is stored encrypted with a key, readable after rotation, clear without."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from bot.config import ConfigError, load_settings
from bot.db.encryption import DataKeyError, KeyRing
from bot.db.engine import Database
from bot.db.keys import check_readable, rotate
from bot.db.models import Goal, GoalMilestone, MemberProfile, OutboxMessage
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from tests.unit.test_database import database_bytes

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BIO = "Recovering from burnout, rebuilding my lab"
OLD, NEW = KeyRing.new_key(), KeyRing.new_key()


async def write_bio(db: Database, user_id: int, bio: str = BIO) -> None:
    async with db.transaction() as session:
        session.add(MemberProfile(guild_id=1, user_id=user_id, bio=bio, created_at=NOW, updated_at=NOW))
        await enqueue(
            session,
            key=f"note:{user_id}",
            target=Target("dm", user_id),
            message=OutgoingMessage(cards=(Card(description=bio),)),
            now=NOW,
            guild_id=1,
        )


async def stored(db: Database, user_id: int) -> tuple[str, str]:
    async with db.transaction() as session:
        bio = await session.scalar(text(f"SELECT bio FROM member_profiles WHERE user_id = {user_id}"))
        payload = await session.scalar(text(f"SELECT payload FROM outbox WHERE target_id = {user_id}"))
    return bio, str(payload)


async def read_bio(db: Database, user_id: int) -> str | None:
    async with db.transaction() as session:
        return (await session.get(MemberProfile, (1, user_id))).bio


@pytest.fixture
async def databases(database_url):
    """Open the same database with whatever keys a test asks for; close them all at the end."""
    opened = []

    def open_with(*keys: str) -> Database:
        db = Database.from_url(database_url, keys=KeyRing.parse(",".join(keys)))
        opened.append(db)
        return db

    yield open_with
    for db in opened:
        await db.dispose()


async def test_with_a_key_the_stored_bytes_are_not_the_clear_text(databases):
    db = databases(NEW)
    await write_bio(db, 10)
    bio, payload = await stored(db, 10)
    assert bio.startswith("mbenc1:") and BIO not in bio
    assert "mbenc1:" in payload and BIO not in payload
    assert await read_bio(db, 10) == BIO
    async with db.transaction() as session:
        queued = (await session.scalars(select(OutboxMessage))).one()
    assert queued.payload["cards"][0]["description"] == BIO


async def test_reads_beside_the_writer_decrypt_with_the_same_keys(databases):
    db = databases(NEW)
    await write_bio(db, 13)
    async with db.reading() as session:
        assert (await session.get(MemberProfile, (1, 13))).bio == BIO


async def test_without_a_key_text_is_stored_in_clear_and_stays_readable_once_a_key_is_added(databases):
    await write_bio(databases(), 11)
    assert (await stored(databases(), 11))[0] == BIO
    keyed = databases(NEW)
    assert await read_bio(keyed, 11) == BIO
    await check_readable(keyed)


async def test_a_wrong_key_gives_a_clear_error_naming_the_fix(databases):
    await write_bio(databases(OLD), 12)
    wrong = databases(NEW)
    with pytest.raises(DataKeyError, match="MENTORBOT_DATA_KEYS") as raised:
        await check_readable(wrong)
    assert "rotate-key" in str(raised.value)
    with pytest.raises(DataKeyError, match="could not be decrypted"):
        await read_bio(wrong, 12)
    with pytest.raises(DataKeyError, match="no data key is configured"):
        await check_readable(databases())


async def test_rotation_re_encrypts_everything_with_the_newest_key_and_keeps_it_readable(databases):
    await write_bio(databases(), 13, "written before any key")
    await write_bio(databases(OLD), 14)
    done = await rotate(databases(NEW, OLD))
    assert done["member_profiles.bio"] == 2 and done["outbox.payload"] == 2

    only_new = databases(NEW)
    assert await read_bio(only_new, 13) == "written before any key"
    assert await read_bio(only_new, 14) == BIO
    await check_readable(only_new)
    assert (await stored(only_new, 13))[0].startswith("mbenc1:")
    with pytest.raises(DataKeyError):
        await read_bio(databases(OLD), 14)  # the old key alone no longer reads it


async def test_rotation_needs_a_key(databases):
    with pytest.raises(DataKeyError, match="No data key"):
        await rotate(databases())


def test_a_malformed_key_is_named_by_position_without_being_echoed(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("")
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={"MENTORBOT_DATA_KEYS": f"{NEW},hunter2"})
    assert "privacy.data_keys" in str(raised.value) and "key 2" in str(raised.value)
    assert "hunter2" not in str(raised.value)
    settings = load_settings(path, environ={"MENTORBOT_DATA_KEYS": f"{NEW}, {OLD}"})
    assert settings.privacy.key_ring().size == 2
    assert NEW not in repr(settings)


async def test_rotation_encrypts_goal_titles_milestones_and_interests_kept_in_clear_before(databases):
    clear = databases()
    async with clear.transaction() as session:
        profile = MemberProfile(guild_id=1, user_id=15, created_at=NOW, updated_at=NOW)
        profile.interests = ["quiet quitting"]
        session.add(profile)
        goal = Goal(guild_id=1, owner_id=15, title="Leave my department", created_at=NOW)
        goal.last_activity_at = NOW
        session.add(goal)
        await session.flush()
        session.add(GoalMilestone(goal_id=goal.id, title="Tell my chair", position=0))

    done = await rotate(databases(NEW))

    assert done["goals.title"] == done["goal_milestones.title"] == 1
    assert done["member_profiles.interests"] >= 1
    async with databases(NEW).transaction() as session:
        queries = (
            "SELECT interests FROM member_profiles WHERE user_id = 15",
            "SELECT title FROM goals WHERE owner_id = 15",
            f"SELECT title FROM goal_milestones WHERE goal_id = {goal.id}",
        )
        raw = " ".join([str(await session.scalar(text(query))) for query in queries])
        assert raw.count("mbenc1:") == 3
        assert "quitting" not in raw and "department" not in raw and "chair" not in raw
        assert (await session.get(MemberProfile, (1, 15))).interests == ["quiet quitting"]
        assert (await session.get(Goal, goal.id)).title == "Leave my department"
    if clear.dialect == "sqlite":  # nor left in the files by the rewrite (an older WAL frame)
        assert b"department" not in database_bytes(clear) and b"chair" not in database_bytes(clear)
