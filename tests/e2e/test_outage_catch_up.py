"""The bot back after two months down: one summary per schedule instead of one per missed day,
today's check-ins before that backlog, and a stop in the middle of it without a traceback."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import World
from tests.support import program
from tests.support.bot import running_bot, settings_for
from tests.support.people import text_of
from tests.support.timeline import Timeline

# The clock's start (08:00 UTC) is 09:00 in Lagos, which keeps no daylight saving.
OUTAGE = timedelta(days=61)
CLOSED = "Check-in round closed"
GROUPS = ("Writing Circle", "Grant Club")


async def arrange(world: World, timeline: Timeline) -> dict[str, int]:
    """Olivia runs two groups checking in daily at 09:00; Alice and Bob live in Lagos. Return the homes."""
    olivia = world.person(world.owner)
    for user in (world.alice, world.bob):
        await program.set_timezone(world.person(user), "Lagos")
    homes = {}
    for name in GROUPS:
        group = await program.create_group(olivia, name, "peer")
        for user in (world.alice, world.bob):
            await program.add_member(olivia, group, world.person(user), "peer")
        scheduled = await olivia.run("checkin schedule", group=name, cadence="daily", time="09:00")
        assert f"Check-ins scheduled for {name}" in scheduled.text, scheduled.text
        homes[name] = group.home
    await timeline.settle()
    return homes


def summaries(fake, home: int) -> list[dict]:
    return [m for m in fake.channel_messages(home) if CLOSED in text_of(m)]


def checkins_of_the_day(fake, user, day: datetime) -> list[dict]:
    dated = f"{day:%A %d %B}"
    return [m for m in fake.dm_messages(user) if "Check-in ·" in text_of(m) and dated in text_of(m)]


async def test_after_two_months_down_each_schedule_gets_one_summary_after_todays_check_ins(
    fake, world: World, database_url, clock, caplog
):
    settings = settings_for(fake, database_url)
    async with running_bot(fake, settings, clock) as first:
        homes = await arrange(world, Timeline(clock, fake, first))
    before = {name: len(summaries(fake, home)) for name, home in homes.items()}
    # Down for 61 days; it comes back 30 seconds after today's 09:00 in Lagos.
    back = clock.advance(days=OUTAGE.days, seconds=30)
    caplog.set_level(logging.INFO, logger="bot")

    async with running_bot(fake, settings, clock) as restarted:
        await Timeline(clock, fake, restarted).settle()

    today = [m for user in (world.alice, world.bob) for m in checkins_of_the_day(fake, user, back)]
    assert len(today) == 2 * len(GROUPS)  # every member's check-in of each group, once
    backlog = []
    for name, home in homes.items():
        new = summaries(fake, home)[before[name] :]
        assert len(new) == 1, [text_of(m) for m in new]  # not one per missed day
        [summary] = new
        folded = re.search(r"While I was offline, (\d+) rounds closed before this one", text_of(summary))
        assert folded and int(folded[1]) >= OUTAGE.days - 2, text_of(summary)
        assert "2 of them were never asked: I was offline" in text_of(summary)  # not just "0 of 2"
        backlog.append(summary)
    # Arrival order in Discord (message ids grow with time): what is due now went first.
    assert max(int(m["id"]) for m in today) < min(int(m["id"]) for m in backlog)
    assert any("rounds closed while the bot was away" in r.getMessage() for r in caplog.records)


async def test_stopping_during_the_backlog_logs_no_traceback_and_loses_nothing(
    fake, world: World, database_url, clock, caplog
):
    settings = settings_for(fake, database_url)
    async with running_bot(fake, settings, clock) as first:
        homes = await arrange(world, Timeline(clock, fake, first))
    before = {name: len(summaries(fake, home)) for name, home in homes.items()}
    back = clock.advance(days=OUTAGE.days, seconds=30)
    caplog.set_level(logging.INFO)

    # Discord is slow to answer: the bot is stopped while its sends are in flight.
    slow = fake.hold_answers("POST", "/channels/{channel_id}/messages")
    async with running_bot(fake, settings, clock):
        await fake.hub.wait_for(lambda: slow.waiting >= 1, 15, "a send in flight")
    stop_records = list(caplog.records)
    slow.release()

    tracebacks = [r for r in stop_records if r.exc_info or r.levelno >= logging.ERROR]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
    assert any("stopped mid-run by shutdown" in r.getMessage() for r in stop_records)

    # Started again later the same morning, it finishes the job: each message once.
    clock.set(back + timedelta(minutes=10))
    async with running_bot(fake, settings, clock) as again:
        await Timeline(clock, fake, again).settle()
    for name, home in homes.items():
        assert len(summaries(fake, home)[before[name] :]) == 1
    for user in (world.alice, world.bob):
        assert len(checkins_of_the_day(fake, user, back.astimezone(UTC))) == len(GROUPS)
