"""Light prompts at the group's best moment, skipped when the place is lively; call suggestions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.models import Group
from bot.domain.conversation import light_library
from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text
from tests.support.waiting import eventually


def prompts_in(fake, channel_id: int) -> list[str]:
    return [embed_text(m) for m in fake.channel_messages(channel_id) if "💬" in embed_text(m)]


async def test_prompts_come_at_the_best_moment_rotate_and_skip_a_lively_day(
    fake, world: World, bot, clock, timeline, circle
):
    reply = await fake.slash(
        circle.carol, world.guild, "prompts schedule", group="Circle", every_days=1, window="10:00-16:00"
    )
    assert "every day, at the best moment of 10:00–16:00 (UTC)" in embed_text(await final(reply))
    home = circle.home.channel_id

    await timeline.to(datetime(2026, 11, 23, 9, 55, tzinfo=UTC))
    assert prompts_in(fake, home) == []
    await timeline.to(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # everyone is on UTC: the window opens
    assert len(prompts_in(fake, home)) == 1
    await timeline.advance(hours=3)
    assert len(prompts_in(fake, home)) == 1  # once a day
    await timeline.to(datetime(2026, 11, 24, 10, 5, tzinfo=UTC))
    first, second = prompts_in(fake, home)
    assert light_library()[0].text in first and light_library()[1].text in second

    await timeline.to(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    fake.post_message(world.alice, world.guild.get_channel(home), "Morning all, big news on my grant!")

    async def lively() -> bool:
        async with bot.services.db.transaction() as session:
            last = await session.scalar(select(Group.last_activity_at).where(Group.name == "Circle"))
        return last is not None and last >= clock.now()

    await eventually(lively)
    await timeline.to(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    await timeline.advance(hours=3)
    assert len(prompts_in(fake, home)) == 2  # the place was active this morning: no prompt talks over it


async def test_a_lounge_is_for_coordinators_to_schedule(fake, world, timeline):
    lounge = world.guild.add_text_channel("lounge")
    await fake.settle()
    refused = await fake.slash(world.alice, world.guild, "prompts schedule", options={"channel": lounge})
    assert "coordinator" in embed_text(await final(refused)).lower()
    done = await fake.slash(
        world.owner, world.guild, "prompts schedule", options={"channel": lounge}, every_days=2
    )
    assert "every 2 days" in embed_text(await final(done))
    await timeline.to(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert len(prompts_in(fake, lounge.id)) == 1
    listed = embed_text(await final(await fake.slash(world.owner, world.guild, "prompts list")))
    assert f"<#{lounge.id}>" in listed
    neither = await fake.slash(world.owner, world.guild, "prompts schedule")
    assert "either a group or a lounge channel" in embed_text(await final(neither))


async def test_two_members_around_at_once_get_one_call_suggestion(fake, world, timeline, circle):
    home = world.guild.get_channel(circle.home.channel_id)
    await timeline.to(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    fake.post_message(world.alice, home, "Anyone around?")
    fake.post_message(world.bob, home, "Me!")

    async def both_around() -> bool:
        await timeline.settle()
        return any("Both here at the same time" in embed_text(m) for m in fake.channel_messages(home))

    await eventually(both_around)
    [suggestion] = [m for m in fake.channel_messages(home) if "Both here at the same time" in embed_text(m)]
    assert {str(world.alice.id), str(world.bob.id)} <= {u["id"] for u in suggestion["mentions"]} or (
        f"<@{world.alice.id}>" in suggestion["content"] and f"<@{world.bob.id}>" in suggestion["content"]
    )
    await timeline.advance(minutes=20)
    fake.post_message(world.alice, home, "Still here")
    fake.post_message(world.bob, home, "Me too")
    await fake.settle()
    await timeline.advance(minutes=5)
    assert len([m for m in fake.channel_messages(home) if "Both here" in embed_text(m)]) == 1  # once a week

    refused = await fake.slash(world.alice, world.guild, "prompts live-calls", group="Circle", on=False)
    assert "Only coordinators and the facilitators" in embed_text(await final(refused))
    off = await fake.slash(circle.carol, world.guild, "prompts live-calls", group="Circle", on=False)
    assert "No more call suggestions" in embed_text(await final(off))
