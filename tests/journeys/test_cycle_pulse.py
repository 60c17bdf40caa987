"""Journey: the relationship pulse at day 30 of a match, at each member's local time.

Alice (Tokyo) mentors Bob (Denver) in “Spring cohort”, matched on Monday 23 November 2026. On
day 30 each is asked privately "How is your mentoring going?" in their own daytime. Bob's low
score reaches the coordinators' attention list with his note (he allowed it), in Discord and on
the dashboard, never Alice nor Carol who facilitates them; two pulses left unanswered put the pair
on the list too.
"""

from __future__ import annotations

import html

from tests.e2e.dashboard_support import dashboard, sign_in
from tests.journeys.test_a_program_cycle import open_spring
from tests.journeys.test_coordinator_sets_up_a_program import make_cora_coordinator
from tests.journeys.test_cycle_intake import apply, decide
from tests.support.local_time import at, utc
from tests.support.people import text_of
from tests.support.program import add_member, agree


async def tokyo_and_denver(server, **cycle):
    """Alice in Tokyo and Bob in Denver apply, are accepted and matched, and agree to the ground rules."""
    await make_cora_coordinator(server)
    await open_spring(server, **cycle)
    await apply(server.alice, "mentor", zone="Asia/Tokyo", amount="1 mentee")
    await apply(server.bob, "mentee", zone="America/Denver")
    card = await server.cora.run("program applications")
    card = await decide(server.cora, card, "Accept")
    await decide(server.cora, card, "Accept")
    proposal = await server.cora.run("match suggest", mode="one_to_one")
    await server.cora.press(proposal, "Confirm and create groups")
    for person in (server.alice, server.bob):
        await agree(person, "Alice & Bob")


async def rate(person, score, **fields):
    dm = await person.dm("How is your mentoring going?")
    form = await person.press(dm, "Rate it")
    return await person.fill(form, {"How is your mentoring going?": score, **fields})


async def test_the_pulse_arrives_on_day_30_in_each_members_daytime(server, bot, timeline):
    await tokyo_and_denver(server)
    await timeline.to(at("Asia/Tokyo", 2026, 12, 23, 8, 0))  # day 30 in Tokyo, before her day starts
    assert server.alice.dms("How is your mentoring going?") == []
    await timeline.to(at("Asia/Tokyo", 2026, 12, 23, 9, 30))
    await server.alice.dm("How is your mentoring going?")
    assert server.bob.dms("How is your mentoring going?") == []  # still 22 December in Denver
    await timeline.to(at("America/Denver", 2026, 12, 23, 9, 30))
    await server.bob.dm("How is your mentoring going?")
    await timeline.advance(days=1)
    assert len(server.alice.dms("How is your mentoring going?")) == 1  # asked once a round


async def test_a_low_score_reaches_the_coordinators_and_never_the_partner(server, bot, timeline):
    await tokyo_and_denver(server)
    await timeline.to(utc(2026, 12, 24, 1, 0))  # daytime in both: 10:00 in Tokyo, 18:00 in Denver
    low = await rate(
        server.bob,
        "2 · not well",
        **{"A note (optional)": "We haven't met yet.", "Coordinators may read my note": True},
    )
    assert "2/5" in low.text and "your partner never does" in low.text  # in his DM
    await rate(server.alice, "4 · well", **{"A note (optional)": "Going fine from my side."})

    listed = await server.cora.run("program attention")
    assert listed.private and "Alice & Bob" in listed.text
    assert f"{server.bob.mention} rated it 2/5" in listed.text and "We haven't met yet." in listed.text
    assert "Going fine" not in listed.text and "4/5" not in listed.text  # her note is hers; no concern
    partner = await server.alice.run("program attention")
    assert partner.private and "Only coordinators" in partner.text and "2/5" not in partner.text
    assert not any("2/5" in text_of(m) or "haven't met" in text_of(m) for m in server.alice.dms())

    again = await server.bob.run("program pulse")
    assert again.private and "no pulse to answer" in again.text


async def test_two_missed_pulses_put_the_pair_on_the_attention_list(server, bot, timeline):
    await tokyo_and_denver(server, pulse_every_days=14)
    await timeline.to(utc(2026, 12, 24, 1, 0))
    await rate(server.alice, "5 · very well")
    await timeline.to(utc(2027, 1, 7, 1, 0))  # the second round, 14 days later
    await server.bob.dm("How is your mentoring going?", count=2)
    assert "missed" not in (await server.cora.run("program attention")).text
    await timeline.to(utc(2027, 1, 14, 1, 30))  # a week on: both of Bob's pulses are missed
    listed = await server.cora.run("program attention")
    assert f"{server.bob.mention} missed their last two pulses" in listed.text
    await rate(server.bob, "4 · well")  # answering the latest takes him off the list
    assert "missed" not in (await server.cora.run("program attention")).text


async def test_the_dashboard_shows_a_low_score_to_coordinators_only(
    server, bot, timeline, fake, database_url
):
    await tokyo_and_denver(server)
    await add_member(server.cora, "Alice & Bob", server.carol, "facilitator")
    await timeline.to(utc(2026, 12, 24, 1, 0))
    note = "We haven't met <b>yet</b> & I'm worried."
    shared = {"A note (optional)": note, "Coordinators may read my note": True}
    await rate(server.bob, "2 · not well", **shared)
    await rate(server.alice, "1 · badly", **{"A note (optional)": "Too busy to say more."})
    page = f"/guilds/{server.guild.id}"
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, server.cora.user)
        raw = await (await client.get(page)).text()
        assert "&lt;b&gt;yet&lt;/b&gt;" in raw and "<b>yet" not in raw  # his words, escaped
        text = html.unescape(raw)
        assert f"Bob rated it 2/5 — “{note}”" in text and "Alice rated it 1/5" in text
        assert "Too busy" not in text  # she did not allow coordinators to read her note
        assert "Next: Talk to them privately" in text and "<@" not in text and "<t:" not in text

        await sign_in(client, fake, server.carol.user)
        text = html.unescape(await (await client.get(page)).text())
        assert "Alice & Bob" in text  # her group, without its members' scores or notes
        assert "rated it" not in text and "2/5" not in text and "haven't met" not in text

        await sign_in(client, fake, server.alice.user)
        refused = await client.get(page)
        assert refused.status == 403 and "2/5" not in await refused.text()
