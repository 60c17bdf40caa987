"""Journey: a coordinator sets up a mentoring program in a server where the bot knows nothing yet.

Olivia owns the server and makes Cora a coordinator. Cora sets the program up, creates a group
of each mentoring model, adds people, who agree to the ground rules with the button in their DMs;
members fill in their profiles; matching is proposed with its reasons and confirmed into groups.
"""

from __future__ import annotations

from tests.support.people import Typed
from tests.support.program import add_member, agree, create_group, mentioned_channel, set_timezone

MODELS = {
    "one_to_one": "Ana & Ben",
    "group": "Grant writers",
    "peer": "Writing Circle",
    "near_peer": "Stepping Stones",
    "facilitated_peer": "Faculty Circle",
}


async def make_cora_coordinator(server) -> None:
    """Olivia (the owner) gives Cora a role in Discord, then names it the coordinators' role."""
    server.give_role(server.cora, "Program coordinators")
    role = server.guild.get_role("Program coordinators")
    answer = await server.olivia.run("setup coordinator-role", role=role)
    assert answer.private and "Coordinator role saved" in answer.text


async def test_the_owner_names_the_coordinators_and_only_they_can_set_the_program_up(server, bot):
    refused = await server.cora.run("group create", name="Too early", kind="peer")
    assert refused.private and "Created" not in refused.text

    await make_cora_coordinator(server)

    zone = await server.cora.run("setup default-timezone", zone=Typed("Berlin"))
    assert "Default time zone saved" in zone.text and "Europe/Berlin" in zone.text
    form = await server.cora.run("setup career-stages")
    saved = await server.cora.fill(form, {"Stages": "medical student\nresident\nfellow\nattending"})
    assert "Career stages saved" in saved.text

    shown = await server.alice.run("setup show")  # anyone may read the program's settings
    assert "Europe/Berlin" in shown.text
    assert "medical student → resident → fellow → attending" in shown.text
    assert f"<@&{server.guild.get_role('Program coordinators').id}>" in shown.text

    not_hers = await server.alice.run("setup default-timezone", zone=Typed("Tokyo"))
    assert not_hers.private and "saved" not in not_hers.text
    assert "Europe/Berlin" in (await server.alice.run("setup show")).text  # nothing changed
    listed = await server.alice.run("group list")
    assert "Too early" not in listed.text


async def test_a_coordinator_creates_a_group_of_each_model_each_with_a_home_only_its_members_see(server, bot):
    await make_cora_coordinator(server)
    for kind, name in MODELS.items():
        group = await create_group(server.cora, name, kind, meets_every_weeks=3)
        home = server.channel(group.home)
        assert not server.alice.can_see(home), f"{name}'s home is open to the whole server"

    listed = await server.cora.run("group list")
    for name in MODELS.values():
        assert name in listed.text
    info = await server.cora.run("group info", group=Typed("Faculty Circle"))
    assert "Facilitated peer group" in info.text and "every 3 weeks" in info.text


async def test_members_see_a_groups_home_only_after_agreeing_to_its_ground_rules(server, bot):
    await make_cora_coordinator(server)
    circle = await create_group(server.cora, "Faculty Circle", "facilitated_peer")
    home = server.channel(circle.home)

    await add_member(server.cora, circle, server.carol, "facilitator")
    await add_member(server.carol, circle, server.alice, "peer", agreed=False)  # a facilitator adds too
    rules = await server.alice.dm("Ground rules · Faculty Circle")
    assert "stays in the group" in rules["embeds"][0]["description"]
    assert not server.alice.can_see(home)

    await agree(server.alice, circle)
    assert server.alice.can_see(home)
    await server.fake.hub.wait_for(
        lambda: any(server.alice.mention in (m["content"] or "") for m in server.fake.channel_messages(home)),
        15,
        "Alice's welcome in the home",
    )
    info = await server.alice.run("group info", group=Typed("Faculty"))
    assert "Carol" in info.text or server.carol.mention in info.text
    assert server.alice.mention in info.text

    again = await server.alice.run("group agree", group=Typed("Faculty"))
    await (await server.alice.press(again, "I agree")).shows("already agreed")


