"""Journey: the cycle report's figures match what was answered, and carry nobody's words.

Alice (mentor, Tokyo) and Bob (mentee, Denver) are matched in “Spring cohort”; Dana's application
is declined. At day 30 Alice rates the pulse 4 and Bob 2 (with a note); at the end Alice rates
the cycle 5 and Bob 4. Cora's `/report cycle` shows exactly those counts and means.
"""

from __future__ import annotations

import html
import re

from tests.e2e.dashboard_support import dashboard, sign_in
from tests.journeys.test_cycle_ending import SURVEY_ALICE, SURVEY_BOB, answer_survey
from tests.journeys.test_cycle_intake import apply, decide
from tests.journeys.test_cycle_pulse import rate, tokyo_and_denver
from tests.support.local_time import utc
from tests.support.people import Typed
from tests.support.program import add_member, create_group


async def test_the_cycle_report_counts_applications_pulses_ratings_and_outcomes(server, bot, timeline):
    await tokyo_and_denver(server)
    await apply(server.dana, "mentee")
    card = await server.cora.run("program applications")
    await decide(server.cora, card, "Decline", reason="Please apply to the autumn cohort.")

    await timeline.to(utc(2026, 12, 24, 1, 0))
    await rate(server.alice, "4 · well")
    await rate(server.bob, "2 · not well", **{"A note (optional)": "We haven't met yet."})
    await timeline.to(utc(2027, 8, 2, 0, 30))  # the cycle has ended; daytime in Tokyo and Denver
    await answer_survey(server.alice, SURVEY_ALICE)
    await answer_survey(server.bob, SURVEY_BOB)

    report = await server.cora.run("report cycle", cycle=Typed("Spring"))
    text = report.text
    assert report.private and "Cycle report · Spring cohort" in text
    assert "3 in all · 2 matched" in text and "1 declined" in text and "0 waitlisted" in text
    assert "1 groups · 2 members" in text
    assert "day 30: 3.0 / 5 (2/2)" in text
    assert "4.5 / 5 (2/2 answered)" in text
    assert "I set short-term goals: 2/2" in text and "I found my core values: 1/2" in text
    assert "I built new skills: 1/2" in text and "My job satisfaction grew: 0/2" in text
    assert "Match me again next cycle: 1" in text and "Stop here for now: 1" in text
    for words in ("haven't met", "generous mentee", "autumn cohort", "Finish my first grant"):
        assert words not in text  # counts only, never anyone's words

    [attachment] = report.message["attachments"]
    _, data, _ = server.fake.world.files[int(attachment["id"])]
    rows = data.decode()
    assert "pulse day 30,mean,3.00" in rows and "closing survey,mean rating,4.50" in rows
    assert "outcomes,I set short-term goals,2" in rows and "haven't met" not in rows

    refused = await server.alice.run("report cycle")
    assert refused.private and "Only coordinators" in refused.text


async def test_the_dashboard_filters_the_program_by_cycle_and_shows_its_figures(
    server, bot, timeline, fake, database_url
):
    await tokyo_and_denver(server)
    await server.cora.run("group create", name="Old circle", kind="peer")  # made outside any cycle
    await timeline.to(utc(2026, 12, 24, 1, 0))
    await rate(server.alice, "4 · well")
    await rate(server.bob, "2 · not well")
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, server.olivia.user)
        everything = html.unescape(await (await client.get(f"/guilds/{server.guild.id}")).text())
        assert "Old circle" in everything and "Alice & Bob" in everything
        link = re.search(r'href="(/guilds/\d+\?days=\d+&(?:amp;)?cycle=\d+)"', everything)
        assert link, "no link to the cycle"
        page = await client.get(html.unescape(link[1]))
        text = html.unescape(await page.text())
        assert page.status == 200 and "Spring cohort" in text
        assert "Alice & Bob" in text and "Old circle" not in text  # the cycle's groups only
        assert re.search(r"day 30</td><td>3\.0</td><td>2/2", text)
        missing = await client.get(f"/guilds/{server.guild.id}?cycle=999999")
        assert missing.status == 404


async def test_the_program_report_can_be_narrowed_to_a_cycles_groups(server, bot, timeline):
    await tokyo_and_denver(server)
    await server.cora.run("group create", name="Old circle", kind="peer")  # made outside any cycle
    early = await server.cora.run("report program", cycle=Typed("Spring"))
    assert early.private and "has not started yet" in early.text
    await timeline.to(utc(2026, 12, 24, 1, 0))

    report = await server.cora.run("report program", cycle=Typed("Spring"))
    assert "Program report · Spring cohort" in report.text
    csv_attachment = next(a for a in report.message["attachments"] if a["filename"].endswith(".csv"))
    _, data, _ = server.fake.world.files[int(csv_attachment["id"])]
    rows = data.decode()
    assert "Alice & Bob" in rows and "Old circle" not in rows
    everything = await server.cora.run("report program")
    _, data, _ = server.fake.world.files[
        int(next(a for a in everything.message["attachments"] if a["filename"].endswith(".csv"))["id"])
    ]
    assert "Old circle" in data.decode()


async def test_the_research_export_can_be_narrowed_to_a_cycle_and_holds_only_those_who_opted_in(
    server, bot, timeline, fake, database_url
):
    await tokyo_and_denver(server)
    old = await create_group(server.cora, "Old circle", "peer")
    await add_member(server.cora, old, server.dana, "peer")
    for person in (server.alice, server.dana):  # Bob does not opt in
        answer = await person.run("privacy research", choice="on")
        assert answer.private
    await timeline.to(utc(2026, 12, 24, 1, 0))
    async with dashboard(fake, bot, database_url, research_key="a long random research key") as client:
        await sign_in(client, fake, server.olivia.user)
        exports = html.unescape(await (await client.get(f"/guilds/{server.guild.id}/exports")).text())
        link = re.search(r'href="(/guilds/\d+/exports/research\.csv\?days=\d+&cycle=\d+)"', exports)
        assert link and "Spring cohort" in exports
        everyone = (
            await (await client.get(f"/guilds/{server.guild.id}/exports/research.csv")).text()
        ).splitlines()
        cycle = (await (await client.get(link[1])).text()).splitlines()
        assert len(everyone) == 3 and len(cycle) == 2  # a header, then one row per opted-in member and group
        assert ",one_to_one," in cycle[1] and all(",peer," not in row for row in cycle)
        missing = await client.get(f"/guilds/{server.guild.id}/exports/research.csv?cycle=999999")
        assert missing.status == 404
