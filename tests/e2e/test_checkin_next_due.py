"""The planner's next due moment moves with every change that moves a member's check-in.

The planner leaves a schedule alone until its next due moment, worked out for the clocks its
members had. Each test changes something so that a check-in falls *before* that moment (a member
moves zone, a facilitator moves the time, a new member joins, the server's default zone moves)
and checks the check-in still arrives on time, not late or recorded as missed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.test_checkins import TOKYO_NINE, Circle, checkins_for
from tests.e2e.test_foundation import embed_text
from tests.support import program as support
from tests.support.people import Typed

AFTER_TOKYO = datetime(2026, 11, 24, 0, 10, tzinfo=UTC)  # Tuesday; Denver's 09:00 is next, at 16:00 UTC
LONDON_NINE = datetime(2026, 11, 24, 9, 0, 30, tzinfo=UTC)  # 09:00:30 Tuesday in London
DENVER_SEVEN = datetime(2026, 11, 24, 14, 0, 30, tzinfo=UTC)  # 07:00:30 Tuesday in Denver


@pytest.fixture
async def circle(bot, world, timeline):
    arranged = Circle(world, timeline)
    await arranged.arrange()
    await timeline.to(TOKYO_NINE)
    await timeline.to(AFTER_TOKYO)
    return arranged


async def test_a_member_who_moves_zone_gets_the_check_in_at_nine_in_the_new_zone(fake, world, circle):
    bob = world.person(world.bob)
    await support.set_timezone(bob, "London")  # 09:00 in London comes before 09:00 in Denver

    await circle.timeline.to(LONDON_NINE)
    [dm] = checkins_for(fake, world.bob)
    assert "Tuesday 24 November" in embed_text(dm)


async def test_a_check_in_moved_earlier_comes_at_the_new_time(fake, world, circle):
    olivia = world.person(world.owner)
    edited = await olivia.run("checkin edit", schedule=circle.schedule, time="07:00")
    assert "Schedule updated" in edited.text, edited.text

    await circle.timeline.to(DENVER_SEVEN)
    assert len(checkins_for(fake, world.bob)) == 1


async def test_a_new_member_gets_the_check_in_at_nine_where_they_live(fake, world, circle):
    olivia, carol = world.person(world.owner), newcomer(fake, world)
    await support.set_timezone(carol, "London")
    await support.add_member(olivia, "Writing Circle", carol, "peer")

    await circle.timeline.to(LONDON_NINE)
    assert len(checkins_for(fake, carol.user)) == 1


async def test_members_without_a_zone_move_with_the_servers_default(fake, world, circle):
    olivia, carol = world.person(world.owner), newcomer(fake, world)
    await support.add_member(olivia, "Writing Circle", carol, "peer")  # no zone of her own: 09:00 UTC
    moved = await olivia.run("setup default-timezone", zone=Typed("Moscow"))
    assert "Default time zone saved" in moved.text, moved.text

    await circle.timeline.to(datetime(2026, 11, 24, 6, 0, 30, tzinfo=UTC))  # 09:00:30 in Moscow
    [dm] = checkins_for(fake, carol.user)
    assert "Tuesday 24 November" in embed_text(dm)


def newcomer(fake, world):
    """Carol, a new member of the server."""
    carol = fake.add_user("carol", global_name="Carol")
    world.guild.add_member(carol)
    return world.person(carol)
