import asyncio

import pytest

from bot.errors import Invalid
from bot.services.profiles import ProfileService, member_clocks
from bot.services.settings import SettingsService


async def test_profile_starts_empty_and_keeps_untouched_fields(db, clock):
    profiles = ProfileService(db, clock)
    assert (await profiles.get(1, 10)).timezone is None

    await profiles.update(1, 10, timezone="asia/tokyo", quiet_hours="22:00-07:00")
    updated = await profiles.update(1, 10, bio="  Surgeon, writing my first R01.  ")

    assert updated.timezone == "Asia/Tokyo"
    assert updated.quiet_hours == (22 * 60, 7 * 60)
    assert updated.bio == "Surgeon, writing my first R01."


async def test_profiles_are_separate_per_server(db, clock):
    profiles = ProfileService(db, clock)
    await profiles.update(1, 10, timezone="Europe/Paris")
    assert (await profiles.get(2, 10)).timezone is None


async def test_bad_input_changes_nothing(db, clock):
    profiles = ProfileService(db, clock)
    await profiles.update(1, 10, timezone="Europe/Paris", bio="hello")
    with pytest.raises(Invalid):
        await profiles.update(1, 10, timezone="Mars/Olympus", bio="changed")
    with pytest.raises(Invalid, match="at most 500"):
        await profiles.update(1, 10, bio="x" * 501)
    profile = await profiles.get(1, 10)
    assert (profile.timezone, profile.bio) == ("Europe/Paris", "hello")


async def test_quiet_hours_can_be_cleared(db, clock):
    profiles = ProfileService(db, clock)
    await profiles.update(1, 10, quiet_hours="22:00-07:00")
    assert (await profiles.update(1, 10, quiet_hours="")).quiet_hours is None


async def test_two_first_changes_at_once_both_land(db, clock):
    profiles = ProfileService(db, clock)

    await asyncio.gather(
        profiles.update(1, 10, timezone="Europe/Paris"), profiles.update(1, 10, bio="Pathologist")
    )

    profile = await profiles.get(1, 10)
    assert (profile.timezone, profile.bio) == ("Europe/Paris", "Pathologist")


async def test_clocks_of_more_members_than_one_query_may_name_are_read(db, clock):
    await ProfileService(db, clock).update(1, 39_999, timezone="Asia/Tokyo")
    members = list(range(40_000))  # asyncpg refuses a query with more than 32,767 parameters

    async with db.transaction() as session:
        clocks = await member_clocks(session, SettingsService(db), 1, members)

    assert len(clocks) == 40_000
    assert (clocks[0].zone, clocks[39_999].zone) == ("UTC", "Asia/Tokyo")
