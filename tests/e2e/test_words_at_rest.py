"""What members type about themselves, on disk: encrypted with a data key.

Alice and Bob type distinctive words into every field the bot keeps, through slash commands,
forms and buttons; the test then reads the database's files byte by byte (SQLite: the database,
its -wal and -shm) and, on every database, every stored value as it is, without decrypting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import PrivacySettings
from bot.db.base import Base
from bot.db.encryption import KeyRing
from bot.db.engine import Database
from tests.e2e.conftest import button_id, final, running_bot, settings_for
from tests.e2e.people import create_group, join_group, text_of
from tests.e2e.test_cli import clean_env, run_cli
from tests.support.timeline import Timeline

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
NINE = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)

# What Alice types, by field, and the rare word in it that must never be readable on disk.
ALICE = {
    "bio": ("Zanzibarlantern oncologist who runs at dawn", "Zanzibarlantern"),
    "interests": ("kelpforestry, grant writing", "kelpforestry"),
    "goal title": ("Escape the Quillmoor department", "Quillmoor"),
    "why": ("Ferriswheel of tenure reviews", "Ferriswheel"),
    "milestone": ("Draft the Vorpalstone memo", "Vorpalstone"),
    "update": ("Halfway through the Grimbleton chapter", "Grimbleton"),
    "answer": ("Juniperlock aims finally drafted", "Juniperlock"),
    "report note": ("That Snickerdoodle remark hurt", "Snickerdoodle"),
    "reflection": ("Learned to say no to Wobblecrest", "Wobblecrest"),
}
BOB = {
    "bio": ("Marmalisk statistician", "Marmalisk"),
    "goal title": ("Renew the Tindertwig grant", "Tindertwig"),
}


def words(typed: dict[str, tuple[str, str]]) -> list[str]:
    return [word for _, word in typed.values()]


def with_keys(fake, database_url: str, keys: str | None):
    settings = settings_for(fake, database_url)
    if keys is None:
        return settings
    return settings.model_copy(update={"privacy": PrivacySettings(data_keys=SecretStr(keys))})


async def profile(fake, guild, user, typed) -> None:
    form = await fake.slash(user, guild, "profile edit")
    fields = {"Time zone": "UTC", "Bio": typed["bio"][0]}
    if "interests" in typed:
        fields["Interests"] = typed["interests"][0]
    shown = text_of(await final(await fake.submit_modal(user, form, fields)))
    assert typed["bio"][0] in shown


async def own_goal(fake, guild, user, current: str = "") -> str:
    """Pick the user's goal the way they would: from the autocomplete list (decrypted titles)."""
    choices = await fake.autocomplete(user, guild, "goal update", focused="goal", goal=current)
    assert choices, "the goal autocomplete offered nothing"
    return choices[0]["value"]


async def everyone_types(fake, world, bot, clock) -> dict:
    """Alice and Bob fill in everything the bot keeps, the way members do."""
    alice, bob, olivia, guild = world.alice, world.bob, world.owner, world.guild
    timeline = Timeline(clock, fake, bot)
    await timeline.to(MONDAY)
    home_id = await create_group(fake, guild, olivia, "Circle", "peer")
    for user in (alice, bob):
        await join_group(fake, guild, olivia, "Circle", user, "peer")
    await profile(fake, guild, alice, ALICE)
    await profile(fake, guild, bob, BOB)

    title, why = ALICE["goal title"][0], ALICE["why"][0]
    await fake.slash(alice, guild, "goal set", title=title, why=why, group="Circle", visibility="group")
    goal = await own_goal(fake, guild, alice, "quillmoor")  # searched in Python: titles are encrypted
    await fake.slash(alice, guild, "goal milestone-add", goal=goal, title=ALICE["milestone"][0])
    await fake.slash(alice, guild, "goal update", goal=goal, progress=40, note=ALICE["update"][0])
    await fake.slash(alice, guild, "goal set", title="Second goal", group="Circle")
    second = await own_goal(fake, guild, alice, "second")
    await fake.slash(alice, guild, "goal done", goal=second, reflection=ALICE["reflection"][0])
    await fake.slash(bob, guild, "goal set", title=BOB["goal title"][0])

    scheduled = await fake.slash(
        olivia, guild, "checkin schedule", group="Circle", cadence="daily", time="09:00"
    )
    assert "Check-ins scheduled" in text_of(await final(scheduled)), text_of(scheduled.message)
    await timeline.to(NINE)  # the bot's planner and outbox send nine o'clock's check-ins
    [dm] = [m for m in fake.dm_messages(alice) if "Check-in ·" in text_of(m)]
    form = await fake.click(alice, dm, button_id(dm, "Answer"))
    saved = await fake.submit_modal(
        alice,
        form,
        {"How are you doing? (1 low – 5 great)": ["4"], "Progress since last time?": ALICE["answer"][0]},
    )
    await fake.click(alice, saved.message, button_id(saved.message, "Whole group"))  # a copy in the home

    home = fake.world.channels[home_id]
    remark = fake.post_message(bob, home, "a remark")
    form = await fake.message_command(alice, guild, "Report to facilitator", remark)
    await fake.submit_modal(alice, form, {"Anything to add? (optional)": ALICE["report note"][0]})
    await timeline.settle()
    return {"goal": goal, "home": home}


def database_files(database_url: str) -> dict[str, bytes]:
    path = Path(make_url(database_url).database)
    files = {}
    for suffix in ("", "-wal", "-shm"):
        if (found := path.with_name(path.name + suffix)).exists():
            files[found.name] = found.read_bytes()
    return files


