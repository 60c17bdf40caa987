"""Goals end to end: set, milestones, partners who cheer, and visibility everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.domain.goals import Clock, best_weekly_moment
from tests.e2e.conftest import World, button_id, final
from tests.e2e.people import create_group, join_group
from tests.e2e.test_foundation import embed_text
from tests.support import program as support


@pytest.fixture
async def circle(bot, world: World):
    """Olivia's peer group "Writing Circle" with Alice and Bob, who agreed to its ground rules."""
    olivia = world.person(world.owner)
    group = await support.create_group(olivia, "Writing Circle", "peer")
    for user in (world.alice, world.bob):
        await support.add_member(olivia, group, world.person(user), "peer")
    return SimpleNamespace(home=SimpleNamespace(channel_id=group.home))


async def set_goal(fake, world, **options) -> dict:
    reply = await fake.slash(world.alice, world.guild, "goal set", **options)
    return await final(reply)


async def my_goal_id(fake, world, user, query: str) -> str:
    choices = await fake.autocomplete(user, world.guild, "goal update", focused="goal", goal=query)
    assert choices, f"no goal matching {query!r} for {user.name}"
    return choices[0]["value"]


def dms_with(fake, user, text: str) -> list[dict]:
    return [m for m in fake.dm_messages(user) if text in embed_text(m)]


async def test_the_life_of_a_goal_with_milestones_and_a_partner(fake, world, circle):
    created = await set_goal(
        fake,
        world,
        title="Submit the R01",
        why="Independence as a researcher",
        visibility="group",
        group="Writing Circle",
    )
    assert created["flags"] & 64 and "New goal: Submit the R01" in embed_text(created)
    goal = await my_goal_id(fake, world, world.alice, "r01")

    for milestone in ("Specific aims", "Research strategy"):
        await fake.slash(world.alice, world.guild, "goal milestone-add", goal=goal, title=milestone)
    partnered = await fake.slash(
        world.alice, world.guild, "goal partner", goal=goal, options={"user": world.bob}
    )
    assert f"<@{world.bob.id}>" in embed_text(partnered.message)

    milestones = await fake.autocomplete(
        world.alice, world.guild, "goal milestone-done", focused="milestone", goal=goal, milestone="aims"
    )
    ticked = await fake.slash(
        world.alice, world.guild, "goal milestone-done", goal=goal, milestone=milestones[0]["value"]
    )
    assert "▰▰▰▰▰▱▱▱▱▱ 50%" in embed_text(ticked.message)

    await world.person(world.bob).dm("reached a milestone")
    [news] = dms_with(fake, world.bob, "reached a milestone")
    cheered = await fake.click(world.bob, news, f"goal:cheer:{goal}")
    assert cheered.ephemeral and "Cheer sent" in embed_text(cheered.message)

    await world.person(world.alice).dm("cheered you on")
    noted = await fake.slash(
        world.bob, world.guild, "goal cheer", goal=goal, note="The aims page reads well!"
    )
    assert "Cheer sent" in embed_text(noted.message)

    await world.person(world.alice).dm("The aims page reads well!")
    stranger = await fake.slash(world.owner, world.guild, "goal cheer", goal=goal)
    assert "isn't one you're a partner on" in embed_text(stranger.message)

    done = await fake.slash(
        world.alice, world.guild, "goal done", goal=goal, reflection="Aims first, always."
    )
    assert "🎉 Done: Submit the R01" in embed_text(done.message) and "100%" in embed_text(done.message)


async def test_private_goals_are_invisible_to_everyone_else(fake, world, circle):
    await set_goal(fake, world, title="Ask for a raise")
    goal = await my_goal_id(fake, world, world.alice, "raise")

    assert await fake.autocomplete(world.bob, world.guild, "goal show", focused="goal", goal="") == []
    shown = await fake.slash(world.bob, world.guild, "goal show", goal=goal)
    assert "No goal" in embed_text(shown.message)
    listed = await fake.slash(world.owner, world.guild, "goal list", options={"member": world.alice})
    assert "raise" not in embed_text(listed.message)  # coordinators get no exception


async def test_shared_goals_show_in_the_groups_list(fake, world, circle):
    await set_goal(fake, world, title="Write daily", visibility="group", group="Writing Circle")
    await set_goal(fake, world, title="Secret plan")
    listed = await fake.slash(world.bob, world.guild, "goal list", group="Writing Circle")
    body = embed_text(listed.message)
    assert "Write daily" in body and "Secret plan" not in body


async def test_my_goal_list_shows_my_goals_and_then_my_streak(fake, world, circle):
    await set_goal(fake, world, title="Write daily")
    before = embed_text((await fake.slash(world.alice, world.guild, "goal list")).message)
    assert "Write daily" in before and "streak" not in before

    goal = await my_goal_id(fake, world, world.alice, "write")
    await fake.slash(world.alice, world.guild, "goal update", goal=goal, progress=20)
    after = embed_text((await fake.slash(world.alice, world.guild, "goal list")).message)
    assert "Write daily" in after and "1-day streak" in after


