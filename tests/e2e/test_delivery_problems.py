"""A channel the bot can no longer post in: recorded, told to the coordinators once, the rest goes on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db.models import DeliveryProblem, OutboxMessage
from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import P
from tests.fake_discord.models import overwrite
from tests.support.people import moments
from tests.support.waiting import eventually


async def use_log_channel(fake, world: World):
    channel = world.guild.add_text_channel("coordinators")
    reply = await fake.slash(world.owner, world.guild, "setup modlog-channel", options={"channel": channel})
    assert "Moderation log saved" in embed_text(await final(reply))
    return channel


async def weekly_reminders(world: World) -> datetime:
    """Olivia has the group's confidentiality reminder posted weekly; return its first time, as shown."""
    olivia = world.person(world.owner)
    scheduled = await olivia.run("discuss schedule reminders", group="Circle", weekday=2)
    assert "Every Wednesday" in scheduled.text
    return min(moments((await olivia.run("discuss schedule show", group="Circle")).text))


async def daily_check_ins(world: World, **options) -> None:
    """Olivia schedules the group's check-ins every day at 09:00 (everyone's zone is UTC)."""
    answer = await world.person(world.owner).run(
        "checkin schedule", group="Circle", cadence="daily", time="09:00", **options
    )
    assert "Check-ins scheduled" in answer.text


async def problem_rows(bot) -> list[DeliveryProblem]:
    async with bot.services.db.transaction() as session:
        return list(await session.scalars(select(DeliveryProblem)))


def notices(fake, channel) -> list[dict]:
    return [m for m in fake.channel_messages(channel) if "can't post in a channel" in embed_text(m)]


async def test_a_deleted_home_is_told_to_coordinators_once_and_the_rest_goes_on(
    fake, world, bot, circle, timeline
):
    log_channel = await use_log_channel(fake, world)
    first = await weekly_reminders(world)
    lounge = await world.person(world.owner).run("prompts schedule", channel=world.general, every_days=1)
    assert "every day" in lounge.text
    home = world.guild.get_channel(circle.home.channel_id)
    fake.delete_channel(home)

    await timeline.to(first)
    [notice] = notices(fake, log_channel)
    assert f"<#{home.id}>" in embed_text(notice) and "channel is gone" in embed_text(notice)
    assert "confidentiality reminder" in embed_text(notice)
    for hour in range(first.hour + 1, 16):  # the lounge's prompt comes at its moment of the day
        await timeline.to(first.replace(hour=hour))
    assert any("💬" in embed_text(m) for m in fake.channel_messages(world.general))  # the rest goes on

    await timeline.to(first + timedelta(weeks=1))
    assert len(notices(fake, log_channel)) == 1  # told once
    # Each refused post was tried once (no retries toward Discord's invalid-request limit).
    refused = [
        r
        for r in fake.requests_to("POST", "/channels/{channel_id}/messages")
        if str(home.id) in r.path and r.status == 404
    ]
    assert len(refused) == 2
    [problem] = await problem_rows(bot)
    assert (problem.channel_id, problem.reason, problem.failures) == (home.id, "channel_missing", 2)

    shown = await fake.slash(world.owner, world.guild, "setup show")
    assert f"<#{home.id}>" in embed_text(await final(shown))


async def test_a_revoked_permission_is_told_once_and_cleared_when_posts_work_again(
    fake, world, circle, timeline
):
    log_channel = await use_log_channel(fake, world)
    first = await weekly_reminders(world)
    home = world.guild.get_channel(circle.home.channel_id)
    revoked = overwrite(fake.bot_user, deny=P.SEND_MESSAGES)
    home.permission_overwrites.append(revoked)
    fake.world.emit_channel_update(home)

    await timeline.to(first)
    [notice] = notices(fake, log_channel)
    assert "missing a permission" in embed_text(notice)
    shown = embed_text(await final(await fake.slash(world.owner, world.guild, "setup show")))
    assert f"<#{home.id}>" in shown

    home.permission_overwrites.remove(revoked)
    fake.world.emit_channel_update(home)
    await timeline.to(first + timedelta(weeks=1))
    assert "stays in this group" in embed_text(fake.channel_messages(home)[-1])  # posted again
    shown = embed_text(await final(await fake.slash(world.owner, world.guild, "setup show")))
    assert "can't post in" not in shown and f"<#{home.id}>" not in shown


