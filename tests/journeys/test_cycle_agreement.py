"""Journey: a pair matched in a cycle agrees on its mentoring agreement, and reviews it at the midpoint.

Alice (mentor) and Bob (mentee) are accepted into “Spring cohort” and matched. Each is asked by
DM to write the agreement; Alice writes it in one form (goals, how often and how they meet, how
to reach each other, confidentiality), Bob agrees, and the pair's home shows it agreed by both.
Halfway through the cycle it comes back: still true, or change it?
"""

from __future__ import annotations

from tests.journeys.test_a_program_cycle import open_spring
from tests.journeys.test_coordinator_sets_up_a_program import make_cora_coordinator
from tests.journeys.test_cycle_intake import apply, decide
from tests.support.local_time import at
from tests.support.people import Typed, text_of
from tests.support.program import agree, mentioned_channel

AGREEMENT = {
    "Goals for the cycle": "Submit the K01 by March; one paper out by June.",
    "How often you'll meet": "every 2 weeks",
    "How you'll meet": "video call",
    "How to reach each other": "Discord DMs; email for documents",
    "What we share stays between us": True,
}


async def matched_pair(server, **cycle):
    """Cora opens the cycle; Alice and Bob apply, are accepted and matched; both agree to the ground rules."""
    await make_cora_coordinator(server)
    await open_spring(server, **cycle)
    await apply(server.alice, "mentor", amount="1 mentee")
    await apply(server.bob, "mentee")
    card = await server.cora.run("program applications")
    card = await decide(server.cora, card, "Accept")
    await decide(server.cora, card, "Accept")
    proposal = await server.cora.run("match suggest", mode="one_to_one")
    created = await server.cora.press(proposal, "Confirm and create groups")
    home = mentioned_channel(created)
    name = "Alice & Bob"
    for person in (server.alice, server.bob):
        await agree(person, name)
    return name, home


def home_says(server, home, text):
    return [m for m in server.fake.channel_messages(home) if text in text_of(m)]


async def test_the_pair_writes_and_agrees_on_its_agreement_and_its_home_shows_it(server, bot):
    name, home = await matched_pair(server)
    asked = await server.alice.dm(f"Your mentoring agreement · {name}")
    form = await server.alice.press(asked, "Write it")
    saved = await server.alice.fill(form, AGREEMENT)
    assert saved.private and "Agreement saved" in saved.text and "Waiting for" in saved.text

    proposed = await server.bob.dm("wrote your agreement")
    assert "Submit the K01" in text_of(proposed) and "every 2 weeks" in text_of(proposed)
    agreed = await server.bob.press(proposed, "I agree")
    assert "Agreed by everyone" in agreed.text

    await server.fake.hub.wait_for(
        lambda: home_says(server, home, "Agreed by everyone"), 15, "the agreement in the home"
    )
    [shown] = home_says(server, home, "Mentoring agreement ✓")
    assert "Submit the K01" in text_of(shown) and "video call" in text_of(shown)
    again = await server.alice.run("program agreement", group=Typed("Alice"))
    assert "Agreed by everyone" in again.text


async def test_a_change_asks_everyone_again(server, bot):
    name, _ = await matched_pair(server)
    form = await server.alice.press(await server.alice.dm(f"Your mentoring agreement · {name}"), "Write it")
    await server.alice.fill(form, AGREEMENT)
    proposed = await server.bob.dm("wrote your agreement")
    form = await server.bob.press(proposed, "Change it")
    # The form comes filled with Alice's version; Bob changes only how often they meet.
    changed = await server.bob.fill(form, {"How often you'll meet": "every week"})
    assert (
        "every week" in changed.text
        and "Waiting for" in changed.text
        and server.alice.mention in changed.text
    )

    stale = await server.alice.dm("wrote your agreement")  # Bob's version, to Alice
    await server.alice.press(stale, "I agree")
    assert "Agreed by everyone" in (await server.alice.run("program agreement", group=Typed("Alice"))).text


async def test_an_agreement_without_confidentiality_is_refused_and_nothing_is_saved(server, bot):
    name, _ = await matched_pair(server)
    form = await server.alice.press(await server.alice.dm(f"Your mentoring agreement · {name}"), "Write it")
    refused = await server.alice.fill(form, {**AGREEMENT, "What we share stays between us": False})
    assert refused.private and "confidentiality" in refused.text
    assert "No agreement yet" in (await server.alice.run("program agreement", group=Typed("Alice"))).text
    assert server.bob.dms("wrote your agreement") == []


async def test_the_agreement_comes_back_at_the_midpoint_in_each_members_daytime(server, bot, timeline):
    name, home = await matched_pair(server)
    form = await server.alice.press(await server.alice.dm(f"Your mentoring agreement · {name}"), "Write it")
    await server.alice.fill(form, AGREEMENT)
    await server.bob.press(await server.bob.dm("wrote your agreement"), "I agree")

    await timeline.to(at("Europe/Berlin", 2027, 3, 31, 12, 0))
    assert server.alice.dms("Midpoint review") == []
    await timeline.to(at("Europe/Berlin", 2027, 4, 1, 6, 0))  # the midpoint, before her day starts
    assert server.alice.dms("Midpoint review") == []
    await timeline.to(at("Europe/Berlin", 2027, 4, 1, 9, 30))
    review = await server.alice.dm("Midpoint review")
    assert "still true" in text_of(review) and "Submit the K01" in text_of(review)
    assert home_says(server, home, "Midpoint review")
    still = await server.alice.press(review, "Still true")
    assert "Still true" in still.text
