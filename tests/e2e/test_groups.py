"""Groups, settings and matching seen from Discord: people acting through the real client."""

from __future__ import annotations

from tests.e2e.conftest import World, agree_all, button_id, final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import DEFAULT_BOT, FakeDiscord, P
from tests.support.program import mentioned_channel


def can_see(world: World, user, channel_id: int) -> bool:
    channel = world.guild.get_channel(channel_id)
    return bool(world.guild.permissions_for(user, channel) & P.VIEW_CHANNEL)


async def create(fake: FakeDiscord, world: World, name="Writing Circle", kind="facilitated_peer", **options):
    reply = await fake.slash(world.owner, world.guild, "group create", name=name, kind=kind, **options)
    return await reply.wait_followup()


async def home_of(bot, world: World, name: str) -> int:
    """Return the group's home as `/group info` shows it to Olivia."""
    return mentioned_channel(await world.person(world.owner).run("group info", group=name))


async def test_a_coordinator_creates_a_group_with_a_private_home(fake, world, bot):
    answer = await create(fake, world, description="Grant writing", meets_every_weeks=3)

    assert answer["flags"] & 64
    assert "Created “Writing Circle”" in embed_text(answer)
    home = await home_of(bot, world, "Writing Circle")
    channel = world.guild.get_channel(home)
    assert channel.name == "writing-circle"
    assert not can_see(world, world.alice, home)


async def test_a_new_member_agrees_to_the_ground_rules_then_gets_access_and_a_welcome(fake, world, bot):
    await create(fake, world)
    home = await home_of(bot, world, "Writing Circle")

    reply = await fake.slash(
        world.owner,
        world.guild,
        "group add",
        group="Writing Circle",
        role="peer",
        options={"user": world.alice},
    )

    assert "agree to the ground rules" in embed_text(await reply.wait_followup())
    assert not can_see(world, world.alice, home)  # the consent gate

    def rules_dm() -> list[dict]:
        return [m for m in fake.dm_messages(world.alice) if "Ground rules" in embed_text(m)]

    await fake.hub.wait_for(
        lambda: (
            len(rules_dm()) == 1
            and any("/profile timezone" in embed_text(m) for m in fake.dm_messages(world.alice))
        ),
        15,
        "the ground rules and the time-zone prompt",
    )
    [rules] = rules_dm()
    assert "What is said here stays here." in embed_text(rules)
    agreed = await fake.click(world.alice, rules, button_id(rules, "I agree"))
    assert "Welcome to Writing Circle" in embed_text(await final(agreed))
    assert can_see(world, world.alice, home)
    assert not can_see(world, world.bob, home)

    await fake.hub.wait_for(
        lambda: any("Welcome" in (m.get("content") or "") for m in fake.channel_messages(home)),
        15,
        "Alice's welcome in the home",
    )


async def test_closed_dms_can_agree_in_the_server_and_new_rules_ask_again(fake, world, bot):
    await create(fake, world)
    home = await home_of(bot, world, "Writing Circle")
    fake.close_dms(world.bob)
    await final(
        await fake.slash(
            world.owner,
            world.guild,
            "group add",
            group="Writing Circle",
            role="peer",
            options={"user": world.bob},
        )
    )
    shown = await fake.slash(world.bob, world.guild, "group agree", group="Writing Circle")
    assert shown.ephemeral and "Share the air" in embed_text(shown.message)
    agreed = await fake.click(world.bob, shown.message, button_id(shown.message, "I agree"))
    assert "Welcome to Writing Circle" in embed_text(await final(agreed))
    assert can_see(world, world.bob, home)

    form = await fake.slash(world.owner, world.guild, "discuss rules-edit", group="Writing Circle")
    await fake.submit_modal(world.owner, form, {"One rule per line": "Cameras optional"})
    again = await fake.slash(world.bob, world.guild, "group agree", group="Writing Circle")
    assert "Cameras optional" in embed_text(again.message)


async def test_removing_a_member_takes_away_their_access(fake, world, bot):
    await create(fake, world)
    home = await home_of(bot, world, "Writing Circle")
    await final(
        await fake.slash(
            world.owner,
            world.guild,
            "group add",
            group="Writing Circle",
            role="peer",
            options={"user": world.alice},
        )
    )

    reply = await fake.slash(
        world.owner, world.guild, "group remove", group="Writing Circle", options={"user": world.alice}
    )

    assert "no longer in **Writing Circle**" in embed_text(await reply.wait_followup())
    assert not can_see(world, world.alice, home)


