"""A message in flight when the bot's process dies, and the bot down for longer than Discord
remembers a message's nonce: it is looked for where it was going, and arrives exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter

import pytest

from bot.db.engine import Database
from tests.e2e.conftest import TOKEN, button_id
from tests.e2e.people import create_group, text_of
from tests.e2e.test_processes import BotProcess, bot_processes, message_posts_by_nonce, start, until
from tests.fake_discord import FakeDiscord, P, overwrite
from tests.support.rounds import outbox_statuses

# Seconds Discord (the fake) remembers a nonce, and what the bot is told it does: short, so an
# outage longer than that takes seconds.
NONCE_MEMORY = 1.0
MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
async def forgetful_fake():
    server = FakeDiscord(token=TOKEN, nonce_memory=NONCE_MEMORY)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def database(database_url):
    db = Database.from_url(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def people(forgetful_fake):
    fake = forgetful_fake
    olivia = fake.add_user("olivia", global_name="Olivia (coordinator)")
    alice = fake.add_user("alice", global_name="Alice")
    guild = fake.add_guild("Faculty Peer Mentoring", owner=olivia)
    guild.add_text_channel("general")
    guild.add_member(alice)
    return olivia, alice, guild


async def start_bot(started, fake, database_url, tmp_path) -> BotProcess:
    identified = fake.hub.identified_count
    bot = await start(
        started, fake, database_url, tmp_path, stale_claim_seconds=1, nonce_memory_seconds=NONCE_MEMORY
    )

    async def connected() -> bool:
        return fake.hub.identified_count > identified and bool(fake.global_commands)

    await until(connected, 60, bot)
    await fake.wait_until_ready()
    return bot


async def kill(bot: BotProcess) -> None:
    os.kill(bot.process.pid, signal.SIGKILL)
    assert await bot.process.wait() == -signal.SIGKILL


async def down_longer_than_the_nonce_memory() -> None:
    # The outage itself is what is tested: Discord forgets the nonce while the bot is away.
    await asyncio.sleep(NONCE_MEMORY * 1.5)


async def restart_after_the_nonce_memory(started, fake, database_url, tmp_path, database) -> BotProcess:
    """Stay down longer than Discord remembers nonces, start again and let the bot catch up."""
    await down_longer_than_the_nonce_memory()
    replacement = await start_bot(started, fake, database_url, tmp_path)
    await until(settled(database), 30, replacement)
    return replacement


async def circle_with(fake, guild, olivia, alice, database, bot: BotProcess) -> int:
    """Olivia makes the peer group Circle and adds Alice; return its home once her ground rules arrived."""
    home_id = await create_group(fake, guild, olivia, "Circle", "peer")
    await fake.slash(olivia, guild, "group add", group="Circle", role="peer", options={"user": alice})
    await until(settled(database), 30, bot)  # her ground rules arrived
    return home_id


async def agrees(fake, guild, alice) -> None:
    """Alice agrees to Circle's ground rules with the button."""
    shown = await fake.slash(alice, guild, "group agree", group="Circle")
    await fake.click(alice, shown.message, button_id(shown.message, "I agree"))


def settled(database):
    async def check() -> bool:
        statuses = await outbox_statuses(database)
        return bool(statuses) and not statuses.keys() & {"pending", "sending"}

    return check


def deny_reading(channel, member) -> None:
    """Take away the member's permission to read the channel's history, keeping the rest."""
    mine = next((o for o in channel.permission_overwrites if int(o["id"]) == member.id), None)
    if mine is None:
        channel.permission_overwrites.append(overwrite(member, deny=P.READ_MESSAGE_HISTORY))
        return
    mine["allow"] = str(int(mine["allow"]) & ~int(P.READ_MESSAGE_HISTORY))
    mine["deny"] = str(int(mine["deny"]) | int(P.READ_MESSAGE_HISTORY))


def history_reads(fake: FakeDiscord) -> list:
    return [r for r in fake.requests_to("GET", MESSAGES) if "after" in r.query]


async def test_a_dm_made_while_the_process_died_is_found_after_a_long_outage_not_sent_again(
    forgetful_fake, people, database_url, database, tmp_path
):
    fake, (olivia, alice, guild) = forgetful_fake, people
    async with bot_processes() as started:
        doomed = await start_bot(started, fake, database_url, tmp_path)
        await create_group(fake, guild, olivia, "Circle", "peer")
        # Discord makes the DMs, but the answers never reach the bot: it dies first.
        in_flight = fake.hold_answers("POST", MESSAGES)
        await fake.slash(olivia, guild, "group add", group="Circle", role="peer", options={"user": alice})
        await fake.hub.wait_for(lambda: in_flight.waiting >= 1, 10, "a DM in flight")
        await kill(doomed)
        in_flight.release()
        made = len(fake.dm_messages(alice))
        await restart_after_the_nonce_memory(started, fake, database_url, tmp_path, database)

    assert await outbox_statuses(database) == {"sent": len(fake.dm_messages(alice))}
    assert made >= 1 and len(history_reads(fake)) >= 1
    assert set(Counter(text_of(m) for m in fake.dm_messages(alice)).values()) == {1}  # 0 doubled
    assert set(message_posts_by_nonce(fake).values()) == {1}  # found, not sent again
    assert fake.unknown_requests == []


