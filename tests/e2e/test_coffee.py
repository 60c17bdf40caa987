"""Coffee pairings end to end: opt in, a round of private threads, "did you meet?", reasons, failures."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import World, button_id, final
from tests.e2e.people import moments_in, set_clock, text_of
from tests.e2e.test_foundation import embed_text
from tests.support.program import set_timezone


@pytest.fixture
async def coffee(fake, bot, world: World):
    """Coffee set up in #coffee, drawn on Mondays every two weeks; carol, dave and erin join the server."""
    channel = world.guild.add_text_channel("coffee")
    people = [world.alice, world.bob]
    for name in ("carol", "dave", "erin"):
        user = fake.add_user(name)
        world.guild.add_member(user)
        people.append(user)
    await fake.settle()
    reply = await fake.slash(
        world.owner, world.guild, "coffee setup", options={"channel": channel}, weekday=0, every_weeks=2
    )
    assert "Coffee pairings are on" in embed_text(await final(reply))
    return channel, people


async def draw(fake, world, timeline, channel) -> list:
    """The next round's moment, as `/coffee status` shows it, comes; return the round's threads."""
    status = text_of(await final(await fake.slash(world.owner, world.guild, "coffee status")))
    await timeline.to(moments_in(status)[0])
    return [t for t in world.guild.threads if t.parent_id == channel.id]


async def test_a_round_pairs_everyone_in_private_threads_and_asks_whether_they_met(
    fake, world, timeline, coffee
):
    channel, people = coffee
    await set_timezone(world.person(world.alice), "Tokyo")
    for person in people:
        joined = await fake.slash(person, world.guild, "coffee join")
        assert "You're in" in embed_text(await final(joined))

    threads = await draw(fake, world, timeline, coffee[0])
    await timeline.advance(minutes=5)
    assert [t for t in world.guild.threads if t.parent_id == channel.id] == threads  # drawn once
    assert sorted(len(t.thread_members) - 1 for t in threads) == [
        2,
        3,
    ]  # a pair and a trio; the bot is in both
    assert all(t.type == 12 for t in threads)  # private
    everyone = [user_id for t in threads for user_id in t.thread_members if user_id != fake.bot_user.id]
    assert sorted(everyone) == sorted(p.id for p in people)  # nobody left out, nobody twice
    alices = next(t for t in threads if world.alice.id in t.thread_members)
    [intro] = fake.channel_messages(alices)
    assert "Coffee time" in embed_text(intro) and "Asia/Tokyo" in embed_text(intro)
    assert "To start" in embed_text(intro)

    await timeline.advance(days=12)
    question = fake.channel_messages(alices)[-1]
    assert "Did you meet?" in embed_text(question)
    stranger = next(p for p in people if p.id not in alices.thread_members)
    with pytest.raises(AssertionError, match="cannot see"):  # a private thread: others can't even see it
        await fake.click(stranger, question, button_id(question, "We met"))
    answered = await fake.click(world.alice, question, button_id(question, "We met"))
    assert answered.ephemeral and "Wonderful" in embed_text(answered.message)

    stats = embed_text(await final(await fake.slash(world.owner, world.guild, "coffee stats")))
    assert "Pairs made 2" in stats and "Rounds 1" in stats and "Opted in 5 (0 paused)" in stats
    assert "1 of 1 who answered" in stats
    history = embed_text(await final(await fake.slash(world.alice, world.guild, "coffee history")))
    assert "✅ met" in history


async def test_coffee_set_up_on_its_own_weekday_starts_next_week_not_with_the_first_to_join(
    fake, world, timeline, coffee
):
    """Set up on a Monday for Mondays: the first round waits a week, so a Tokyo member who joins
    while Monday's best moment has passed is not drawn alone into a round of one."""
    channel, _people = coffee
    await set_timezone(world.person(world.alice), "Tokyo")
    assert "You're in" in embed_text(await final(await fake.slash(world.alice, world.guild, "coffee join")))
    await timeline.advance(hours=2)
    status = text_of(await final(await fake.slash(world.owner, world.guild, "coffee status")))
    assert (moments_in(status)[0] - timeline.now()).days >= 5  # next week's Monday
    stats = embed_text(await final(await fake.slash(world.owner, world.guild, "coffee stats")))
    assert "Rounds 0" in stats and not [t for t in world.guild.threads if t.parent_id == channel.id]


async def test_members_who_cannot_be_paired_are_told_why_without_revealing_who_avoids_them(
    fake, world, timeline, coffee
):
    for person in (world.alice, world.bob):
        await final(await fake.slash(person, world.guild, "coffee join"))
    avoided = await fake.slash(world.alice, world.guild, "coffee avoid", member=world.bob)
    assert "Nobody else can see this list" in embed_text(await final(avoided))

    assert await draw(fake, world, timeline, coffee[0]) == []
    [alice_told] = [
        embed_text(m) for m in fake.dm_messages(world.alice) if "Sitting this one out" in embed_text(m)
    ]
    [bob_told] = [
        embed_text(m) for m in fake.dm_messages(world.bob) if "Sitting this one out" in embed_text(m)
    ]
    assert "do-not-pair list" in alice_told
    assert "do-not-pair" not in bob_told and "alice" not in bob_told.lower()
    assert [t for t in world.guild.threads if t.parent_id == coffee[0].id] == []


