"""The bot down while a pair talked: what they wrote meanwhile counts, so they are not told
their group went quiet; a pair silent all through the outage is still helped on time."""

from __future__ import annotations

import logging

from tests.e2e.conftest import World
from tests.e2e.test_rescue import dms_with
from tests.support import program
from tests.support.bot import running_bot, settings_for
from tests.support.timeline import Timeline
from tests.support.waiting import eventually

NUDGE = "misses you"


def shard_ready(caplog, ending: str):
    """Wait for the bot to say its shard is ready, the rescue free to run (it waits for this)."""

    async def said() -> bool:
        return any(
            m.startswith("shard 0 ready") and m.endswith(ending)
            for m in (r.getMessage() for r in caplog.records)
        )

    return said


async def test_a_pair_that_talked_while_the_bot_was_down_is_not_called_quiet(
    fake, world: World, database_url, clock, caplog
):
    carol, dan = fake.add_user("carol", global_name="Carol"), fake.add_user("dan", global_name="Dan")
    for user in (carol, dan):
        world.guild.add_member(user)
    olivia = world.person(world.owner)
    settings = settings_for(fake, database_url)
    caplog.set_level(logging.INFO, logger="cogs")
    async with running_bot(fake, settings, clock) as first:
        # Watching from when its shard is ready: stopped before that, the bot would look back
        # from its previous start at the next one.
        await eventually(shard_ready(caplog, "no time away"), within=15)
        talking = await program.create_group(olivia, "Talking pair", "one_to_one")
        silent = await program.create_group(olivia, "Silent pair", "one_to_one")
        for group, mentor, mentee in ((talking, world.alice, world.bob), (silent, carol, dan)):
            await program.add_member(olivia, group, world.person(mentor), "mentor")
            await program.add_member(olivia, group, world.person(mentee), "mentee")
        await Timeline(clock, fake, first).advance(days=5)

    clock.advance(days=5)  # the bot is down; Alice writes in the pair's channel meanwhile
    world.person(world.alice).say("Sorry for the silence, busy clinic month. Thursday?", talking.home)
    clock.advance(days=5)

    async with running_bot(fake, settings, clock) as second:
        # Discord lists each channel's latest message as a shard connects; the rescue waits for it.
        await eventually(shard_ready(caplog, "1 channels written in while the bot was away"), within=15)
        timeline = Timeline(clock, fake, second)
        # Noon on their clocks (UTC), 23 days since the pairs began, 13 since Alice wrote.
        await timeline.advance(days=8, hours=4)
        [nudge] = dms_with(fake, carol, NUDGE)  # silent through the outage too: helped on time
        assert "quiet for 23 days" in str(nudge)
        assert dms_with(fake, world.alice, NUDGE) == dms_with(fake, world.bob, NUDGE) == []

        await timeline.advance(days=7)  # 20 days since Alice wrote
        assert dms_with(fake, world.bob, NUDGE) == []
        await timeline.advance(days=2)
        [nudge] = dms_with(fake, world.bob, NUDGE)
        assert "quiet for 22 days" in str(nudge)  # counted from her message, not from the start