async def test_members_cannot_create_or_manage_groups(fake, world, bot):
    reply = await fake.slash(world.alice, world.guild, "group create", name="Mine", kind="peer")
    answer = await reply.wait_followup()
    assert answer["flags"] & 64
    assert "Only coordinators can create groups" in embed_text(answer)

    await create(fake, world)
    outsider = await fake.slash(
        world.alice,
        world.guild,
        "group add",
        group="Writing Circle",
        role="peer",
        options={"user": world.bob},
    )
    assert "No group “Writing Circle”" in embed_text(await outsider.wait_followup())  # private: not revealed

    await final(
        await fake.slash(
            world.owner,
            world.guild,
            "group add",
            group="Writing Circle",
            role="peer",
            options={"user": world.alice},
        )
    )
    member = await fake.slash(
        world.alice,
        world.guild,
        "group add",
        group="Writing Circle",
        role="peer",
        options={"user": world.bob},
    )
    assert "Only coordinators and the facilitators" in embed_text(await member.wait_followup())


async def test_a_facilitator_manages_their_own_group(fake, world, bot):
    await create(fake, world)
    await final(
        await fake.slash(
            world.owner,
            world.guild,
            "group add",
            group="Writing Circle",
            role="facilitator",
            options={"user": world.alice},
        )
    )
    reply = await fake.slash(
        world.alice,
        world.guild,
        "group add",
        group="Writing Circle",
        role="peer",
        options={"user": world.bob},
    )
    assert "joined" in embed_text(await reply.wait_followup())


async def test_the_coordinator_role_makes_coordinators(fake, world, bot):
    role = world.guild.add_role("Program team")
    carol = fake.add_user("carol")
    world.guild.add_member(carol, roles=[role])

    denied = await fake.slash(world.alice, world.guild, "setup coordinator-role", role=role)
    assert "Only server administrators" in embed_text(denied.message)
    await final(await fake.slash(world.owner, world.guild, "setup coordinator-role", role=role))

    reply = await fake.slash(carol, world.guild, "group create", name="Pairs", kind="peer")
    assert "Created “Pairs”" in embed_text(await reply.wait_followup())


async def test_a_kind_rule_violation_is_explained_and_changes_nothing(fake, world, bot):
    await create(fake, world, name="Pair", kind="one_to_one")
    await final(
        await fake.slash(
            world.owner, world.guild, "group add", group="Pair", role="mentor", options={"user": world.alice}
        )
    )

    reply = await fake.slash(
        world.owner, world.guild, "group add", group="Pair", role="mentor", options={"user": world.bob}
    )

    assert "at most 1 mentor" in embed_text(await reply.wait_followup())
    assert not can_see(world, world.bob, await home_of(bot, world, "Pair"))


async def test_a_user_outside_the_server_and_a_bot_are_refused(fake, world, bot):
    await create(fake, world)
    stranger = fake.add_user("stranger")
    robot = fake.add_user("otherbot", bot=True)
    world.guild.add_member(robot)

    outside = await fake.slash(
        world.owner, world.guild, "group add", group="Writing Circle", role="peer", options={"user": stranger}
    )
    assert outside.ephemeral and "not a member of this server" in embed_text(outside.message)
    botted = await fake.slash(
        world.owner, world.guild, "group add", group="Writing Circle", role="peer", options={"user": robot}
    )
    assert "Bots can't be members" in embed_text(await botted.wait_followup())


async def test_the_bot_says_which_permission_it_lacks(fake, bot):
    owner = fake.add_user("owner")
    guild = fake.add_guild("Locked", owner=owner, bot_permissions=DEFAULT_BOT & ~P.MANAGE_CHANNELS)
    guild.add_text_channel("general")
    await fake.settle()

    reply = await fake.slash(owner, guild, "group create", name="Circle", kind="peer")

    answer = await reply.wait_followup()
    assert "**Manage Channels**" in embed_text(answer)
    listed = await fake.slash(owner, guild, "group list")
    assert "No groups yet" in embed_text(listed.message)


async def test_open_groups_are_joined_and_left_by_members(fake, world, bot):
    await create(fake, world, name="Lounge", kind="peer", open=True)
    home = await home_of(bot, world, "Lounge")

    choices = await fake.autocomplete(world.alice, world.guild, "group join", focused="group", group="lou")
    assert [c["name"] for c in choices] == ["Lounge"]
    joined = await fake.slash(world.alice, world.guild, "group join", group=choices[0]["value"])
    invitation = await joined.wait_followup()
    assert "You joined **Lounge**" in embed_text(invitation)
    assert not can_see(world, world.alice, home)
    await final(await fake.click(world.alice, invitation, button_id(invitation, "I agree")))
    assert can_see(world, world.alice, home)

    left = await fake.slash(world.alice, world.guild, "group leave", group=choices[0]["value"])
    assert "no longer in **Lounge**" in embed_text(await left.wait_followup())
    assert not can_see(world, world.alice, home)


