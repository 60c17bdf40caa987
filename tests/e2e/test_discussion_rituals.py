"""Rounds with a spotlight and one nudge, scheduled discussions and reminders, the server's prompt library."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.discussions import library
from bot.domain.goals import Clock, best_weekly_moment
from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text
from tests.support.waiting import eventually


def texts(fake, channel) -> list[str]:
    return [embed_text(m) for m in fake.channel_messages(channel)]


def dms(fake, user, needle: str) -> list[str]:
    return [embed_text(m) for m in fake.dm_messages(user) if needle in embed_text(m)]


async def test_new_members_are_greeted_with_the_confidentiality_reminder(fake, world, circle):
    welcomes = [t for t in texts(fake, circle.home.channel_id) if "Welcome" in t]
    assert welcomes and all("stays in this group" in t for t in welcomes)


async def test_a_round_passes_the_spotlight_nudges_the_quiet_once_and_tells_the_facilitator_counts_only(
    fake,
    world: World,
    bot,
    circle,
    clock,
):
    carol = circle.carol
    await final(await fake.slash(carol, world.guild, "discuss start", group="Circle", prompt="A setback?"))
    [thread] = world.guild.threads
    started = await fake.slash(
        carol, world.guild, "discuss round", channel=thread, turn_minutes=30, nudge_after_hours=24
    )
    assert "Round started" in embed_text(await final(started))
    await bot.services.outbox.dispatch_due()
    [spotlight] = [m for m in fake.channel_messages(thread) if "Spotlight" in embed_text(m)]
    assert f"<@{world.alice.id}>" in spotlight["content"] and "Turn 1 of 2" in embed_text(spotlight)

    fake.post_message(world.alice, thread, "My grant was triaged; I resubmitted.")

    async def bobs_turn() -> bool:
        await bot.services.discussion_rounds.advance()
        await bot.services.outbox.dispatch_due()
        return any(f"<@{world.bob.id}>" in m["content"] for m in fake.channel_messages(thread))

    await eventually(bobs_turn)  # alice spoke, so the spotlight moved on before her turn was up
    clock.advance(minutes=31)
    await bot.services.discussion_rounds.advance()
    await bot.services.outbox.dispatch_due()
    assert any("Everyone has had the spotlight" in t for t in texts(fake, thread))
    assert dms(fake, world.bob, "hasn't heard from you") == []

    clock.advance(hours=24)
    clock.set(clock.now().replace(hour=12))
    for _ in range(2):  # a second sweep sends nothing again
        await bot.services.discussion_rounds.advance()
        await bot.services.outbox.dispatch_due()
    assert len(dms(fake, world.bob, "hasn't heard from you")) == 1
    assert dms(fake, world.alice, "hasn't heard from you") == []
    [summary] = dms(fake, carol, "Round participation")
    assert f"<@{world.alice.id}>: 1 message" in summary and f"<@{world.bob.id}>: 0 messages" in summary
    assert "triaged" not in summary


async def test_rounds_are_for_facilitators_and_open_discussions(fake, world, bot, circle):
    await final(
        await fake.slash(circle.carol, world.guild, "discuss start", group="Circle", prompt="Anything?")
    )
    [thread] = world.guild.threads
    refused = await fake.slash(world.alice, world.guild, "discuss round", channel=thread)
    assert "Only coordinators and the facilitators" in embed_text(await final(refused))
    await final(await fake.slash(circle.carol, world.guild, "discuss close", channel=thread))
    closed = await fake.slash(circle.carol, world.guild, "discuss round", channel=thread)
    assert "closed" in embed_text(await final(closed))


async def test_scheduled_discussions_take_the_queue_then_the_rotation_at_the_groups_best_hour(
    fake,
    world,
    bot,
    circle,
    clock,
):
    carol = circle.carol
    queued = await fake.slash(
        carol,
        world.guild,
        "discuss queue add",
        group="Circle",
        prompt="What would you tell your first-year self?",
    )
    assert "number 1" in embed_text(await final(queued))
    scheduled = await fake.slash(
        carol, world.guild, "discuss schedule discussions", group="Circle", weekday=1, every_weeks=2, hours=48
    )
    assert "Every 2 weeks on Tuesday" in embed_text(await final(scheduled))
    reminders = await fake.slash(carol, world.guild, "discuss schedule reminders", group="Circle", weekday=1)
    assert "Every Tuesday" in embed_text(await final(reminders))
    shown = embed_text(
        await final(await fake.slash(carol, world.guild, "discuss schedule show", group="Circle"))
    )
    assert "first-year self" in shown and "Confidentiality reminders" in shown

    tuesday = best_weekly_moment([Clock("UTC")] * 3, 1, clock.now().date())
    clock.set(tuesday - timedelta(minutes=5))
    assert await bot.services.discussion_schedules.run_due() == 0
    clock.set(tuesday)
    assert await bot.services.discussion_schedules.run_due() == 2
    assert await bot.services.discussion_schedules.run_due() == 0  # claimed: never twice
    await bot.services.outbox.dispatch_due()
    [first] = world.guild.threads
    assert "first-year self" in embed_text(fake.channel_messages(first)[0])
    home = texts(fake, circle.home.channel_id)
    reminders_posted = [t for t in home if "stays in this group" in t and "Welcome" not in t]
    assert len(reminders_posted) == 1

    clock.set(tuesday + timedelta(weeks=1))
    assert await bot.services.discussion_schedules.run_due() == 1  # the weekly reminder only
    clock.set(tuesday + timedelta(weeks=2))
    assert await bot.services.discussion_schedules.run_due() == 2
    second = world.guild.threads[-1]
    assert library()[0].text in embed_text(fake.channel_messages(second)[0])  # the rotation's first


async def test_only_facilitators_schedule_and_a_stopped_schedule_stays_quiet(
    fake,
    world,
    bot,
    circle,
    clock,
):
    refused = await fake.slash(
        world.alice, world.guild, "discuss schedule discussions", group="Circle", weekday=0
    )
    assert "Only coordinators and the facilitators" in embed_text(await final(refused))
    await final(
        await fake.slash(circle.carol, world.guild, "discuss schedule discussions", group="Circle", weekday=0)
    )
    stopped = await fake.slash(
        circle.carol, world.guild, "discuss schedule stop", group="Circle", what="discussion"
    )
    assert "No more scheduled discussions" in embed_text(await final(stopped))
    clock.set(best_weekly_moment([Clock("UTC")] * 3, 0, clock.now().date() + timedelta(days=7)))
    assert await bot.services.discussion_schedules.run_due() == 0


async def test_coordinators_add_edit_and_retire_prompts_of_their_server(fake, world, bot, circle):
    refused = await fake.slash(world.alice, world.guild, "discuss prompts add")
    assert "coordinator" in embed_text(await final(refused)).lower()

    form = await fake.slash(world.owner, world.guild, "discuss prompts add")
    added = await fake.submit_modal(
        world.owner, form, {"Topic": "Mentoring up", "Prompt": "How do you manage up with your chair?"}
    )
    assert "Prompt added" in embed_text(added.message)
    [choice] = await fake.autocomplete(
        world.owner, world.guild, "discuss start", focused="prompt", group="Circle", prompt="manage up"
    )
    assert choice["name"].startswith("mentoring up ·")

    builtin = library()[0]
    form = await fake.slash(world.owner, world.guild, "discuss prompts edit", prompt=builtin.key)
    await fake.submit_modal(world.owner, form, {"Prompt": "Which principle steered your week?"})
    reworded = await fake.autocomplete(
        world.owner, world.guild, "discuss start", focused="prompt", group="Circle", prompt="principle"
    )
    assert [c["value"] for c in reworded] == [builtin.key]

    await final(await fake.slash(world.owner, world.guild, "discuss prompts retire", prompt=choice["value"]))
    gone = await fake.autocomplete(
        world.owner, world.guild, "discuss start", focused="prompt", group="Circle", prompt="manage up"
    )
    assert gone == []
    listed = embed_text(
        await final(await fake.slash(world.alice, world.guild, "discuss prompts list", search="principle"))
    )
    assert "Which principle steered your week?" in listed and "manage up" not in listed
