"""Journey: members apply to a cycle in one form; the coordinator accepts, waitlists and declines.

Cora has opened “Spring cohort”. Alice and Emeka apply as mentors (Alice can take two mentees,
Emeka one), Bob, Dana and Carol as mentees. Cora reviews them one by one; a mentee is accepted
only while a mentor has a place, the others wait on the waitlist and know their place in line;
matching pairs the cycle's accepted applicants, never beyond a mentor's capacity, and a member
who waited is told when they are matched.
"""

from __future__ import annotations

import json

import pytest

from tests.journeys.test_a_program_cycle import open_spring
from tests.journeys.test_coordinator_sets_up_a_program import make_cora_coordinator
from tests.support.people import Person


async def apply(person, role, *, hopes="Finish my first grant.", zone="Europe/Berlin", amount=None, **more):
    """Open the form with /program apply and fill it in (the mentees' or time radio by its label)."""
    form = await person.run("program apply", role=role)
    assert form.is_form, form.text
    fields = {"What you want from it": hopes, "Time zone": zone, **more}
    if amount is not None:
        fields["Mentees you can take" if role == "mentor" else "Time you have"] = amount
    sent = await person.fill(form, fields)
    assert sent.private and "Application sent" in sent.text, sent.text
    return sent


async def decide(coordinator, card, button, *, reason=None):
    """Press Accept, Waitlist or Decline on the review card (a decline asks for the reason)."""
    answer = await coordinator.press(card, button)
    if reason is not None:
        assert answer.is_form
        answer = await coordinator.fill(answer, {"Reason": reason})
    return answer


@pytest.fixture
def other(fake, server):
    """Another server the bot is in, with its own owner and a member who is not in Cora's server."""
    owner = fake.add_user("otto", global_name="Otto")
    guild = fake.add_guild("Another Program", owner=owner, with_default_channel=True)
    stranger = fake.add_user("sam", global_name="Sam")
    guild.add_member(stranger)
    return Person(fake, guild, owner), Person(fake, guild, stranger)


async def test_members_apply_and_the_coordinator_accepts_waitlists_and_declines(server, bot):
    await make_cora_coordinator(server)
    await open_spring(server)
    await apply(server.alice, "mentor", zone="Asia/Tokyo", amount="1 mentee", Interests="grant writing")
    await apply(server.bob, "mentee", amount="2–3 hours a month", Interests="grant writing")
    await apply(server.dana, "mentee", zone="Africa/Lagos")
    await apply(server.carol, "mentee", hopes="Somebody to talk to about my PhD.")

    card = await server.cora.run("program applications")
    assert (
        card.private and "4 pending" in card.text and "Alice" in card.text
    ) or server.alice.mention in card.text
    assert "Mentor places: 0 of 0 taken" in card.text
    card = await decide(server.cora, card, "Accept")  # Alice, mentor of one
    assert server.bob.mention in card.text and "Mentor places: 0 of 1 taken" in card.text
    card = await decide(server.cora, card, "Accept")  # Bob takes Alice's place
    assert server.dana.mention in card.text

    full = await server.cora.press(card, "Accept")  # Dana: no place left
    assert full.private and "No mentor has a place left" in full.text
    card = await server.cora.run("program applications")
    assert server.dana.mention in card.text and "2 pending" in card.text  # nothing changed
    card = await decide(server.cora, card, "Waitlist")
    assert "number 1 in line" in card.text
    card = await decide(
        server.cora, card, "Decline", reason="This cycle is for faculty; the student program opens in March."
    )
    assert "student program" not in card.text  # only Carol sees why

    await server.alice.dm("You're in · Spring cohort")
    waiting = await server.dana.dm("On the waitlist · Spring cohort")
    assert "number **1** in line" in waiting["embeds"][0]["description"]
    declined = await server.carol.dm("Your application · Spring cohort")
    assert "student program opens in March" in declined["embeds"][0]["description"]
    mine = await server.carol.run("program application")
    assert mine.private and "student program opens in March" in mine.text
    assert "number 1 in line" in (await server.dana.run("program application")).text


