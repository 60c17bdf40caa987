"""A channel the bot can no longer post in: recorded, told to the coordinators once, the rest goes on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import DeliveryProblem, GroupMember, OutboxMessage
from bot.messaging import OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import P
from tests.fake_discord.models import overwrite
from tests.support.waiting import eventually


async def use_log_channel(fake, world: World):
    channel = world.guild.add_text_channel("coordinators")
    reply = await fake.slash(world.owner, world.guild, "setup modlog-channel", options={"channel": channel})
    assert "Moderation log saved" in embed_text(await final(reply))
    return channel


async def post_in(bot, guild_id: int, channel_id: int, key: str) -> None:
    """Something the bot posts in a group's home on its own (a reminder, a prompt, a welcome)."""
    async with bot.services.db.transaction() as session:
        await enqueue(
            session,
            key=key,
            target=Target("channel", channel_id),
            message=OutgoingMessage(content=f"post {key}"),
            now=bot.clock.now(),
            guild_id=guild_id,
        )


async def settle(bot) -> list[OutboxMessage]:
    await bot.services.outbox.dispatch_due()
    async with bot.services.db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def notices(fake, channel) -> list[dict]:
    return [m for m in fake.channel_messages(channel) if "can't post in a channel" in embed_text(m)]


async def test_a_deleted_home_is_told_to_coordinators_once_and_the_round_goes_on(fake, world, bot, circle):
    log_channel = await use_log_channel(fake, world)
    home = world.guild.get_channel(circle.home.channel_id)
    fake.delete_channel(home)

    for n in range(3):
        await post_in(bot, world.guild.id, home.id, f"confidential:{n}")
    await post_in(bot, world.guild.id, world.general.id, "convo:elsewhere")
    await settle(bot)

    async def told() -> bool:
        await settle(bot)
        return len(notices(fake, log_channel)) == 1

    await eventually(told)
    [notice] = notices(fake, log_channel)
    assert f"<#{home.id}>" in embed_text(notice) and "channel is gone" in embed_text(notice)
    assert "confidentiality reminder" in embed_text(notice)
    assert any(m.get("content") == "post convo:elsewhere" for m in fake.channel_messages(world.general))
    # Each refused post was tried once (no retries toward Discord's invalid-request limit).
    refused = [
        r
        for r in fake.requests_to("POST", "/channels/{channel_id}/messages")
        if str(home.id) in r.path and r.status == 404
    ]
    assert len(refused) == 3

    await post_in(bot, world.guild.id, home.id, "confidential:later")
    await settle(bot)
    assert len(notices(fake, log_channel)) == 1  # told once
    async with bot.services.db.transaction() as session:
        [problem] = await session.scalars(select(DeliveryProblem))
    assert (problem.channel_id, problem.reason, problem.failures) == (home.id, "channel_missing", 4)

    shown = await fake.slash(world.owner, world.guild, "setup show")
    assert f"<#{home.id}>" in embed_text(await final(shown))


async def test_a_revoked_permission_is_told_once_and_cleared_when_posts_work_again(fake, world, bot, circle):
    log_channel = await use_log_channel(fake, world)
    home = world.guild.get_channel(circle.home.channel_id)
    revoked = overwrite(fake.bot_user, deny=P.SEND_MESSAGES)
    home.permission_overwrites.append(revoked)
    fake.world.emit_channel_update(home)

    await post_in(bot, world.guild.id, home.id, "goal-wins:1")
    await post_in(bot, world.guild.id, home.id, "goal-wins:2")

    async def told() -> bool:
        await settle(bot)
        return len(notices(fake, log_channel)) == 1

    await eventually(told)
    assert "missing a permission" in embed_text(notices(fake, log_channel)[0])

    home.permission_overwrites.remove(revoked)
    fake.world.emit_channel_update(home)
    await post_in(bot, world.guild.id, home.id, "goal-wins:3")
    rows = await settle(bot)
    assert rows[-1].status == "sent"
    assert await bot.services.delivery_problems.open_problems(world.guild.id) == []


