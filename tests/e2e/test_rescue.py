"""A quiet pair is noticed: members nudged, then the facilitator told, then a rematch offered."""

from __future__ import annotations

import pytest

from bot.db.models import Group, MatchOptIn
from bot.services.actors import Actor
from tests.e2e.conftest import agree_all
from tests.e2e.test_foundation import embed_text
from tests.support.waiting import eventually


@pytest.fixture
async def pair(bot, world):
    admin = Actor(world.owner.id, is_admin=True)
    group = await bot.services.groups.create(world.guild.id, admin, name="Pair", kind="one_to_one")
    await bot.services.groups.add_member(world.guild.id, admin, group.id, world.alice.id, "mentor")
    await bot.services.groups.add_member(world.guild.id, admin, group.id, world.bob.id, "mentee")
    await agree_all(bot, world.guild.id, group.id, world.alice, world.bob)
    return group


async def sweep(bot) -> None:
    async with bot.services.db.transaction() as session:
        await bot.services.rescue.sweep(session, bot.services.clock.now())
    await bot.services.outbox.dispatch_due()


def dms_with(fake, user, text: str) -> list[dict]:
    return [m for m in fake.dm_messages(user) if text in embed_text(m)]


async def test_a_quiet_pair_is_helped_step_by_step(fake, world, bot, pair, clock):
    clock.advance(days=20, hours=4)  # noon on their clocks (UTC): the DMs go out in their daytime
    await sweep(bot)
    assert dms_with(fake, world.alice, "misses you") == []

    clock.advance(days=2)
    await sweep(bot)
    await sweep(bot)
    assert len(dms_with(fake, world.alice, "misses you")) == 1
    assert len(dms_with(fake, world.bob, "misses you")) == 1

    clock.advance(days=7)
    await sweep(bot)
    assert len(dms_with(fake, world.owner, "has gone quiet")) == 1  # no facilitator: the group's creator

    clock.advance(days=7)
    await sweep(bot)
    [offer] = dms_with(fake, world.bob, "new match")
    clicked = await fake.click(world.bob, offer, f"match:again:{world.guild.id}:mentee")
    assert "matching list as a **mentee**" in embed_text(clicked.message)
    async with bot.services.db.transaction() as session:
        assert (await session.get(MatchOptIn, (world.guild.id, world.bob.id))).wants == "mentee"


async def test_a_message_in_the_home_counts_as_life_and_resets_the_rescue(fake, world, bot, pair, clock):
    clock.advance(days=22)
    await sweep(bot)
    fake.post_message(world.alice, world.guild.get_channel(pair.home.channel_id), "Coffee next week?")

    async def counted() -> bool:
        async with bot.services.db.transaction() as session:
            group = await session.get(Group, pair.id)
            return group.rescue_stage == 0

    await eventually(counted)
    clock.advance(days=8)
    await sweep(bot)
    assert dms_with(fake, world.owner, "has gone quiet") == []


async def test_answering_a_check_in_counts_too(fake, world, bot, pair, clock):
    admin = Actor(world.owner.id, is_admin=True)
    schedule = await bot.services.checkins.create_schedule(
        world.guild.id, admin, pair.id, kind="daily", time="09:00"
    )
    await bot.services.checkins.send_now(world.guild.id, admin, schedule.id)
    await bot.services.outbox.dispatch_due()  # delivered now, before the clock moves on
    pending = await bot.services.checkin_answers.latest_open(world.guild.id, world.alice.id)
    clock.advance(days=1)
    await bot.services.checkin_answers.submit(world.alice.id, pending.delivery_id, ["4", "", "", ""])
    clock.advance(days=20)  # 21 days since the group began, but only 20 since the answer
    await sweep(bot)
    assert dms_with(fake, world.alice, "misses you") == []
