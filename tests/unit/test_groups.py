import asyncio

import pytest
from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.errors import Conflict, Invalid, NotAllowed, NotFound
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.groups import GroupService
from bot.services.groups.homes import BotLacksPermission
from bot.services.profiles import ProfileService
from bot.services.settings import SettingsService
from tests.support.homes import RecordingHomes

GUILD = 1
ADMIN = Actor(1, is_admin=True)
FACILITATOR = Actor(2)
ALICE, BOB, CAROL, DAN = Actor(10), Actor(11), Actor(12), Actor(13)


@pytest.fixture
def homes():
    return RecordingHomes()


@pytest.fixture
def groups(db, clock, homes):
    return GroupService(db, clock, SettingsService(db), SchedulingEngine(db, clock), homes)


async def make(groups, name="Writing Circle", kind="facilitated_peer", **kwargs):
    return await groups.create(GUILD, ADMIN, name=name, kind=kind, **kwargs)


async def test_a_coordinator_creates_a_group_with_a_private_home(groups, homes):
    group = await make(groups, description="Grant writing, every three weeks", meeting_every_weeks=3)
    assert group.home.kind == "channel"
    assert homes.access[group.home.channel_id] == set()
    assert (group.kind, group.meeting_every_weeks) == ("facilitated_peer", 3)


async def test_members_cannot_create_groups(groups):
    with pytest.raises(NotAllowed, match="Only coordinators can create groups"):
        await groups.create(GUILD, ALICE, name="Mine", kind="peer")


async def test_the_coordinator_role_grants_coordinator_rights(db, groups):
    await SettingsService(db).set_coordinator_role(GUILD, ADMIN, 555)
    group = await groups.create(GUILD, Actor(20, role_ids=frozenset({555})), name="Pairs", kind="peer")
    assert group.name == "Pairs"


async def test_names_are_unique_per_server_ignoring_case(groups):
    await make(groups)
    with pytest.raises(Conflict, match="already exists"):
        await make(groups, name="writing  circle")
    other_server = await groups.create(2, ADMIN, name="Writing Circle", kind="peer")
    assert other_server.guild_id == 2


async def test_overlong_names_are_refused_before_anything_is_created(groups, homes):
    with pytest.raises(Invalid, match="at most 60"):
        await make(groups, name="x" * 61)
    assert homes.access == {}


async def test_a_name_too_long_once_spelled_out_is_refused_before_anything_is_created(groups, homes):
    with pytest.raises(Invalid, match="spelled out"):
        await make(groups, name="ß" * 60)  # 60 characters, 120 case-folded ("ss" each)
    assert homes.access == {}


async def outbox_keys(db) -> list[str]:
    async with db.transaction() as session:
        return [row.dedupe_key for row in await session.scalars(select(OutboxMessage))]


async def test_access_comes_only_after_agreeing_to_the_ground_rules(db, groups, homes):
    group = await make(groups)
    await groups.add_member(GUILD, ADMIN, group.id, FACILITATOR.user_id, "facilitator")
    view = await groups.add_member(GUILD, FACILITATOR, group.id, ALICE.user_id, "peer")

    assert view.role_of(ALICE.user_id) == "peer"
    assert homes.access[group.home.channel_id] == set()  # the consent gate
    keys = await outbox_keys(db)
    assert f"consent:{group.id}:{ALICE.user_id}:0" in keys
    assert f"tz-prompt:{GUILD}:{ALICE.user_id}" in keys

    await groups.agree(GUILD, ALICE.user_id, group.id)
    assert homes.access[group.home.channel_id] == {ALICE.user_id}
    assert sum(k.startswith(f"welcome:{group.id}:{ALICE.user_id}:") for k in await outbox_keys(db)) == 1
    with pytest.raises(Conflict, match="already agreed"):
        await groups.agree(GUILD, ALICE.user_id, group.id)


async def test_new_ground_rules_ask_everyone_again(db, clock, groups):
    from bot.services.discussions import DiscussionService

    group = await make(groups)
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")
    await groups.agree(GUILD, ALICE.user_id, group.id)
    await DiscussionService(db, clock, groups).set_rules(
        GUILD, ADMIN, group.id, "Cameras on\nNo advice unless asked"
    )

    assert f"consent:{group.id}:{ALICE.user_id}:1" in await outbox_keys(db)
    await groups.agree(GUILD, ALICE.user_id, group.id)  # agreeing to version 1 is new


