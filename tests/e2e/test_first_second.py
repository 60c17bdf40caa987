"""The bot's first second after a start: scheduled work waits for Discord's servers instead of
taking an empty cache for deleted channels."""

from __future__ import annotations

import contextlib
import logging

from tests.e2e.conftest import World, final
from tests.e2e.people import create_group, join_group, moments_in, text_of
from tests.support.bot import running_bot, settings_for
from tests.support.waiting import eventually

WAITING = "waiting for Discord to send its servers"


def dms_saying(fake, user, text: str) -> list[dict]:
    return [m for m in fake.dm_messages(user) if text in text_of(m)]


@contextlib.asynccontextmanager
async def restarted_before_its_servers(fake, settings, clock, caplog, *, gave_up):
    """Start the bot again with the gateway slow to send the servers; release them once the
    scheduled work has reached Discord (it waits, saying so) or has given up (``gave_up()``)."""
    caplog.set_level(logging.INFO, logger="bot")
    fake.hold_guilds()
    async with running_bot(fake, settings, clock, ready=False) as restarted:

        async def reached_discord() -> bool:
            return any(WAITING in record.getMessage() for record in caplog.records) or gave_up()

        await eventually(reached_discord, within=15)
        fake.release_guilds()
        yield restarted


async def test_a_coffee_round_drawn_before_the_servers_arrive_still_opens_its_threads(
    fake, world: World, database_url, clock, caplog
):
    settings = settings_for(fake, database_url)
    coffee = world.guild.add_text_channel("coffee")
    async with running_bot(fake, settings, clock):
        setup = await fake.slash(world.owner, world.guild, "coffee setup", options={"channel": coffee})
        assert "Coffee pairings are on" in text_of(await final(setup))
        for person in (world.alice, world.bob):
            await final(await fake.slash(person, world.guild, "coffee join"))
        status = text_of(await final(await fake.slash(world.alice, world.guild, "coffee status")))
    # The bot is stopped; when it starts again the round is due, and the gateway is slow with the servers.
    clock.set(moments_in(status)[0])

    def gave_up() -> bool:
        return bool(dms_saying(fake, world.owner, "could not be opened"))

    def threads() -> list:
        return [t for t in world.guild.threads if t.parent_id == coffee.id]

    async with restarted_before_its_servers(fake, settings, clock, caplog, gave_up=gave_up) as restarted:

        async def opened() -> bool:
            return len(threads()) == 1 or gave_up()

        await eventually(opened, within=15)
        await restarted.services.scheduler.wake_all()  # the bot's own outbox pass sends the intro

    assert not gave_up() and dms_saying(fake, world.owner, "no longer exists") == []
    for person in (world.alice, world.bob):
        assert dms_saying(fake, person, "couldn't open a thread") == []
    [thread] = threads()
    assert set(thread.thread_members) - {fake.bot_user.id} == {world.alice.id, world.bob.id}
    assert "Coffee time" in text_of(fake.channel_messages(thread)[0])


async def test_a_scheduled_discussion_due_before_the_servers_arrive_opens_in_the_home(
    fake, world: World, database_url, clock, caplog
):
    settings = settings_for(fake, database_url)
    async with running_bot(fake, settings, clock):
        home = await create_group(fake, world.guild, world.owner, "Circle", "peer")
        for person in (world.alice, world.bob):
            await join_group(fake, world.guild, world.owner, "Circle", person, "peer")
        asked = await fake.slash(
            world.owner, world.guild, "discuss schedule discussions", group="Circle", weekday=2
        )
        scheduled = await final(asked)
        assert "Discussions scheduled" in text_of(scheduled)
    clock.set(moments_in(text_of(scheduled))[0])

    def gave_up() -> bool:
        return bool(dms_saying(fake, world.owner, "did not open"))

    def threads() -> list:
        return [t for t in world.guild.threads if t.parent_id == home]

    async with restarted_before_its_servers(fake, settings, clock, caplog, gave_up=gave_up) as restarted:

        async def opened() -> bool:
            await restarted.services.scheduler.wake_all()  # one pass of every job of the bot
            return len(threads()) == 1 or gave_up()

        await eventually(opened, within=15)

    assert not gave_up()
    [thread] = threads()
    assert {world.alice.id, world.bob.id} <= set(thread.thread_members)


async def test_a_404_that_is_not_discords_word_on_the_channel_is_retried_not_taken_for_a_deleted_home(
    fake, world: World, timeline
):
    home = await create_group(fake, world.guild, world.owner, "Circle", "peer")
    proxy_404 = fake.inject_faults("POST", "/channels/{channel_id}/messages", share=1.0, kinds=("404",))
    await join_group(fake, world.guild, world.owner, "Circle", world.alice, "peer")
    await timeline.settle()
    assert proxy_404.injected["404"] >= 1
    assert fake.channel_messages(home) == []

    proxy_404.share = 0
    await timeline.advance(minutes=5)  # the retry's time
    assert any(f"Welcome <@{world.alice.id}>" in text_of(m) for m in fake.channel_messages(home))
    shown = text_of(await final(await fake.slash(world.owner, world.guild, "setup show")))
    assert "Channels I can't post in" not in shown  # nobody was told the home is gone