async def test_matching_respects_the_cycle_and_each_mentors_capacity_and_the_waitlisted_hear_when_matched(
    server, bot
):
    await make_cora_coordinator(server)
    await open_spring(server)
    await apply(server.alice, "mentor", amount="2 mentees", Interests="grant writing")
    for person in (server.bob, server.dana, server.carol):
        await apply(person, "mentee", Interests="grant writing")
    await server.emeka.run("match optin", wants="mentor")  # on the old list, not in the cycle

    card = await server.cora.run("program applications")
    for _ in range(3):
        card = await decide(server.cora, card, "Accept")  # Alice (two places), Bob, Dana
    card = await decide(server.cora, card, "Waitlist")  # Carol
    assert "Mentor places: 2 of 2 taken" in card.text

    proposal = await server.cora.run("match suggest", mode="one_to_one")
    assert proposal.text.count(server.alice.mention) == 2  # two pairs, both with Alice
    assert server.emeka.mention not in proposal.text and server.carol.mention not in proposal.text
    created = await server.cora.press(proposal, "Confirm and create groups")
    assert "Created 2 groups" in created.text
    again = await server.cora.run("match suggest", mode="one_to_one")
    assert "Nobody could be matched" in again.text  # Alice is full; Carol still waits

    await apply(server.emeka, "mentor", amount="1 mentee")
    card = await server.cora.run("program applications")
    card = await decide(server.cora, card, "Accept")  # Emeka
    assert server.carol.mention in card.text and "Waitlisted" in card.text
    card = await decide(server.cora, card, "Accept")  # Carol, off the waitlist
    proposal = await server.cora.run("match suggest", mode="one_to_one")
    assert server.emeka.mention in proposal.text and server.carol.mention in proposal.text
    await server.cora.press(proposal, "Confirm and create groups")
    matched = await server.carol.dm("You're matched · Spring cohort")
    assert "off the waitlist" in matched["embeds"][0]["description"]
    assert server.bob.dms("You're matched") == []  # those who never waited hear it from the group
    assert "matched" in (await server.carol.run("program application")).text


async def test_applying_twice_without_a_cycle_or_from_another_server_is_refused_and_changes_nothing(
    server, other, bot
):
    await make_cora_coordinator(server)
    early = await server.alice.run("program apply", role="mentee")
    assert early.private and not early.is_form and "No program cycle is open" in early.text
    await open_spring(server)
    await apply(server.alice, "mentee")
    twice = await server.alice.run("program apply", role="mentor")
    assert twice.private and not twice.is_form and "already applied" in twice.text

    otto, sam = other
    elsewhere = await sam.run("program apply", role="mentee")
    assert elsewhere.private and "No program cycle is open" in elsewhere.text
    theirs = await otto.run("program applications")
    assert theirs.private and "No cycle" in theirs.text and server.alice.mention not in theirs.text
    member = await server.bob.run("program applications")
    assert member.private and "Only coordinators" in member.text

    bad = await server.bob.run("program apply", role="mentee")
    refused = await server.bob.fill(bad, {"What you want from it": "A mentor.", "Time zone": "Mars/Olympus"})
    assert refused.private and "not a time zone" in refused.text
    card = await server.cora.run("program applications")
    assert "1 pending" in card.text and server.bob.mention not in card.text


async def test_a_members_applications_are_in_their_export_and_go_with_their_erasure(server, bot):
    await make_cora_coordinator(server)
    await open_spring(server)
    await apply(server.alice, "mentee", hopes="Learn to say no to committees.")
    card = await server.cora.run("program applications")
    await decide(server.cora, card, "Decline", reason="Please apply to the autumn cohort.")

    asked = await server.alice.run("privacy export")
    assert asked.private
    await server.fake.hub.wait_for(
        lambda: any(m.get("attachments") for m in server.alice.dms()), 15, "Alice's export in her DMs"
    )
    exports = [m for m in server.alice.dms() if m.get("attachments")]
    [attachment] = exports[-1]["attachments"]
    _, data, _ = server.fake.world.files[int(attachment["id"])]
    [row] = json.loads(data)["records"]["cycle_applications"]
    assert row["hopes"] == "Learn to say no to committees." and row["decline_reason"].startswith(
        "Please apply"
    )

    confirm = await server.alice.run("privacy erase")
    await (await server.alice.press(confirm, "Erase")).shows("Erased")
    card = await server.cora.run("program applications")
    assert "0 declined" in card.text and server.alice.mention not in card.text
