"""Journey: a good ending. The cycle ends, members answer the closing survey, the homes are thanked
and archived a week later, and the member who asked is in the next cycle's intake; a match can
also end early, with a reason only coordinators see.
"""

from __future__ import annotations

from tests.journeys.test_cycle_agreement import home_says, matched_pair
from tests.support.local_time import at
from tests.support.people import Typed, text_of

SURVEY_ALICE = {
    "How was your mentoring this cycle?": "5 · excellent",
    "What did you get out of it?": ["I found my core values", "I set short-term goals"],
    "What next?": "Match me again next cycle",
    "Anything to add? (optional)": "Bob was a generous mentee.",
}
SURVEY_BOB = {
    "How was your mentoring this cycle?": "4 · good",
    "What did you get out of it?": ["I set short-term goals", "I built new skills"],
    "What next?": "Stop here for now",
}


async def answer_survey(person, fields):
    dm = await person.dm("Closing survey · Spring cohort")
    form = await person.press(dm, "Answer")
    return await person.fill(form, fields)


async def test_the_cycle_ends_with_a_survey_thanks_an_archive_and_a_place_in_the_next_intake(
    server, bot, timeline
):
    _, home = await matched_pair(server)
    await timeline.to(at("Europe/Berlin", 2027, 7, 31, 12, 0))  # the last day
    assert server.alice.dms("Closing survey") == []
    await timeline.to(at("Europe/Berlin", 2027, 8, 1, 10, 0))
    await server.fake.hub.wait_for(lambda: home_says(server, home, "has ended"), 15, "the thanks in the home")
    [thanks] = home_says(server, home, "Thank you")
    assert server.alice.mention in text_of(thanks) and server.bob.mention in text_of(thanks)

    done = await answer_survey(server.alice, SURVEY_ALICE)
    assert "next cycle's intake" in done.text
    assert "Thank you for taking part" in (await answer_survey(server.bob, SURVEY_BOB)).text
    again = await server.bob.run("program survey")
    assert again.private and "no closing survey" in again.text
    assert server.alice.can_see(home)  # a week to say goodbye

    await timeline.to(at("Europe/Berlin", 2027, 8, 8, 12, 0))
    assert not server.alice.can_see(home) and not server.bob.can_see(home)  # archived, history kept
    assert home_says(server, home, "Thank you")

    opened = await server.cora.run(
        "program cycle open", name="Autumn cohort", start="2027-09-01", end="2028-04-30"
    )
    assert "Cycle opened" in opened.text
    card = await server.cora.run("program applications")
    assert "Autumn cohort" in card.text and "1 pending" in card.text
    assert server.alice.mention in card.text and "Asked to be matched again" in card.text
    assert server.bob.mention not in card.text


async def test_a_member_ends_a_match_early_with_a_reason_only_coordinators_see(server, bot, timeline):
    _, home = await matched_pair(server)
    await timeline.to(at("Europe/Berlin", 2027, 2, 1, 12, 0))
    ended = await server.bob.run(
        "program end-match", group=Typed("Alice"), reason="We never find a time to meet."
    )
    assert ended.private and "Match ended" in ended.text
    assert not server.alice.can_see(home) and not server.bob.can_see(home)
    await server.alice.dm("Closing survey · Spring cohort")
    await server.bob.dm("Closing survey · Spring cohort")
    assert not any("never find a time" in text_of(m) for m in server.alice.dms())

    listed = await server.cora.run("program attention")
    assert f"ended early by {server.bob.mention}" in listed.text and "never find a time" in listed.text
    stranger = await server.dana.run("program end-match", group="1", reason="Not mine.")
    assert stranger.private and "not a match you're in" in stranger.text


async def test_the_program_asks_its_own_outcomes_and_the_report_counts_them(server, bot, timeline):
    await matched_pair(server)
    refused = await server.alice.run("program outcomes")
    assert refused.private and "Only coordinators" in refused.text
    form = await server.cora.run("program outcomes")
    assert "I found my core values" in str(form.reply.interaction.modal)  # the seed's, until changed
    saved = await server.cora.fill(form, {"Outcomes": "Published a paper\nWon a grant\n\nwon a grant"})
    assert "Published a paper" in saved.text and saved.text.count("Won a grant") == 1

    await timeline.to(at("Europe/Berlin", 2027, 8, 1, 10, 0))
    done = await answer_survey(
        server.alice,
        {
            "How was your mentoring this cycle?": "4 · good",
            "What did you get out of it?": ["Won a grant"],
            "What next?": "Keep in touch informally",
        },
    )
    assert "keep in touch" in done.text
    report = await server.cora.run("report cycle")
    assert "Won a grant: 1/1" in report.text and "Published a paper: 0/1" in report.text
    assert "core values" not in report.text


async def test_members_who_complete_the_cycle_are_given_the_recognition_role(server, bot, timeline):
    graduates = server.guild.add_role("Spring graduates")
    await matched_pair(server, recognition_role=graduates)
    assert graduates.id not in server.guild.member(server.alice.user).role_ids
    await timeline.to(at("Europe/Berlin", 2027, 7, 31, 12, 0))
    assert graduates.id not in server.guild.member(server.alice.user).role_ids  # not before the end
    await timeline.to(at("Europe/Berlin", 2027, 8, 1, 10, 0))
    for person in (server.alice, server.bob):
        assert graduates.id in server.guild.member(person.user).role_ids
    assert graduates.id not in server.guild.member(server.dana.user).role_ids