async def test_someone_elses_goal_cannot_be_changed(fake, world, circle):
    await set_goal(fake, world, title="Write daily", visibility="group", group="Writing Circle")
    goal = await my_goal_id(fake, world, world.alice, "write")
    reply = await fake.slash(world.bob, world.guild, "goal update", goal=goal, progress=90)
    assert "Only the goal's owner can change it" in embed_text(reply.message)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"progress": 101}, "percentage from 0 to 100"),
        ({"progress": -1}, "percentage from 0 to 100"),
    ],
)
async def test_bad_progress_is_refused(fake, world, circle, options, message):
    await set_goal(fake, world, title="Write daily")
    goal = await my_goal_id(fake, world, world.alice, "write")
    reply = await fake.slash(world.alice, world.guild, "goal update", goal=goal, **options)
    assert reply.ephemeral and message in embed_text(reply.message)


async def test_a_due_date_in_the_past_is_refused(fake, world, circle):
    answer = await set_goal(fake, world, title="Late", due="2020-01-01")
    assert "in the past" in embed_text(answer)


async def test_a_partner_must_be_in_the_goals_group(fake, world, circle):
    await set_goal(fake, world, title="Write daily", visibility="partners", group="Writing Circle")
    goal = await my_goal_id(fake, world, world.alice, "write")
    outsider = fake.add_user("carol")
    world.guild.add_member(outsider)
    reply = await fake.slash(world.alice, world.guild, "goal partner", goal=goal, options={"user": outsider})
    assert "not in this goal's group" in embed_text(reply.message)


async def test_stale_goals_get_one_nudge_in_each_members_daytime(fake, world, circle, timeline):
    await support.set_timezone(world.person(world.alice), "Tokyo")
    await support.set_timezone(world.person(world.bob), "Denver")
    await set_goal(fake, world, title="Write daily")
    await final(await fake.slash(world.bob, world.guild, "goal set", title="Run a marathon"))

    await timeline.to(datetime(2026, 12, 4, 8, 0, tzinfo=UTC))  # 17:00 in Tokyo, 01:00 in Denver
    assert len(dms_with(fake, world.alice, "How's your goal going?")) == 1
    assert dms_with(fake, world.bob, "How's your goal going?") == []

    await timeline.to(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))  # 09:00 in Denver
    [nudge] = dms_with(fake, world.bob, "How's your goal going?")
    assert len(dms_with(fake, world.alice, "How's your goal going?")) == 1  # once per stretch of silence

    still = await fake.click(world.bob, nudge, button_id(nudge, "Still on it"))
    assert "Good to hear" in embed_text(still.message)


async def test_weekly_wins_celebrate_shared_goals_and_never_show_private_ones(
    fake, world, circle, clock, timeline
):
    await set_goal(fake, world, title="Submit the R01", visibility="group", group="Writing Circle")
    goal = await my_goal_id(fake, world, world.alice, "r01")
    await fake.slash(world.alice, world.guild, "goal milestone-add", goal=goal, title="Specific aims")
    milestones = await fake.autocomplete(
        world.alice, world.guild, "goal milestone-done", focused="milestone", goal=goal, milestone=""
    )
    await fake.slash(
        world.alice, world.guild, "goal milestone-done", goal=goal, milestone=milestones[0]["value"]
    )
    await final(await fake.slash(world.bob, world.guild, "goal set", title="Secret side project"))
    bob_goal = (await fake.autocomplete(world.bob, world.guild, "goal done", focused="goal", goal="secret"))[
        0
    ]
    await fake.slash(world.bob, world.guild, "goal done", goal=bob_goal["value"])

    friday = best_weekly_moment([Clock("UTC"), Clock("UTC")], 4, clock.now().date())
    await timeline.to(friday)
    await timeline.advance(hours=1)

    wins = [m for m in fake.channel_messages(circle.home.channel_id) if "Weekly wins" in embed_text(m)]
    assert len(wins) == 1
    body = embed_text(wins[0])
    assert "Specific aims" in body and "Submit the R01" in body
    assert "Secret side project" not in body


async def test_a_goal_seen_by_only_its_owner_gets_no_partner_until_she_shows_it_to_partners(
    fake, world, timeline
):
    await create_group(fake, world.guild, world.owner, "Pair", "peer")
    for person in (world.alice, world.bob):
        await join_group(fake, world.guild, world.owner, "Pair", person, "peer")
    await set_goal(fake, world, title="Leave my *toxic* lab", group="Pair")  # only you, by default
    goal = await my_goal_id(fake, world, world.alice, "lab")

    asked = await fake.slash(world.alice, world.guild, "goal partner", goal=goal, options={"user": world.bob})
    refused = await final(asked)
    assert asked.ephemeral
    said = embed_text(refused)
    assert "seen by only you" in said.lower() and "haven't told" in said
    await timeline.settle()
    assert not any("lab" in embed_text(m) for m in fake.dm_messages(world.bob))  # not a word to Bob
    shown = await final(await fake.slash(world.alice, world.guild, "goal show", goal=goal))
    assert "Seen by only you" in embed_text(shown) and f"<@{world.bob.id}>" not in embed_text(shown)
    listed = await fake.slash(world.bob, world.guild, "goal list", options={"member": world.alice})
    assert "lab" not in embed_text(await final(listed))

    chose = await fake.click(world.alice, refused, button_id(refused, "Show it to my partners and add them"))
    chosen = embed_text(await final(chose))
    assert "Seen by you and your partners" in chosen and f"<@{world.bob.id}>" in chosen

    await world.person(world.bob).dm("accountability partner")