async def test_private_groups_stay_out_of_other_members_autocomplete(fake, world, bot):
    await create(fake, world, name="Secret Circle")
    assert await fake.autocomplete(world.alice, world.guild, "group info", focused="group", group="") == []
    info = await fake.slash(world.alice, world.guild, "group info", group="Secret Circle")
    assert "No group" in embed_text(info.message)


async def test_another_servers_groups_never_show(fake, world, bot):
    await create(fake, world, name="Home Team", kind="peer", open=True)
    other_owner = fake.add_user("otherowner")
    other = fake.add_guild("Other Program", owner=other_owner)
    other.add_text_channel("general")
    await fake.settle()

    assert await fake.autocomplete(other_owner, other, "group info", focused="group", group="") == []
    listed = await fake.slash(other_owner, other, "group list")
    assert "Home Team" not in embed_text(listed.message)


async def test_describe_uses_a_form_and_info_shows_it(fake, world, bot):
    await create(fake, world)
    opened = await fake.slash(world.owner, world.guild, "group describe", group="Writing Circle")
    assert opened.type == 9
    saved = await fake.submit_modal(world.owner, opened, {"Description": "We meet every three weeks."})
    assert "every three weeks" in embed_text(saved.message)

    info = await fake.slash(world.owner, world.guild, "group info", group="Writing Circle")
    assert "every three weeks" in embed_text(info.message)


async def test_archive_asks_first_then_removes_access(fake, world, bot):
    await create(fake, world)
    home = await home_of(bot, world, "Writing Circle")
    await final(
        await fake.slash(
            world.owner,
            world.guild,
            "group add",
            group="Writing Circle",
            role="peer",
            options={"user": world.alice},
        )
    )

    asked = await fake.slash(world.owner, world.guild, "group archive", group="Writing Circle")
    assert "Archive “Writing Circle”?" in embed_text(asked.message)
    done = await fake.click(world.owner, asked.message, button_id(asked.message, "Archive"))

    assert "Archived" in embed_text(await done.wait_followup() if done.type == 6 else done.message)
    assert not can_see(world, world.alice, home)
    assert world.guild.get_channel(home) is not None  # history kept


async def test_linking_an_existing_channel_as_home(fake, world, bot):
    lounge = world.guild.add_text_channel("mentoring-lounge")
    await fake.settle()
    answer = await create(fake, world, name="Lounge group", kind="peer", home=lounge)
    assert f"<#{lounge.id}>" in embed_text(answer)


async def test_settings_career_stages_and_profile_stage(fake, world, bot):
    opened = await fake.slash(world.owner, world.guild, "setup career-stages")
    saved = await fake.submit_modal(world.owner, opened, {"Stages": "1st year\n2nd year\n3rd year\n4th year"})
    assert "1st year → 2nd year" in embed_text(saved.message)

    choices = await fake.autocomplete(world.alice, world.guild, "profile stage", focused="stage", stage="2nd")
    assert [c["value"] for c in choices] == ["2nd year"]
    shown = await fake.slash(world.alice, world.guild, "profile stage", stage="2nd year")
    assert "2nd year" in embed_text(shown.message)
    wrong = await fake.slash(world.alice, world.guild, "profile stage", stage="professor")
    assert "not a career stage here" in embed_text(wrong.message)


async def test_unknown_default_time_zone_is_refused(fake, world, bot):
    reply = await fake.slash(world.owner, world.guild, "setup default-timezone", zone="Atlantis/Lost")
    assert reply.ephemeral and "not a time zone I know" in embed_text(reply.message)


async def test_matching_from_opt_in_to_confirmed_groups(fake, world, bot):
    await final(await fake.slash(world.alice, world.guild, "match optin", wants="mentor"))
    await final(await fake.slash(world.bob, world.guild, "match optin", wants="mentee"))

    proposed = await fake.slash(world.owner, world.guild, "match suggest", mode="one_to_one")
    proposal = await proposed.wait_followup()
    assert f"<@{world.alice.id}> (mentor) & <@{world.bob.id}> (mentee)" in embed_text(proposal)

    confirmed = await fake.click(world.owner, proposal, button_id(proposal, "Confirm and create groups"))
    answer = await confirmed.wait_followup()
    assert "Created 1 groups" in embed_text(answer)
    home = await home_of(bot, world, "Alice & Bob")
    await agree_all(world, "Alice & Bob", world.alice, world.bob)
    assert can_see(world, world.alice, home) and can_see(world, world.bob, home)

    again = await fake.click(world.owner, proposal, button_id(proposal, "Confirm and create groups"))
    assert "already confirmed" in embed_text(await again.wait_followup())


async def test_members_cannot_run_matching(fake, world, bot):
    reply = await fake.slash(world.alice, world.guild, "match suggest", mode="peer")
    assert "Only coordinators can run matching" in embed_text(await reply.wait_followup())
