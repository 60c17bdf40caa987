"""Nudges the bot sends on its own arrive in each member's daytime, outside their quiet hours, and
never to a member paused in the group — paused before the sweep, or before their nudge's moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import World, final
from tests.e2e.people import create_group, join_group, set_clock, text_of
from tests.support.waiting import eventually

# The group is made on Monday 23 November 2026 at 08:00 UTC; three weeks of silence later, the
# rescue sweep runs at 10:00 UTC: 02:00 in Los Angeles, 19:00 in Tokyo, 10:00 in UTC.
SWEEP = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
LOS_ANGELES_NINE = datetime(2026, 12, 14, 17, 0, tzinfo=UTC)
TOKYO_NINE = datetime(2026, 12, 15, 0, 0, tzinfo=UTC)


def misses_you(fake, user) -> list[dict]:
    return [m for m in fake.dm_messages(user) if "Your group misses you" in text_of(m)]


async def pause(fake, world: World, group: str, user) -> None:
    paused = await fake.slash(
        world.owner, world.guild, "facilitate pause", group=group, options={"user": user}, reason="A break"
    )
    assert "until restored" in text_of(await final(paused))


async def test_the_rescue_nudges_each_member_in_their_daytime_and_never_one_paused(fake, world, timeline):
    carol, dave = fake.add_user("carol"), fake.add_user("dave")
    for person in (carol, dave):
        world.guild.add_member(person)
    await fake.settle()
    await create_group(fake, world.guild, world.owner, "Quiet Circle", "peer")
    for person in (world.alice, world.bob, carol, dave):
        await join_group(fake, world.guild, world.owner, "Quiet Circle", person, "peer")
    await set_clock(fake, world.guild, world.alice, "America/Los_Angeles", "22:00-07:00")
    await set_clock(fake, world.guild, dave, "Asia/Tokyo")
    await pause(fake, world, "Quiet Circle", world.bob)  # paused before the group went quiet

    await timeline.to(SWEEP)  # the bot's hourly rescue sweep finds the group quiet
    assert len(misses_you(fake, carol)) == 1  # 10:00 on her clock
    assert misses_you(fake, world.alice) == []  # 02:00 in Los Angeles, in her quiet hours
    assert misses_you(fake, dave) == []  # 19:00 in Tokyo: evening
    await pause(fake, world, "Quiet Circle", dave)  # paused while his nudge waits for his morning

    await timeline.to(LOS_ANGELES_NINE - timedelta(minutes=1))
    assert misses_you(fake, world.alice) == []
    await timeline.to(LOS_ANGELES_NINE)
    assert len(misses_you(fake, world.alice)) == 1  # 09:00 on her clock, her quiet hours over
    assert timeline.now().astimezone(ZoneInfo("America/Los_Angeles")).hour == 9

    await timeline.to(TOKYO_NINE)  # the hourly sweep runs again: nobody is nudged twice
    assert misses_you(fake, dave) == []
    assert misses_you(fake, world.bob) == []
    assert len(misses_you(fake, carol)) == 1 and len(misses_you(fake, world.alice)) == 1


async def test_a_goal_nudge_waits_for_the_morning_and_is_dropped_if_the_goal_moved_meanwhile(
    fake, world, timeline
):
    carol = fake.add_user("carol")
    world.guild.add_member(carol)
    await fake.settle()
    await create_group(fake, world.guild, world.owner, "Writers", "peer")
    goals = {world.alice: "Draft the review", world.bob: "Finish the chapter", carol: "Submit the abstract"}
    for person, title in goals.items():
        await join_group(fake, world.guild, world.owner, "Writers", person, "peer")
        await set_clock(fake, world.guild, person, "America/Los_Angeles", "22:00-07:00")
        made = await fake.slash(person, world.guild, "goal set", title=title, group="Writers")
        assert "New goal" in text_of(await final(made))
    await pause(fake, world, "Writers", world.bob)

    def nudged(person) -> bool:
        return any(goals[person] in text_of(m) for m in fake.dm_messages(person))

    await timeline.to(SWEEP)  # three weeks untouched; 02:00 in Los Angeles: the bot's sweep plans nudges
    assert not any(nudged(person) for person in goals)

    await timeline.to(LOS_ANGELES_NINE - timedelta(hours=1))  # Alice moves her goal on at 08:00
    [choice] = await fake.autocomplete(world.alice, world.guild, "goal update", focused="goal", goal="review")
    updated = await fake.slash(world.alice, world.guild, "goal update", goal=choice["value"], progress=30)
    assert "30%" in text_of(await final(updated))

    await timeline.to(LOS_ANGELES_NINE)
    assert nudged(carol)
    assert not nudged(world.alice)  # she updated it meanwhile: no nag
    assert not nudged(world.bob)  # paused in the goal's group


async def test_a_round_nudge_waiting_for_the_morning_goes_to_nobody_who_spoke_or_was_paused_meanwhile(
    fake, world, timeline
):
    carol, dave = fake.add_user("carol"), fake.add_user("dave")
    for person in (carol, dave):
        world.guild.add_member(person)
    await fake.settle()
    await create_group(fake, world.guild, world.owner, "Circle", "facilitated_peer")
    await join_group(fake, world.guild, world.owner, "Circle", carol, "facilitator")
    for person in (world.alice, world.bob, dave):
        await join_group(fake, world.guild, world.owner, "Circle", person, "peer")
        await set_clock(fake, world.guild, person, "America/Los_Angeles", "22:00-07:00")
    await timeline.to(SWEEP - timedelta(hours=1))  # 01:00 in Los Angeles
    await final(await fake.slash(carol, world.guild, "discuss start", group="Circle", prompt="A setback?"))
    [thread] = world.guild.threads
    started = await fake.slash(carol, world.guild, "discuss round", channel=thread, nudge_after_hours=1)
    assert "Round started" in text_of(await final(started))

    await timeline.to(SWEEP)  # 02:00 in Los Angeles: the bot plans the nudges for their morning

    def nudged(person) -> bool:
        return any("hasn't heard from you" in text_of(m) for m in fake.dm_messages(person))

    assert not any(nudged(person) for person in (world.alice, world.bob, dave))
    fake.post_message(world.alice, thread, "Mine was a rejected paper.")  # Alice speaks at 02:00

    async def counted() -> bool:
        shown = await fake.slash(carol, world.guild, "discuss participation", options={"thread": thread})
        return f"<@{world.alice.id}>: 1 message" in text_of(await final(shown))

    await eventually(counted)
    await pause(fake, world, "Circle", dave)

    await timeline.to(LOS_ANGELES_NINE)
    assert nudged(world.bob)
    assert not nudged(world.alice) and not nudged(dave)
