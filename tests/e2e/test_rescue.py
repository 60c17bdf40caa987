"""A quiet pair is noticed: members nudged, then the facilitator told, then a rematch offered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Group, MatchOptIn
from tests.e2e.test_foundation import embed_text
from tests.support import program as support
from tests.support.waiting import eventually


@pytest.fixture
async def pair(bot, world):
    """Olivia pairs Alice (mentor) and Bob (mentee) through Discord; both agree."""
    olivia = world.person(world.owner)
    group = await support.create_group(olivia, "Pair", "one_to_one")
    await support.add_member(olivia, group, world.person(world.alice), "mentor")
    await support.add_member(olivia, group, world.person(world.bob), "mentee")
    return group


def dms_with(fake, user, text: str) -> list[dict]:
    return [m for m in fake.dm_messages(user) if text in embed_text(m)]


async def test_a_quiet_pair_is_helped_step_by_step(fake, world, bot, pair, timeline):
    await timeline.advance(days=20, hours=4)  # noon on their clocks (UTC): the DMs go out in their daytime
    assert dms_with(fake, world.alice, "misses you") == []

    await timeline.advance(days=2)
    await timeline.advance(hours=1)
    assert len(dms_with(fake, world.alice, "misses you")) == 1
    assert len(dms_with(fake, world.bob, "misses you")) == 1

    await timeline.advance(days=7)
    assert len(dms_with(fake, world.owner, "has gone quiet")) == 1  # no facilitator: the group's creator

    await timeline.advance(days=7)
    [offer] = dms_with(fake, world.bob, "new match")
    clicked = await fake.click(world.bob, offer, f"match:again:{world.guild.id}:mentee")
    assert "matching list as a **mentee**" in embed_text(clicked.message)
    async with bot.services.db.transaction() as session:
        assert (await session.get(MatchOptIn, (world.guild.id, world.bob.id))).wants == "mentee"


async def test_a_message_in_the_home_counts_as_life_and_resets_the_rescue(fake, world, bot, pair, timeline):
    await timeline.advance(days=22, hours=4)
    assert dms_with(fake, world.alice, "misses you")  # the rescue has begun
    fake.post_message(world.alice, world.guild.get_channel(pair.home), "Coffee next week?")

    async def counted() -> bool:
        async with bot.services.db.transaction() as session:
            group = await session.scalar(select(Group).where(Group.name == "Pair"))
            return group.rescue_stage == 0

    await eventually(counted)
    await timeline.advance(days=8)
    assert dms_with(fake, world.owner, "has gone quiet") == []


async def test_answering_a_check_in_counts_too(fake, world, pair, timeline):
    olivia, alice = world.person(world.owner), world.person(world.alice)
    await olivia.run("checkin schedule", group="Pair", cadence="weekly", weekdays="mon", time="09:00")
    sent = await olivia.run(
        "checkin now", schedule=await olivia.suggestion("checkin now", "schedule", "Pair")
    )
    assert "Sending to 2 members" in sent.text
    dm = await alice.dm("Check-in ·")
    await timeline.advance(days=1)
    form = await alice.press(dm, "Answer")
    await alice.fill(form, {"How are you doing? (1 low – 5 great)": ["4"]})
    await timeline.advance(days=20, hours=4)  # 21 days since the group began, only 20 since the answer
    await timeline.advance(hours=4)  # (noon and afternoon: DMs would go out in their daytime)
    assert dms_with(fake, world.alice, "misses you") == []
