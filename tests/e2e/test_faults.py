"""Faults from Discord during a check-in round: storms of 429s and 5xx, a dropped gateway.

The round goes on, and every member gets exactly one check-in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.rounds import add_members, dm_counts, outbox_statuses, seed_group

SEND = ("POST", "/channels/{channel_id}/messages")
OPEN_DM = ("POST", "/users/@me/channels")
HANG = 120  # seconds: a guard against a hang, not a budget (each wait ends on an event)


async def start_round(bot, fake, world, clock, count: int, *, dm_channels_known: bool = False):
    """Schedule a check-in for a group of ``count`` members and let it fall due; return the members."""
    members = add_members(fake, world.guild, count)
    dms = {u.id: fake.dm_channel(u).id for u in members} if dm_channels_known else None
    # Hundreds of members are put in the group straight in the database (see tests.support.rounds);
    # the round itself is scheduled by Olivia and sent by the bot.
    await seed_group(bot.services.db, world.guild.id, members, at=clock.now(), dm_channels=dms)
    due = clock.now() + timedelta(minutes=5)
    scheduled = await world.person(world.owner).run(
        "checkin schedule", group="Fan-out", cadence="daily", time=f"{due:%H:%M}"
    )
    assert "Check-ins scheduled" in scheduled.text, scheduled.text
    clock.set(due)
    # The bot's planner is woken as its tick would (it then wakes the outbox); the round goes on in
    # the background, and each test waits on what it expects to see.
    bot.services.scheduler.run_soon("checkin-planner")
    return members


async def until_all_sent(
    bot, clock, count: int, *, retry_every: timedelta | None = None, idle_passes: int = 30
):
    """Let the bot's scheduler run pass after pass until every outbox row is sent.

    With ``retry_every`` the clock moves between passes so retries fall due. Each pass is waited
    for (``wake_all`` returns once every job ran), so a slow machine only makes this slower; it
    fails when ``idle_passes`` passes in a row changed nothing.
    """
    idle, seen = 0, None
    while (statuses := await outbox_statuses(bot.services.db)) != {"sent": count}:
        assert set(statuses) <= {"pending", "sending", "sent"}, statuses  # nothing failed or expired
        idle = idle + 1 if statuses == seen else 0
        assert idle < idle_passes, f"{idle_passes} passes of the scheduler sent nothing more: {statuses}"
        seen = statuses
        if retry_every is not None:
            clock.advance(seconds=retry_every.total_seconds())
        await bot.services.scheduler.wake_all()  # the bot's scheduler sends what is due, then returns


async def test_a_storm_of_429s_and_5xx_neither_loses_nor_doubles_a_check_in(fake, world, bot, clock):
    # discord.py itself retries 500 and 502 after 1, 3, 5... s: those are rarer, to keep the test quick.
    kinds = ("429", "429", "429-shared", "429-global", "429-global", "503", "503")
    kinds += ("500", "502", "500-after", "502-after")
    sends = fake.inject_faults(*SEND, share=0.3, kinds=kinds, seed=2)
    opens = fake.inject_faults(*OPEN_DM, share=0.3, kinds=("429", "429-global", "503"), seed=9)

    members = await start_round(bot, fake, world, clock, 50)
    await until_all_sent(bot, clock, 50, retry_every=timedelta(minutes=2))

    assert dm_counts(fake, members) == {1: 50}
    # The storm really blew: 429s of every scope, 5xx, and answers lost after the message was made.
    assert {"429", "429-shared", "429-global", "503"} <= set(sends.injected)
    assert sends.injected["500"] + sends.injected["502"] > 0
    assert sends.injected["500-after"] + sends.injected["502-after"] > 0
    assert opens.injected["503"] > 0
    sends.share = opens.share = 0
    reply = await fake.slash(world.alice, world.guild, "help")  # the bot is still answering
    assert reply.ephemeral


async def test_a_send_still_rate_limited_after_discord_py_gave_up_is_retried_later(fake, world, bot, clock):
    # discord.py tries a request five times, then raises the 429: the message must stay due.
    storm = fake.inject_faults(*SEND, share=1.0, kinds=("429",), retry_after=0.01)
    [member] = await start_round(bot, fake, world, clock, 1, dm_channels_known=True)
    await fake.hub.wait_for(lambda: storm.injected["429"] >= 5, HANG, "discord.py's five tries")
    await bot.services.scheduler.wake_all()  # the outbox pass that tried it has ended
    assert storm.injected["429"] == 5  # discord.py's five tries, all refused, and no sixth
    assert (await outbox_statuses(bot.services.db)) == {"pending": 1}

    storm.share = 0
    # The retry falls due as the clock moves; each pass of the scheduler is waited for.
    for _ in range(30):
        if fake.dm_messages(member):
            break
        clock.advance(minutes=2)
        await bot.services.scheduler.wake_all()
    assert len(fake.dm_messages(member)) == 1
    assert (await outbox_statuses(bot.services.db)) == {"sent": 1}


@pytest.mark.parametrize("abrupt", [False, True], ids=["closed", "tcp-dropped"])
async def test_a_gateway_drop_mid_round_neither_stops_nor_doubles_it(fake, world, bot, clock, abrupt):
    members = await start_round(bot, fake, world, clock, 120, dm_channels_known=True)

    def delivered() -> int:
        return sum(len(fake.world.dm_channels[u.id].messages) for u in members)

    # Generous bounds: these wait on the fake's own events and only guard against a hang.
    await fake.hub.wait_for(lambda: delivered() >= 20, HANG, "the round to be under way")
    await fake.drop_gateway(resumable=True, abrupt=abrupt)
    await fake.wait_for_resume(timeout=HANG)
    assert delivered() < 120, "the round ended before the drop: make it bigger"

    reply = await fake.slash(world.alice, world.guild, "help")
    assert reply.ephemeral
    await until_all_sent(bot, clock, 120)
    assert dm_counts(fake, members) == {1: 120}
