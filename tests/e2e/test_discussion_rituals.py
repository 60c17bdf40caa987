"""Rounds with a spotlight and one nudge, scheduled discussions and reminders, the server's prompt library."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.discussions import library
from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text
from tests.support.people import moments


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
    circle,
    timeline,
):
    carol = circle.carol
    await final(await fake.slash(carol, world.guild, "discuss start", group="Circle", prompt="A setback?"))
    [thread] = world.guild.threads
    started = await fake.slash(
        carol, world.guild, "discuss round", channel=thread, turn_minutes=30, nudge_after_hours=24
    )
    assert "Round started" in embed_text(await final(started))
    await timeline.settle()
    [spotlight] = [m for m in fake.channel_messages(thread) if "Spotlight" in embed_text(m)]
    assert f"<@{world.alice.id}>" in spotlight["content"] and "Turn 1 of 2" in embed_text(spotlight)

    fake.post_message(world.alice, thread, "My grant was triaged; I resubmitted.")

    await fake.hub.wait_for(  # alice spoke, so the spotlight moves on before her turn is up
        lambda: any(f"<@{world.bob.id}>" in m["content"] for m in fake.channel_messages(thread)),
        15,
        "the spotlight on Bob",
    )
    await timeline.advance(minutes=31)
    assert any("Everyone has had the spotlight" in t for t in texts(fake, thread))
    assert dms(fake, world.bob, "hasn't heard from you") == []

    await timeline.advance(hours=24)
    await timeline.to(timeline.now().replace(hour=12))
    await timeline.advance(hours=1)  # later sweeps send nothing again
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
    circle,
    timeline,
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

    tuesday = min(moments(shown))  # the next discussion and reminder, as the schedule shows them

    def reminders_posted() -> int:
        home = texts(fake, circle.home.channel_id)
        return len([t for t in home if "stays in this group" in t and "Welcome" not in t])

    await timeline.to(tuesday - timedelta(minutes=5))
    assert world.guild.threads == [] and reminders_posted() == 0
    await timeline.to(tuesday)
    await timeline.advance(minutes=5)  # claimed: never twice
    [first] = world.guild.threads
    assert "first-year self" in embed_text(fake.channel_messages(first)[0])
    assert reminders_posted() == 1

    await timeline.to(tuesday + timedelta(weeks=1))
    assert len(world.guild.threads) == 1 and reminders_posted() == 2  # the weekly reminder only
    await timeline.to(tuesday + timedelta(weeks=2))
    assert len(world.guild.threads) == 2 and reminders_posted() == 3
    second = world.guild.threads[-1]
    assert library()[0].text in embed_text(fake.channel_messages(second)[0])  # the rotation's first


async def test_only_facilitators_schedule_and_a_stopped_schedule_stays_quiet(
    fake,
    world,
    circle,
    timeline,
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
    await timeline.advance(days=7)
    await timeline.advance(days=7)
    assert world.guild.threads == []


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
