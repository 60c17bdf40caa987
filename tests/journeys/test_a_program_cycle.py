"""Journey: a program runs in cycles; a coordinator opens one and every member sees where they are.

Cora coordinates. On Monday 23 November 2026 she opens “Spring cohort” from 1 December 2026 for
eight months (to 31 July 2027), with a kick-off; members see its days and their place in it, each
by their own calendar day. Bad dates, overlaps and non-coordinators are refused and change nothing.
"""

from __future__ import annotations

from tests.journeys.test_coordinator_sets_up_a_program import make_cora_coordinator
from tests.support.local_time import at, utc
from tests.support.people import Typed, moments
from tests.support.program import set_timezone


async def open_spring(server, **options):
    """Cora opens the spring cohort, picking the days the bot suggests."""
    return await server.cora.run(
        "program cycle open",
        name="Spring cohort",
        start=Typed("2026-12-01"),
        end=Typed("8 months"),
        **options,
    )


async def test_a_coordinator_opens_a_cycle_and_members_see_its_dates_and_where_they_are(
    server, bot, timeline
):
    await make_cora_coordinator(server)
    await set_timezone(server.cora, "Berlin")
    opened = await open_spring(server, kickoff="2026-12-01 17:00")
    assert opened.private and "Cycle opened" in opened.text
    assert "Tue 1 December 2026" in opened.text and "Sat 31 July 2027" in opened.text
    assert moments(opened.text)[0] == at("Europe/Berlin", 2026, 12, 1, 17, 0)  # her local 17:00

    shown = await server.alice.run("program cycle show")
    assert shown.private and "Spring cohort" in shown.text and "Starts in 8 days" in shown.text
    assert "Midpoint review" in shown.text

    await timeline.to(utc(2026, 12, 15, 12, 0))
    shown = await server.alice.run("program cycle show")
    assert "Week 3 of 35 · day 15 of 243" in shown.text


async def test_each_member_reads_the_cycle_by_their_own_calendar_day(server, bot, timeline):
    await make_cora_coordinator(server)
    await open_spring(server)
    await set_timezone(server.alice, "Tokyo")
    await set_timezone(server.bob, "Denver")
    await timeline.to(at("Asia/Tokyo", 2026, 12, 1, 0, 30))  # 30 November in Denver

    assert "Week 1 of 35 · day 1 of 243" in (await server.alice.run("program cycle show")).text
    assert "Starts tomorrow" in (await server.bob.run("program cycle show")).text


async def test_bad_dates_overlaps_and_members_are_refused_and_change_nothing(server, bot):
    await make_cora_coordinator(server)
    past = await server.cora.run("program cycle open", name="Late", start="2026-11-01", end="2027-03-01")
    assert past.private and "in the past" in past.text
    backwards = await server.cora.run(
        "program cycle open", name="Backwards", start="2027-03-01", end="2027-01-01"
    )
    assert backwards.private and "must come after the start" in backwards.text
    garbled = await server.cora.run(
        "program cycle open", name="Garbled", start="next monday", end="2027-01-01"
    )
    assert garbled.private and "YYYY-MM-DD" in garbled.text
    kickoff = await server.cora.run(
        "program cycle open", name="Kick", start="2026-12-01", end="2027-03-01", kickoff="2027-05-01 10:00"
    )
    assert kickoff.private and "outside the cycle" in kickoff.text
    member = await server.alice.run("program cycle open", name="Mine", start="2026-12-01", end="2027-03-01")
    assert member.private and "Only coordinators" in member.text
    assert "No program cycle" in (await server.alice.run("program cycle show")).text

    await open_spring(server)
    overlap = await server.cora.run(
        "program cycle open", name="Overlap", start="2027-07-01", end="2027-12-31"
    )
    assert overlap.private and "one after another" in overlap.text
    shown = await server.alice.run("program cycle show")
    assert "Spring cohort" in shown.text and "Overlap" not in shown.text


async def test_cycles_follow_one_another_and_a_closed_cycle_gives_way_to_the_next(server, bot):
    await make_cora_coordinator(server)
    await open_spring(server)
    autumn = await server.cora.run(
        "program cycle open", name="Autumn cohort", start="2027-09-01", end="2028-04-30"
    )
    assert "Cycle opened" in autumn.text
    shown = await server.alice.run("program cycle show")
    assert "Spring cohort" in shown.text and "After it" in shown.text and "Autumn cohort" in shown.text

    refused = await server.alice.run("program cycle close")
    assert refused.private and "Only coordinators" in refused.text
    closed = await server.cora.run("program cycle close")
    assert "Spring cohort" in closed.text and "closed" in closed.text
    shown = await server.alice.run("program cycle show")
    assert "Autumn cohort" in shown.text and "Spring cohort" not in shown.text