async def test_a_dm_that_never_reached_discord_is_sent_once_after_a_long_outage(
    forgetful_fake, people, database_url, database, tmp_path
):
    fake, (olivia, alice, guild) = forgetful_fake, people
    async with bot_processes() as started:
        doomed = await start_bot(started, fake, database_url, tmp_path)
        await create_group(fake, guild, olivia, "Circle", "peer")
        lost = fake.hold_requests("POST", MESSAGES)
        await fake.slash(olivia, guild, "group add", group="Circle", role="peer", options={"user": alice})
        await fake.hub.wait_for(lambda: lost.waiting >= 1, 10, "a DM on its way")
        await kill(doomed)
        lost.drop()  # it never reached Discord
        assert fake.dm_messages(alice) == []
        await restart_after_the_nonce_memory(started, fake, database_url, tmp_path, database)

    dms = fake.dm_messages(alice)
    assert dms and await outbox_statuses(database) == {"sent": len(dms)}  # 0 lost
    assert set(Counter(text_of(m) for m in dms).values()) == {1}
    assert "Ground rules · Circle" in "".join(text_of(m) for m in dms)
    assert len(history_reads(fake)) >= 1  # looked for first
    assert fake.unknown_requests == []


async def test_a_post_in_a_groups_channel_made_while_the_process_died_is_found_not_posted_again(
    forgetful_fake, people, database_url, database, tmp_path
):
    """Not only DMs: a post in a group's home (here the welcome) is looked for in that channel."""
    fake, (olivia, alice, guild) = forgetful_fake, people
    async with bot_processes() as started:
        doomed = await start_bot(started, fake, database_url, tmp_path)
        home_id = await circle_with(fake, guild, olivia, alice, database, doomed)
        # She agrees; Discord posts the welcome, but the answer never reaches the bot: it dies first.
        in_flight = fake.hold_answers("POST", MESSAGES)
        await agrees(fake, guild, alice)
        await fake.hub.wait_for(lambda: in_flight.waiting >= 1, 10, "the welcome in flight")
        await kill(doomed)
        in_flight.release()
        replacement = await restart_after_the_nonce_memory(started, fake, database_url, tmp_path, database)

    home = fake.world.channels[home_id]
    welcomes = [m for m in fake.channel_messages(home) if m["content"].startswith(f"Welcome <@{alice.id}>")]
    assert len(welcomes) == 1  # 0 doubled, 0 lost
    assert any(r.path.endswith(f"/channels/{home_id}/messages") for r in history_reads(fake))  # looked for
    assert set(message_posts_by_nonce(fake).values()) == {1}
    assert "sent before a restart" in replacement.log.read_text()
    assert fake.unknown_requests == []


async def test_a_channel_the_bot_can_no_longer_read_counts_as_not_found_and_says_why(
    forgetful_fake, people, database_url, database, tmp_path
):
    fake, (olivia, alice, guild) = forgetful_fake, people
    async with bot_processes() as started:
        doomed = await start_bot(started, fake, database_url, tmp_path)
        home_id = await circle_with(fake, guild, olivia, alice, database, doomed)
        # She agrees; the welcome in the group's channel is on its way when the process dies.
        lost = fake.hold_requests("POST", MESSAGES)
        await agrees(fake, guild, alice)
        await fake.hub.wait_for(lambda: lost.waiting >= 1, 10, "the welcome on its way")
        await kill(doomed)
        lost.drop()
        # Meanwhile a coordinator takes the bot's right to read the channel's history.
        home = fake.world.channels[home_id]
        deny_reading(home, guild.bot_member)
        replacement = await restart_after_the_nonce_memory(started, fake, database_url, tmp_path, database)

    welcomes = [m for m in fake.channel_messages(home) if m["content"].startswith(f"Welcome <@{alice.id}>")]
    assert len(welcomes) == 1  # sent once, since it had not arrived
    assert f"channel {home_id} cannot be read (cannot_read_history)" in replacement.log.read_text()
    assert fake.unknown_requests == []
