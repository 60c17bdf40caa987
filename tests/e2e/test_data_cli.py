"""`mentorbot data …` and a wrong data key, as an operator runs them, in a separate process."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.db.encryption import KeyRing
from bot.db.engine import Database
from bot.db.models import GuildRecord, MemberProfile
from tests.e2e.test_cli import clean_env, run_cli
from tests.support.bot import TOKEN

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BIO = "Between two jobs and a little lost"


async def seed(url: str, keys: str | None, guild_id: int = 7) -> None:
    db = Database.from_url(url, keys=KeyRing.parse(keys))
    try:
        async with db.transaction() as session:
            session.add(GuildRecord(guild_id=guild_id, joined_at=NOW, left_at=NOW))
            session.add(MemberProfile(guild_id=guild_id, user_id=42, bio=BIO, created_at=NOW, updated_at=NOW))
    finally:
        await db.dispose()


async def raw_bios(url: str) -> list[str]:
    db = Database.from_url(url)
    try:
        async with db.transaction() as session:
            return list((await session.scalars(text("SELECT bio FROM member_profiles"))).all())
    finally:
        await db.dispose()


def configured(tmp_path, url: str) -> None:
    (tmp_path / "config.toml").write_text(f"[database]\nurl = {url!r}\n")


async def test_new_key_prints_a_usable_key(tmp_path):
    code, out, _ = await run_cli("data", "new-key", cwd=tmp_path, env=clean_env())
    assert code == 0 and KeyRing.parse(out.strip()) is not None


async def test_run_with_a_wrong_data_key_stops_with_one_line_saying_how_to_fix_it(tmp_path, database_url):
    old, wrong = KeyRing.new_key(), KeyRing.new_key()
    await seed(database_url, old)
    configured(tmp_path, database_url)
    env = clean_env(MENTORBOT_TOKEN=TOKEN, MENTORBOT_DATA_KEYS=wrong)
    code, _, err = await run_cli("run", cwd=tmp_path, env=env)
    assert code == 2
    assert "MENTORBOT_DATA_KEYS" in err and "Traceback" not in err and wrong not in err


async def test_rotate_key_moves_everything_to_the_newest_key(tmp_path, database_url):
    old, new = KeyRing.new_key(), KeyRing.new_key()
    await seed(database_url, old)
    configured(tmp_path, database_url)
    code, out, _ = await run_cli(
        "data", "rotate-key", cwd=tmp_path, env=clean_env(MENTORBOT_DATA_KEYS=f"{new},{old}")
    )
    assert code == 0 and "member_profiles.bio: 1" in out
    [stored] = await raw_bios(database_url)
    assert BIO not in stored
    assert KeyRing.parse(new).decrypt(stored) == BIO  # the new key alone reads it now


async def test_purge_guild_shows_first_and_deletes_only_with_yes(tmp_path, database_url):
    await seed(database_url, None, guild_id=7)
    await seed(database_url, None, guild_id=8)
    configured(tmp_path, database_url)
    code, out, err = await run_cli("data", "purge-guild", "7", cwd=tmp_path, env=clean_env())
    assert code == 1 and "member_profiles: 1 rows" in out and "--yes" in err
    assert len(await raw_bios(database_url)) == 2

    code, out, _ = await run_cli("data", "purge-guild", "7", "--yes", cwd=tmp_path, env=clean_env())
    assert code == 0 and "deleted 2 rows" in out
    assert len(await raw_bios(database_url)) == 1  # the other server's data stays