async def test_the_time_zone_prompt_is_sent_once_and_not_to_those_who_set_one(db, clock, groups):
    await ProfileService(db, clock).update(GUILD, BOB.user_id, timezone="Asia/Tokyo")
    first, second = await make(groups, name="A", kind="peer"), await make(groups, name="B", kind="peer")
    for group in (first, second):
        await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")
        await groups.add_member(GUILD, ADMIN, group.id, BOB.user_id, "peer")
    async with db.transaction() as session:
        keys = [row.dedupe_key for row in await session.scalars(select(OutboxMessage))]
    assert [k for k in keys if k.startswith("tz-prompt")] == [f"tz-prompt:{GUILD}:{ALICE.user_id}"]


async def test_members_cannot_manage_a_group_they_do_not_facilitate(groups):
    group = await make(groups)
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")
    with pytest.raises(NotAllowed, match="facilitators of “Writing Circle”"):
        await groups.add_member(GUILD, ALICE, group.id, BOB.user_id, "peer")
    with pytest.raises(NotAllowed):
        await groups.remove_member(GUILD, ALICE, group.id, ALICE.user_id)


async def test_one_to_one_takes_exactly_one_mentor_and_one_mentee(groups):
    pair = await make(groups, name="Pair", kind="one_to_one")
    await groups.add_member(GUILD, ADMIN, pair.id, ALICE.user_id, "mentor")
    with pytest.raises(Invalid, match="at most 1 mentor"):
        await groups.add_member(GUILD, ADMIN, pair.id, BOB.user_id, "mentor")
    with pytest.raises(Invalid, match="no peers"):
        await groups.add_member(GUILD, ADMIN, pair.id, BOB.user_id, "peer")
    await groups.add_member(GUILD, ADMIN, pair.id, BOB.user_id, "mentee")
    with pytest.raises(Invalid, match="at most 1 mentee"):
        await groups.add_member(GUILD, ADMIN, pair.id, CAROL.user_id, "mentee")


async def test_group_mentoring_allows_two_mentors(groups):
    group = await make(groups, name="Cohort", kind="group")
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "mentor")
    await groups.add_member(GUILD, ADMIN, group.id, BOB.user_id, "mentor")
    with pytest.raises(Invalid, match="at most 2 mentors"):
        await groups.add_member(GUILD, ADMIN, group.id, CAROL.user_id, "mentor")


async def test_peer_groups_have_only_peers(groups):
    group = await make(groups, name="Peers", kind="peer")
    with pytest.raises(Invalid, match="no facilitators"):
        await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "facilitator")


async def test_near_peer_mentors_are_one_stage_ahead(db, clock, groups):
    profiles = ProfileService(db, clock)
    await profiles.update(GUILD, ALICE.user_id, career_stage="trainee")
    await profiles.update(GUILD, BOB.user_id, career_stage="student")
    await profiles.update(GUILD, CAROL.user_id, career_stage="professor")
    group = await make(groups, name="Near", kind="near_peer")
    await groups.add_member(GUILD, ADMIN, group.id, BOB.user_id, "mentee")
    with pytest.raises(Invalid, match="stage “trainee”"):
        await groups.add_member(GUILD, ADMIN, group.id, CAROL.user_id, "mentor")
    with pytest.raises(Invalid, match="/profile stage"):
        await groups.add_member(GUILD, ADMIN, group.id, DAN.user_id, "mentee")
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "mentor")


async def test_bots_and_duplicates_are_refused(groups):
    group = await make(groups)
    with pytest.raises(Invalid, match="Bots"):
        await groups.add_member(GUILD, ADMIN, group.id, 999, "peer", is_bot=True)
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")
    with pytest.raises(Conflict, match="already in"):
        await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")


async def test_a_permission_problem_on_discord_records_no_agreement(groups, homes):
    group = await make(groups)
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")
    homes.missing_permission = "Manage Roles"
    with pytest.raises(BotLacksPermission, match="Manage Roles"):
        await groups.agree(GUILD, ALICE.user_id, group.id)
    homes.missing_permission = None
    [member] = (await groups.get(GUILD, ADMIN, group.id)).members
    assert not member.agreed
    await groups.agree(GUILD, ALICE.user_id, group.id)  # and it can be tried again


async def test_removing_a_member_takes_access_away(groups, homes):
    group = await make(groups)
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")
    view = await groups.remove_member(GUILD, ADMIN, group.id, ALICE.user_id)
    assert view.members == ()
    assert homes.access[group.home.channel_id] == set()
    with pytest.raises(NotFound, match="not a member"):
        await groups.remove_member(GUILD, ADMIN, group.id, ALICE.user_id)