async def test_the_rules_of_each_model_are_kept_when_people_are_added(server, bot):
    await make_cora_coordinator(server)
    pair = await create_group(server.cora, "Ana & Ben", "one_to_one")
    await add_member(server.cora, pair, server.alice, "mentor")
    await add_member(server.cora, pair, server.bob, "mentee")
    refused = await server.cora.run("group add", group=Typed("Ana"), user=server.dana, role="mentee")
    assert not refused.text.startswith("Added")
    peers = await create_group(server.cora, "Writing Circle", "peer")
    wrong_role = await server.cora.run("group add", group=Typed("Writing"), user=server.dana, role="mentor")
    assert not wrong_role.text.startswith("Added")
    assert server.dana.dms("Ground rules") == []  # nobody was told they joined
    assert peers.name in (await server.cora.run("group list")).text


async def test_members_set_their_time_zone_quiet_hours_bio_and_career_stage(server, bot):
    await make_cora_coordinator(server)
    await set_timezone(server.alice, "Tokyo")
    form = await server.alice.run("profile edit")
    saved = await server.alice.fill(
        form, {"Quiet hours": "22:00-07:00", "Bio": "Clinician-scientist, writing my first R01."}
    )
    assert "Asia/Tokyo" in saved.text  # the form kept the zone she set before
    stage = await server.alice.run("profile stage", stage=Typed("assistant"))
    assert "assistant professor" in stage.text

    shown = await server.alice.run("profile show")
    assert shown.private
    assert "Asia/Tokyo" in shown.text and "22:00–07:00" in shown.text
    assert "assistant professor" in shown.text and "first R01" in shown.text


async def test_members_enter_their_interests_in_the_profile_form_and_see_them(server, bot):
    form = await server.alice.run("profile edit")
    saved = await server.alice.fill(form, {"Interests": "grant writing, teaching"})
    assert "grant writing" in saved.text
    shown = await server.alice.run("profile show")
    assert "grant writing, teaching" in shown.text


async def opt_in_pairs(server) -> None:
    """Two mentors and two mentees in four time zones ask to be matched."""
    for person, zone, wants in (
        (server.alice, "Tokyo", "mentor"),
        (server.bob, "Denver", "mentee"),
        (server.dana, "Lagos", "mentee"),
        (server.emeka, "Berlin", "mentor"),
    ):
        await set_timezone(person, zone)
        answer = await person.run("match optin", wants=wants)
        assert answer.private and "You're on the list" in answer.text


async def test_matching_is_proposed_with_its_reasons_and_confirmed_into_groups(server, bot, timeline):
    await make_cora_coordinator(server)
    await opt_in_pairs(server)

    proposal = await server.cora.run("match suggest", mode="one_to_one")
    assert proposal.private and "Proposed matches" in proposal.text
    assert proposal.text.count(" & ") == 2  # two pairs, each with its reasons
    assert "waking hours" in proposal.text or "awake" in proposal.text

    confirmed = await server.cora.press(proposal, "Confirm and create groups")
    assert "Created" in confirmed.text or "created" in confirmed.text
    for person in (server.alice, server.bob, server.dana, server.emeka):
        rules = await person.dm("Ground rules")
        answer = await (await person.press(rules, "I agree")).shows("Welcome to")
        home = mentioned_channel(answer)
        assert person.can_see(home)
    listed = await server.cora.run("group list")
    assert listed.text.count("One-to-one") == 2

    again = await server.cora.run("match suggest", mode="one_to_one")
    assert "Nobody could be matched" in again.text  # those matched are off the list


async def test_matching_names_the_interests_people_share(server, bot):
    await make_cora_coordinator(server)
    for person, wants in ((server.alice, "mentor"), (server.bob, "mentee")):
        form = await person.run("profile edit")
        await person.fill(form, {"Interests": "grant writing, statistics"})
        await person.run("match optin", wants=wants)
    proposal = await server.cora.run("match suggest", mode="one_to_one")
    assert "grant writing" in proposal.text
