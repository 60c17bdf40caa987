"""`mentorbot data …` and a wrong data key, as an operator runs them, in a separate process."""

from __future__ import annotations

from sqlalchemy import text

from bot.db.encryption import KeyRing
from bot.db.engine import Database
from tests.e2e.conftest import final, running_bot
from tests.e2e.people import text_of
from tests.e2e.test_cli import clean_env, run_cli
from tests.e2e.test_words_at_rest import with_keys
from tests.support.bot import TOKEN

BIO = "Between two jobs and a little lost"


async def alice_writes_her_bio(fake, world, database_url: str, clock, keys: str | None, *guilds) -> None:
    """With the bot running (then stopped), Alice types her bio in `/profile edit` in each server."""
    async with running_bot(fake, with_keys(fake, database_url, keys), clock):
        for guild in guilds or (world.guild,):
            form = await fake.slash(world.alice, guild, "profile edit")
            saved = await fake.submit_modal(world.alice, form, {"Time zone": "UTC", "Bio": BIO})
            assert BIO in text_of(await final(saved))


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


async def test_run_with_a_wrong_data_key_stops_with_one_line_saying_how_to_fix_it(
    tmp_path, database_url, fake, world, clock
):
    old, wrong = KeyRing.new_key(), KeyRing.new_key()
    await alice_writes_her_bio(fake, world, database_url, clock, old)
    configured(tmp_path, database_url)
    env = clean_env(MENTORBOT_TOKEN=TOKEN, MENTORBOT_DATA_KEYS=wrong)
    code, _, err = await run_cli("run", cwd=tmp_path, env=env)
    assert code == 2
    assert "MENTORBOT_DATA_KEYS" in err and "Traceback" not in err and wrong not in err


async def test_rotate_key_moves_everything_to_the_newest_key(tmp_path, database_url, fake, world, clock):
    old, new = KeyRing.new_key(), KeyRing.new_key()
    await alice_writes_her_bio(fake, world, database_url, clock, old)
    configured(tmp_path, database_url)
    code, out, _ = await run_cli(
        "data", "rotate-key", cwd=tmp_path, env=clean_env(MENTORBOT_DATA_KEYS=f"{new},{old}")
    )
    assert code == 0 and "member_profiles.bio: 1" in out
    [stored] = await raw_bios(database_url)
    assert BIO not in stored
    assert KeyRing.parse(new).decrypt(stored) == BIO  # the new key alone reads it now


async def test_purge_guild_shows_first_and_deletes_only_with_yes(tmp_path, database_url, fake, world, clock):
    other = fake.add_guild("Other program", owner=world.owner)
    other.add_member(world.alice)
    other.add_text_channel("general")
    await alice_writes_her_bio(fake, world, database_url, clock, None, world.guild, other)
    configured(tmp_path, database_url)
    gone = str(world.guild.id)
    code, out, err = await run_cli("data", "purge-guild", gone, cwd=tmp_path, env=clean_env())
    assert code == 1 and "member_profiles: 1 rows" in out and "--yes" in err
    assert len(await raw_bios(database_url)) == 2

    code, out, _ = await run_cli("data", "purge-guild", gone, "--yes", cwd=tmp_path, env=clean_env())
    assert code == 0 and f"rows about server {gone}" in out
    assert len(await raw_bios(database_url)) == 1  # the other server's data stays