async def test_paused_and_skipping_members_sit_the_round_out(fake, world, timeline, coffee):
    _, people = coffee
    for person in people[:4]:
        await final(await fake.slash(person, world.guild, "coffee join"))
    paused = await fake.slash(people[0], world.guild, "coffee pause", weeks=4)
    assert "Paused" in embed_text(await final(paused))
    await final(await fake.slash(people[1], world.guild, "coffee skip"))
    status = embed_text(await final(await fake.slash(people[1], world.guild, "coffee status")))
    assert "sitting out the next round" in status

    [pair] = await draw(fake, world, timeline, coffee[0])
    assert set(pair.thread_members) - {fake.bot_user.id} == {people[2].id, people[3].id}
    status = embed_text(await final(await fake.slash(people[1], world.guild, "coffee status")))
    assert "In." in status  # skipping lasts one round


async def test_a_deleted_coffee_channel_tells_the_pairs_by_dm_and_the_coordinator_once(
    fake, world, timeline, coffee
):
    channel, people = coffee
    for person in people[:4]:
        await final(await fake.slash(person, world.guild, "coffee join"))
    fake.delete_channel(channel)
    await fake.settle()

    await draw(fake, world, timeline, channel)
    await timeline.advance(hours=1)
    for person in people[:4]:
        assert len([m for m in fake.dm_messages(person) if "Your coffee pairing" in embed_text(m)]) == 1
    assert len([m for m in fake.dm_messages(world.owner) if "could not be opened" in embed_text(m)]) == 1


async def test_only_coordinators_set_up_coffee_and_members_need_it_set_up(fake, world, bot):
    early = await fake.slash(world.alice, world.guild, "coffee join")
    assert "aren't set up" in embed_text(await final(early))
    refused = await fake.slash(world.alice, world.guild, "coffee setup", options={"channel": world.general})
    assert "coordinator" in embed_text(await final(refused)).lower()


async def test_an_intro_proposes_moments_inside_both_members_waking_hours(
    fake, world, timeline, clock, coffee
):
    channel, _ = coffee
    await set_clock(fake, world.guild, world.alice, "Europe/Berlin", "22:00-07:00")
    await set_clock(fake, world.guild, world.bob, "America/Los_Angeles", "21:00-09:00")
    for person in (world.alice, world.bob):
        await final(await fake.slash(person, world.guild, "coffee join"))

    [thread] = await draw(fake, world, timeline, channel)
    [intro] = fake.channel_messages(thread)
    shown = text_of(intro)
    assert "Times that suit you both" in shown
    proposed = moments_in(shown.split("Times that suit you both", 1)[1].split("To start", 1)[0])
    assert 2 <= len(proposed) <= 3
    assert len({m.date() for m in proposed}) == len(proposed)  # on different days
    for moment in proposed:
        berlin = moment.astimezone(ZoneInfo("Europe/Berlin"))
        los_angeles = moment.astimezone(ZoneInfo("America/Los_Angeles"))
        assert 8 <= berlin.hour < 21 and 9 <= los_angeles.hour < 21, (berlin, los_angeles)
        assert moment > clock.now()


async def test_an_intro_says_plainly_when_no_moment_suits_both_and_offers_the_least_awkward(
    fake, world, timeline, coffee
):
    channel, _ = coffee
    await set_clock(fake, world.guild, world.alice, "Pacific/Auckland", "19:00-09:00")
    await set_clock(fake, world.guild, world.bob, "Europe/Berlin", "18:00-09:00")
    for person in (world.alice, world.bob):
        await final(await fake.slash(person, world.guild, "coffee join"))

    [thread] = await draw(fake, world, timeline, channel)
    [intro] = fake.channel_messages(thread)
    shown = text_of(intro)
    assert "Times that suit" not in shown
    assert "No time suits everyone" in shown and "there is no moment inside everyone's waking hours" in shown
    _, least_awkward = moments_in(shown.split("No time suits everyone", 1)[1])
    auckland = least_awkward.astimezone(ZoneInfo("Pacific/Auckland"))
    berlin = least_awkward.astimezone(ZoneInfo("Europe/Berlin"))
    awake = [9 <= auckland.hour < 19, 9 <= berlin.hour < 18]
    assert awake.count(True) == 1  # awkward for one of them, not both
    awkward_one, awkward_local = (world.bob, berlin) if awake[0] else (world.alice, auckland)
    assert f"{awkward_local:%H:%M} for <@{awkward_one.id}>" in shown