async def stored_values(bot) -> str:
    """Every value of every table as stored, not decrypted (plain SQL, no column types)."""
    return await values_in(bot.services.db)


async def values_in(db) -> str:
    rows = []
    async with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in await session.execute(text(f"SELECT * FROM {table.name}"))]
    return "\n".join(rows)


def readable(word: str, haystack: bytes | str) -> bool:
    if isinstance(haystack, str):
        return word.lower() in haystack.lower()
    return word.encode() in haystack or word.lower().encode() in haystack


async def test_with_a_data_key_nothing_a_member_types_is_readable_on_disk(fake, world, database_url, clock):
    async with running_bot(fake, with_keys(fake, database_url, KeyRing.new_key()), clock) as bot:
        arranged = await everyone_types(fake, world, bot, clock)

        stored = await stored_values(bot)
        for word in words(ALICE) + words(BOB):
            assert not readable(word, stored), f"{word} is stored in clear"
        if database_url.startswith("sqlite"):
            for name, data in database_files(database_url).items():
                for word in words(ALICE) + words(BOB):
                    assert not readable(word, data), f"{word} is readable in {name}"

        # Lists, autocomplete and views still show what she typed (her own rows, decrypted).
        listed = text_of(await final(await fake.slash(world.alice, world.guild, "goal list")))
        assert ALICE["goal title"][0] in listed
        goal = await fake.slash(world.alice, world.guild, "goal show", goal=arranged["goal"])
        shown = text_of(await final(goal))
        assert ALICE["milestone"][0] in shown and ALICE["why"][0] in shown
        mine = text_of(await final(await fake.slash(world.alice, world.guild, "profile show")))
        assert ALICE["bio"][0] in mine and "kelpforestry" in mine
    assert fake.unknown_requests == []


async def test_rotate_key_encrypts_what_was_typed_before_there_was_a_key_and_leaves_no_clear_copy(
    fake, world, database_url, clock, tmp_path
):
    async with running_bot(fake, with_keys(fake, database_url, None), clock) as bot:
        arranged = await everyone_types(fake, world, bot, clock)
    typed = words(ALICE) + words(BOB)
    key = KeyRing.new_key()
    (tmp_path / "config.toml").write_text(f"[database]\nurl = {database_url!r}\n")
    code, out, err = await run_cli("data", "rotate-key", cwd=tmp_path, env=clean_env(MENTORBOT_DATA_KEYS=key))
    assert code == 0, err
    assert "goals.title: 3 " in out and "goal_milestones.title: 1 " in out  # Alice 2, Bob 1

    db = Database.from_url(database_url)  # no key: what is stored, as it is
    try:
        stored = await values_in(db)
    finally:
        await db.dispose()
    assert not [word for word in typed if readable(word, stored)]
    for name, data in database_files(database_url).items() if database_url.startswith("sqlite") else ():
        assert not [word for word in typed if readable(word, data)], f"a clear copy is left in {name}"

    async with running_bot(fake, with_keys(fake, database_url, key), clock):
        listed = text_of(await final(await fake.slash(world.alice, world.guild, "goal list")))
        assert ALICE["goal title"][0] in listed
        assert await own_goal(fake, world.guild, world.alice, "quillmoor") == arranged["goal"]
        mine = text_of(await final(await fake.slash(world.alice, world.guild, "profile show")))
        assert ALICE["bio"][0] in mine and "kelpforestry" in mine
    assert fake.unknown_requests == []


async def test_after_an_erasure_her_words_are_gone_from_the_files_and_bobs_are_intact(
    fake, world, database_url, clock
):
    """SQLite: not in the database, its -wal or -shm; PostgreSQL: the touched tables vacuumed."""
    # Without a key, so that what is on disk is what she typed: the erasure must remove it.
    async with running_bot(fake, with_keys(fake, database_url, None), clock) as bot:
        await everyone_types(fake, world, bot, clock)
        sqlite = database_url.startswith("sqlite")
        if sqlite:
            before = b"".join(database_files(database_url).values())
            assert all(readable(word, before) for word in words(ALICE))  # the check below can fail
        else:
            before = {table: await last_vacuum(bot, table) for table in ("goals", "member_profiles")}

        asked = await final(await fake.slash(world.alice, world.guild, "privacy erase"))
        done = await fake.click(world.alice, asked, button_id(asked, "Erase"))
        assert "Erased" in text_of(await final(done))

        for name, data in database_files(database_url).items() if sqlite else ():
            for word in words(ALICE):
                assert not readable(word, data), f"{word} is still readable in {name} after the erasure"
        stored = await stored_values(bot)
        assert not any(readable(word, stored) for word in words(ALICE))
        if not sqlite:  # dead row versions are vacuumed away
            for table, then in before.items():
                assert await last_vacuum(bot, table) not in (None, then), f"{table} not vacuumed"
        assert all(readable(word, stored) for word in words(BOB))
        bobs = text_of(await final(await fake.slash(world.bob, world.guild, "profile show")))
        assert BOB["bio"][0] in bobs
        listed = text_of(await final(await fake.slash(world.bob, world.guild, "goal list")))
        assert BOB["goal title"][0] in listed
    assert fake.unknown_requests == []


async def last_vacuum(bot, table: str) -> datetime | None:
    async with bot.services.db.reading() as session:
        return await session.scalar(
            text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        )