async def test_without_a_log_channel_the_problem_waits_in_setup_show(fake, world, bot, circle):
    home = world.guild.get_channel(circle.home.channel_id)
    fake.delete_channel(home)
    await post_in(bot, world.guild.id, home.id, "round-done:1")
    await settle(bot)
    [problem] = await bot.services.delivery_problems.open_problems(world.guild.id)
    assert problem.what == "discussion round summary"
    shown = embed_text(await final(await fake.slash(world.alice, world.guild, "setup show")))
    assert "can't post in" in shown and f"<#{home.id}>" in shown


async def test_a_kicked_bot_drops_what_was_waiting_for_that_server(fake, world, bot, circle):
    async with bot.services.db.transaction() as session:
        await enqueue(
            session,
            key="confidential:after-kick",
            target=Target("channel", circle.home.channel_id),
            message=OutgoingMessage(content="later"),
            now=bot.clock.now(),
            not_before=bot.clock.now() + timedelta(hours=1),
            guild_id=world.guild.id,
        )
    fake.remove_guild(world.guild)

    async def cancelled() -> bool:
        async with bot.services.db.transaction() as session:
            row = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == "confidential:after-kick")
            )
            return row.status == "cancelled"

    await eventually(cancelled)
    bot.clock.advance(hours=2)
    posts_before = len(fake.requests_to("POST", "/channels/{channel_id}/messages"))
    await settle(bot)
    assert len(fake.requests_to("POST", "/channels/{channel_id}/messages")) == posts_before


async def dm(bot, guild_id: int, user_id: int, key: str) -> None:
    async with bot.services.db.transaction() as session:
        await enqueue(
            session,
            key=key,
            target=Target("dm", user_id),
            message=OutgoingMessage(content=key),
            now=bot.clock.now(),
            guild_id=guild_id,
        )


async def test_a_member_who_left_is_taken_out_of_their_groups_and_told_once(fake, world, bot, circle):
    log_channel = await use_log_channel(fake, world)
    world.guild.remove_member(world.alice)  # no event reaches the bot: it has no members intent
    for user in (world.alice, world.bob):
        await dm(bot, world.guild.id, user.id, f"nudge:{user.name}")
    await dm(bot, world.guild.id, world.alice.id, "later:alice")
    async with bot.services.db.transaction() as session:
        later = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "later:alice"))
        later.not_before = bot.clock.now() + timedelta(hours=1)

    def departures() -> list[dict]:
        return [m for m in fake.channel_messages(log_channel) if "left the server" in embed_text(m)]

    async def told() -> bool:
        await settle(bot)
        return len(departures()) == 1

    await eventually(told)
    assert f"<@{world.alice.id}>" in embed_text(departures()[0]) and "“Circle”" in embed_text(departures()[0])
    assert any(m.get("content") == "nudge:bob" for m in fake.dm_messages(world.bob))
    async with bot.services.db.transaction() as session:
        memberships = {m.user_id: m.left_at for m in await session.scalars(select(GroupMember))}
        later = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "later:alice"))
    assert memberships[world.alice.id] is not None and memberships[world.bob.id] is None
    assert later.status == "cancelled"

    await dm(bot, world.guild.id, world.alice.id, "again:alice")
    await settle(bot)
    assert len(departures()) == 1  # told once


async def test_closed_dms_of_someone_still_here_change_no_membership(fake, world, bot, circle):
    fake.close_dms(world.alice)
    await dm(bot, world.guild.id, world.alice.id, "nudge:alice")
    await settle(bot)
    async with bot.services.db.transaction() as session:
        left = [m for m in await session.scalars(select(GroupMember)) if m.left_at is not None]
    assert left == []


async def test_only_coordinators_choose_the_log_channel(fake, world, bot):
    channel = world.guild.add_text_channel("coordinators")
    refused = await fake.slash(world.alice, world.guild, "setup modlog-channel", options={"channel": channel})
    assert refused.ephemeral and "Only coordinators" in embed_text(refused.message)
    assert (await bot.services.program.get(world.guild.id)).modlog_channel_id is None

    await use_log_channel(fake, world)
    cleared = await fake.slash(world.owner, world.guild, "setup modlog-channel")  # no channel: none
    assert cleared.ephemeral and "Moderation log" in embed_text(cleared.message)
    assert (await bot.services.program.get(world.guild.id)).modlog_channel_id is None
