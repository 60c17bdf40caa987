import asyncio

import pytest

from bot.errors import Conflict, NotAllowed
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.groups import GroupService
from bot.services.matching import MatchingService
from bot.services.profiles import ProfileService
from bot.services.settings import SettingsService
from tests.support.homes import RecordingHomes

GUILD = 1
ADMIN = Actor(1, is_admin=True)
NAMES = {10: "Ana", 11: "Ben", 12: "Chen", 13: "Dee"}


@pytest.fixture
def services(db, clock):
    settings = SettingsService(db)
    groups = GroupService(db, clock, settings, SchedulingEngine(), RecordingHomes())
    return groups, MatchingService(db, clock, settings, groups), ProfileService(db, clock, settings)


async def test_opted_in_mentors_and_mentees_are_proposed_and_confirmed(services):
    _groups, matching, profiles = services
    await profiles.update(GUILD, 10, timezone="Asia/Tokyo", interests="grant writing, teaching")
    await profiles.update(GUILD, 11, timezone="America/Denver", interests="grant writing")
    await matching.opt_in(GUILD, 10, "mentor")
    await matching.opt_in(GUILD, 11, "mentee")
    await matching.opt_in(GUILD, 12, "peer")

    proposal = await matching.propose(GUILD, ADMIN, "one_to_one")

    [pair] = proposal.proposal.groups
    assert pair.members == (10, 11)
    assert any("grant writing" in reason for reason in pair.reasons)
    assert [u.user_id for u in proposal.proposal.unmatched] == [12]

    [created] = await matching.confirm(GUILD, ADMIN, proposal.id, NAMES)
    assert created.name == "Ana & Ben"
    assert (created.kind, created.role_of(10), created.role_of(11)) == ("one_to_one", "mentor", "mentee")
    with pytest.raises(Conflict, match="already confirmed"):
        await matching.confirm(GUILD, ADMIN, proposal.id, NAMES)

    again = await matching.propose(GUILD, ADMIN, "one_to_one")
    assert again.proposal.groups == ()  # the matched pair left the opt-in list


async def test_people_who_were_paired_before_are_not_paired_again(services):
    groups, matching, _ = services
    old = await groups.create(GUILD, ADMIN, name="Old pair", kind="one_to_one")
    await groups.add_member(GUILD, ADMIN, old.id, 10, "mentor")
    await groups.add_member(GUILD, ADMIN, old.id, 11, "mentee")
    await groups.archive(GUILD, ADMIN, old.id)
    await matching.opt_in(GUILD, 10, "mentor")
    await matching.opt_in(GUILD, 11, "mentee")

    proposal = await matching.propose(GUILD, ADMIN, "one_to_one")

    assert proposal.proposal.groups == ()
    assert {u.user_id for u in proposal.proposal.unmatched} == {10, 11}


async def test_only_coordinators_run_matching(services):
    _, matching, _ = services
    with pytest.raises(NotAllowed, match="run matching"):
        await matching.propose(GUILD, Actor(10), "peer")


async def test_duplicate_group_names_get_a_number(services):
    groups, matching, _ = services
    await groups.create(GUILD, ADMIN, name="Ana & Ben", kind="peer")
    await matching.opt_in(GUILD, 10, "peer")
    await matching.opt_in(GUILD, 11, "peer")
    proposal = await matching.propose(GUILD, ADMIN, "peer")
    [created] = await matching.confirm(GUILD, ADMIN, proposal.id, NAMES)
    assert created.name == "Ana & Ben (2)"


async def test_opt_out(services):
    _, matching, _ = services
    await matching.opt_in(GUILD, 10, "peer")
    assert await matching.opt_out(GUILD, 10) is True
    assert await matching.opt_out(GUILD, 10) is False


async def test_opting_in_twice_at_once_keeps_one_opt_in(services):
    _groups, matching, _profiles = services

    await asyncio.gather(matching.opt_in(GUILD, 10, "mentor"), matching.opt_in(GUILD, 10, "mentor"))

    assert await matching.opt_out(GUILD, 10) is True
    assert await matching.opt_out(GUILD, 10) is False