async def test_open_groups_can_be_joined_and_left(groups, homes):
    group = await make(groups, kind="peer", is_open=True)
    closed = await make(groups, name="Closed", kind="peer")
    joined = await groups.join(GUILD, ALICE, group.id)
    assert joined.role_of(ALICE.user_id) == "peer"
    with pytest.raises(NotFound):  # a private group is not revealed to outsiders
        await groups.join(GUILD, ALICE, closed.id)
    with pytest.raises(NotAllowed, match="not open"):
        await groups.join(GUILD, ADMIN, closed.id)
    await groups.leave(GUILD, ALICE, group.id)
    assert homes.access[group.home.channel_id] == set()


async def test_visibility_private_groups_hidden_from_non_members(groups):
    private = await make(groups, name="Private")
    await make(groups, name="Open", kind="peer", is_open=True)
    await groups.add_member(GUILD, ADMIN, private.id, ALICE.user_id, "peer")

    assert [g.name for g in await groups.list_visible(GUILD, ALICE)] == ["Open", "Private"]
    assert [g.name for g in await groups.list_visible(GUILD, BOB)] == ["Open"]
    with pytest.raises(NotFound):
        await groups.get(GUILD, BOB, private.id)
    assert [g.name for g in await groups.list_visible(GUILD, ADMIN, "priv")] == ["Private"]


async def test_the_list_counts_current_members_of_each_group(groups):
    busy = await make(groups, name="Busy")
    await make(groups, name="Empty", kind="peer")
    for user in (ALICE, BOB, CAROL):
        await groups.add_member(GUILD, ADMIN, busy.id, user.user_id, "peer")
    await groups.remove_member(GUILD, ADMIN, busy.id, CAROL.user_id)

    listed = {g.name: g.member_count for g in await groups.list_visible(GUILD, ADMIN)}
    assert listed == {"Busy": 2, "Empty": 0}


async def test_groups_of_another_server_are_invisible(groups):
    elsewhere = await groups.create(2, ADMIN, name="Elsewhere", kind="peer", is_open=True)
    assert await groups.list_visible(GUILD, ADMIN) == []
    with pytest.raises(NotFound):
        await groups.get(GUILD, ADMIN, elsewhere.id)
    with pytest.raises(NotFound):
        await groups.add_member(GUILD, ADMIN, elsewhere.id, ALICE.user_id, "peer")


async def test_groups_are_found_by_name_too(groups):
    group = await make(groups)
    assert (await groups.get(GUILD, ADMIN, "writing circle")).id == group.id


async def test_rename_describe_and_reopen(groups):
    group = await make(groups)
    await make(groups, name="Taken")
    with pytest.raises(Conflict):
        await groups.update(GUILD, ADMIN, group.id, name="taken")
    with pytest.raises(Invalid, match="at most 1000"):
        await groups.update(GUILD, ADMIN, group.id, description="x" * 1001)
    view = await groups.update(GUILD, ADMIN, group.id, name="Grant Writers", description="R01s", is_open=True)
    assert (view.name, view.description, view.is_open) == ("Grant Writers", "R01s", True)


async def test_archive_keeps_history_and_removes_access(groups, homes):
    group = await make(groups)
    await groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer")
    with pytest.raises(NotAllowed):
        await groups.archive(GUILD, FACILITATOR, group.id)
    archived = await groups.archive(GUILD, ADMIN, group.id)
    assert archived.archived and archived.members  # history kept
    assert homes.access[group.home.channel_id] == set()
    with pytest.raises(Invalid, match="archived"):
        await groups.add_member(GUILD, ADMIN, group.id, BOB.user_id, "peer")
    assert await groups.list_visible(GUILD, ADMIN) == []
    with pytest.raises(Conflict):
        await groups.archive(GUILD, ADMIN, group.id)


async def test_two_mentors_joining_an_open_pair_at_once_cannot_both_get_in(groups):
    pair = await make(groups, name="Open pair", kind="one_to_one", is_open=True)

    results = await asyncio.gather(
        groups.join(GUILD, ALICE, pair.id, "mentor"),
        groups.join(GUILD, BOB, pair.id, "mentor"),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["GroupView", "Invalid"]
    view = await groups.view_of(GUILD, pair.id)
    assert [m.role for m in view.members] == ["mentor"]


async def test_someone_added_twice_at_once_is_in_the_group_once(groups):
    group = await make(groups)

    results = await asyncio.gather(
        groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer"),
        groups.add_member(GUILD, ADMIN, group.id, ALICE.user_id, "peer"),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "GroupView"]
    view = await groups.view_of(GUILD, group.id)
    assert [m.user_id for m in view.members] == [ALICE.user_id]