async def test_without_a_log_channel_the_problem_waits_in_setup_show(fake, world, circle, timeline):
    first = await weekly_reminders(world)
    home = world.guild.get_channel(circle.home.channel_id)
    fake.delete_channel(home)
    await timeline.to(first)
    shown = embed_text(await final(await fake.slash(world.alice, world.guild, "setup show")))
    assert "can't post in" in shown and f"<#{home.id}>" in shown
    assert "first a confidentiality reminder" in shown


async def test_a_kicked_bot_drops_what_was_waiting_for_that_server(fake, world, bot, circle, timeline):
    await daily_check_ins(world)
    await timeline.to(timeline.now().replace(hour=8, minute=50))  # nine o'clock's check-ins are planned
    fake.remove_guild(world.guild)

    async def cancelled() -> bool:
        async with bot.services.db.transaction() as session:
            rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")))
        return rows == []

    await eventually(cancelled)
    posts_before = len(fake.requests_to("POST", "/channels/{channel_id}/messages"))
    await timeline.advance(hours=2)
    assert len(fake.requests_to("POST", "/channels/{channel_id}/messages")) == posts_before


async def test_a_member_who_left_is_taken_out_of_their_groups_and_told_once(
    fake, world, bot, circle, timeline
):
    log_channel = await use_log_channel(fake, world)
    await daily_check_ins(world, reminder_hours=2)
    world.guild.remove_member(world.alice)  # no event reaches the bot: it has no members intent

    def departures() -> list[dict]:
        return [m for m in fake.channel_messages(log_channel) if "left the server" in embed_text(m)]

    await timeline.to(timeline.now().replace(hour=9, minute=0, second=30))
    [departure] = departures()
    assert f"<@{world.alice.id}>" in embed_text(departure) and "“Circle”" in embed_text(departure)
    assert any("Check-in ·" in embed_text(m) for m in fake.dm_messages(world.bob))
    info = embed_text(await final(await fake.slash(world.owner, world.guild, "group info", group="Circle")))
    assert f"<@{world.alice.id}>" not in info and f"<@{world.bob.id}>" in info
    async with bot.services.db.transaction() as session:
        waiting = list(
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.target_id == world.alice.id, OutboxMessage.status == "pending"
                )
            )
        )
    assert waiting == []  # her reminder will not be tried

    await timeline.advance(days=1)
    assert len(departures()) == 1  # told once


async def test_closed_dms_of_someone_still_here_change_no_membership(fake, world, circle, timeline):
    fake.close_dms(world.alice)
    await daily_check_ins(world)
    await timeline.to(timeline.now().replace(hour=9, minute=0, second=30))
    home = fake.channel_messages(circle.home.channel_id)
    assert any(
        f"<@{world.alice.id}>" in (m["content"] or "") and "DMs are closed" in m["content"] for m in home
    )
    info = embed_text(await final(await fake.slash(world.owner, world.guild, "group info", group="Circle")))
    assert f"<@{world.alice.id}>" in info  # still in her group


async def test_only_coordinators_choose_the_log_channel(fake, world, bot):
    async def log_shown() -> str:
        shown = embed_text(await final(await fake.slash(world.owner, world.guild, "setup show")))
        return next(line for line in shown.splitlines() if line.startswith("Moderation log"))

    channel = world.guild.add_text_channel("coordinators")
    refused = await fake.slash(world.alice, world.guild, "setup modlog-channel", options={"channel": channel})
    assert refused.ephemeral and "Only coordinators" in embed_text(refused.message)
    assert await log_shown() == "Moderation log none"

    chosen = await use_log_channel(fake, world)
    assert await log_shown() == f"Moderation log <#{chosen.id}>"
    cleared = await fake.slash(world.owner, world.guild, "setup modlog-channel")  # no channel: none
    assert cleared.ephemeral and "Moderation log" in embed_text(cleared.message)
    assert await log_shown() == "Moderation log none"
