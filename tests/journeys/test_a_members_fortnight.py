"""Journey: a member's fortnight in a peer group, from the first check-in to a coffee with a stranger.

Alice (Tokyo) and Bob (Denver) are peers in the "Writing Circle", which Cora, a coordinator,
set up with daily check-ins at 09:00. Over two weeks Alice answers her check-ins, takes a break,
works on a goal with milestones and Bob as her partner, gets a nudge when she goes quiet and a
reminder before her goal is due, and has coffee with someone from another group.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.bot import running_bot, settings_for
from tests.support.people import Typed, moments, text_of
from tests.support.program import add_member, create_group, set_timezone
from tests.support.timeline import Timeline

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # the clock's start: 17:00 in Tokyo, 01:00 in Denver
TOKYO = ZoneInfo("Asia/Tokyo")
DENVER = ZoneInfo("America/Denver")


def tokyo_nine(day: int) -> datetime:
    """09:00:30 in Tokyo on ``day`` November 2026 (00:00:30 UTC)."""
    return datetime(2026, 11, day, 0, 0, 30, tzinfo=UTC)


def denver_nine(day: int) -> datetime:
    """09:00:30 in Denver on ``day`` November 2026 (16:00:30 UTC)."""
    return datetime(2026, 11, day, 16, 0, 30, tzinfo=UTC)


def check_ins(person) -> list[dict]:
    """The check-in DMs a person got (answered ones included: those say "Check-in saved")."""
    return [m for m in person.dms() if re.search(r"^Check-in( saved)? · ", text_of(m), re.MULTILINE)]


@pytest.fixture
async def circle(server, bot, timeline):
    """Cora makes the Writing Circle with Alice and Bob, who agreed; daily check-ins at 09:00."""
    server.give_role(server.cora, "Program coordinators")
    await server.olivia.run("setup coordinator-role", role=server.guild.get_role("Program coordinators"))
    await set_timezone(server.alice, "Tokyo")
    await set_timezone(server.bob, "Denver")
    group = await create_group(server.cora, "Writing Circle", "peer")
    await add_member(server.cora, group, server.alice, "peer")
    await add_member(server.cora, group, server.bob, "peer")
    scheduled = await server.cora.run(
        "checkin schedule", group=Typed("Writing"), cadence="daily", time="09:00"
    )
    assert "Check-ins scheduled for Writing Circle" in scheduled.text
    await timeline.settle()
    return group


async def answer_check_in(person, dm: dict, mood: str, progress: str):
    form = await person.press(dm, "Answer")
    return await person.fill(
        form, {"How are you doing? (1 low – 5 great)": [mood], "Progress since last time?": progress}
    )


async def test_check_ins_arrive_at_nine_where_each_member_lives_and_are_answered_in_the_form(
    server, circle, timeline
):
    alice, bob = server.alice, server.bob
    await timeline.to(tokyo_nine(24))
    assert len(check_ins(alice)) == 1 and check_ins(bob) == []

    await timeline.to(denver_nine(24))
    assert len(check_ins(bob)) == 1 and len(check_ins(alice)) == 1  # each once

    saved = await answer_check_in(alice, check_ins(alice)[0], "4", "Drafted the specific aims.")
    assert "Seen by **only me**" in saved.text  # private unless she shares it
    history = await alice.run("checkin history")
    assert history.private and "Drafted the specific aims." in history.text
    assert "Drafted" not in (await bob.run("checkin history")).text

    await timeline.to(tokyo_nine(25))
    assert len(check_ins(alice)) == 2  # the next day's, at nine again


async def test_a_break_stops_check_ins_and_they_come_back_when_it_ends(server, circle, timeline):
    alice, bob = server.alice, server.bob
    await timeline.to(tokyo_nine(24))
    paused = await alice.run("checkin pause", until="2026-11-26")
    assert paused.private and "No check-ins until after Thursday 26 November 2026" in paused.text

    for day in (25, 26):
        await timeline.to(tokyo_nine(day))
        await timeline.to(denver_nine(day))
    assert len(check_ins(alice)) == 1  # only the one before the break
    assert len(check_ins(bob)) == 2  # Bob's go on

    await timeline.to(tokyo_nine(27))
    assert len(check_ins(alice)) == 2  # the break is over

    await alice.run("checkin pause", until="2026-11-30")
    resumed = await alice.run("checkin resume")
    assert "Welcome back" in resumed.text
    await timeline.to(tokyo_nine(28))
    assert len(check_ins(alice)) == 3  # ended early: check-ins are back at once


async def test_a_break_taken_just_before_a_check_in_stops_that_one_too(server, circle, timeline):
    await timeline.to(datetime(2026, 11, 23, 23, 50, tzinfo=UTC))  # 08:50 in Tokyo: nine's is planned
    paused = await server.alice.run("checkin pause", until="2026-11-24")
    assert "No check-ins until after Tuesday 24 November 2026" in paused.text

    await timeline.to(tokyo_nine(24))
    assert check_ins(server.alice) == []  # "no check-ins" means none, the planned one included
    await timeline.to(tokyo_nine(25))
    assert len(check_ins(server.alice)) == 1  # the break is over


async def test_a_break_ended_just_before_a_check_in_brings_that_one_once(server, circle, timeline):
    await timeline.to(datetime(2026, 11, 23, 23, 40, tzinfo=UTC))  # 08:40 in Tokyo
    await server.alice.run("checkin pause", until="2026-11-26")
    await timeline.to(datetime(2026, 11, 23, 23, 50, tzinfo=UTC))  # nine's would be planned now
    resumed = await server.alice.run("checkin resume")
    assert "Welcome back" in resumed.text

    await timeline.to(tokyo_nine(24))
    await timeline.advance(hours=2)
    assert len(check_ins(server.alice)) == 1  # the one due after she came back, once


async def test_a_goal_with_milestones_and_a_partner_who_cheers(server, circle, timeline):
    alice, bob = server.alice, server.bob
    created = await alice.run(
        "goal set",
        title="Submit the R01",
        why="Independence as a researcher",
        visibility="partners",
        group=Typed("Writing"),
    )
    assert created.private and "New goal: Submit the R01" in created.text
    for milestone in ("Specific aims", "Research strategy"):
        added = await alice.run("goal milestone-add", goal=Typed("R01"), title=milestone)
        assert milestone in added.text
    partnered = await alice.run("goal partner", goal=Typed("R01"), user=bob)
    assert bob.mention in partnered.text
    told = await bob.dm("accountability partner")
    assert "Submit the R01" in text_of(told)

    goal = await alice.suggestion("goal milestone-done", "goal", "R01")
    ticked = await alice.run("goal milestone-done", goal=goal, milestone=Typed("aims"))
    assert "50%" in ticked.text

    news = await bob.dm("reached a milestone")
    cheered = await bob.press(news, "Cheer 👏")
    assert cheered.private and "Cheer sent" in cheered.text
    await alice.dm("cheered you on")

    shown = await bob.run("goal show", goal=Typed("R01"))
    assert "Specific aims" in shown.text  # her partner sees it; nobody else does
    assert "R01" not in (await server.dana.run("goal list", member=alice)).text

    done = await alice.run("goal done", goal=Typed("R01"), reflection="Aims first, always.")
    assert "Done: Submit the R01" in done.text and "100%" in done.text
    await bob.dm("Submit the R01", count=3)  # partnered, milestone, done


async def test_a_quiet_goal_gets_one_nudge_in_the_members_daytime(server, circle, timeline):
    alice = server.alice
    await alice.run("goal set", title="Write every morning")

    await timeline.advance(days=9, hours=12)
    assert alice.dms("How's your goal going?") == []
    arrived = None
    while arrived is None and timeline.now() < MONDAY + timedelta(days=12):  # ten days of silence, then
        await timeline.advance(hours=2)
        if alice.dms("How's your goal going?"):
            arrived = timeline.now().astimezone(TOKYO)
    assert arrived is not None, "no nudge after ten quiet days"
    assert 9 <= arrived.hour <= 20, f"nudged at {arrived:%H:%M} in Tokyo"  # within two hours of sending

    [nudge] = alice.dms("How's your goal going?")
    still = await alice.press(nudge, "Still on it")
    assert "Good to hear" in still.text
    for _ in range(4):
        await timeline.advance(hours=12)
    assert alice.dms("How's your goal going?") == []  # "still on it" counts: no second nudge


def due_reminders(person, title: str) -> list[dict]:
    """The DMs reminding a person of a goal's due date ("Coming up", "Due today")."""
    return [m for m in person.dms(title) if re.search(r"^(Coming up|Due today)\n", text_of(m))]


async def test_a_goal_due_soon_is_reminded_before_and_on_the_day_to_the_owner_and_partners(
    server, circle, timeline, fake, database_url, clock
):
    alice, bob = server.alice, server.bob
    await alice.run(
        "goal set", title="Send the draft", due="2026-11-25", visibility="partners", group=Typed("Writing")
    )
    await alice.run("goal partner", goal=Typed("draft"), user=bob)

    arrivals: dict[int, list[datetime]] = {alice.id: [], bob.id: []}

    async def step_until(moment: datetime, timeline) -> None:
        while timeline.now() < moment:
            await timeline.advance(hours=1)
            for person, zone in ((alice, TOKYO), (bob, DENVER)):
                got, now = arrivals[person.id], timeline.now().astimezone(zone)
                got += [now] * (len(due_reminders(person, "Send the draft")) - len(got))

    await step_until(datetime(2026, 11, 24, 12, tzinfo=UTC), timeline)  # "coming up" for both
    assert [len(arrivals[alice.id]), len(arrivals[bob.id])] == [1, 1]
    assert "due on Wednesday 25 November" in text_of(due_reminders(alice, "Send the draft")[0])

    # The bot restarts (a second process on the same database, the first still running: harsher).
    async with running_bot(fake, settings_for(fake, database_url), clock) as restarted:
        clock.set(datetime(2026, 11, 25, 1, tzinfo=UTC))  # 10:00 on the due day in Tokyo
        await asyncio.gather(Timeline(clock, fake, restarted).settle(), timeline.settle())
    await step_until(datetime(2026, 11, 26, tzinfo=UTC), timeline)  # to the end of the due day in Denver

    assert len(due_reminders(alice, "Send the draft")) == 2  # coming up, and on the day: once each
    assert len(due_reminders(bob, "Send the draft")) == 2
    assert "due today" in text_of(due_reminders(bob, "Send the draft")[1])
    for moment in arrivals[alice.id][:1] + arrivals[bob.id]:  # each in their own daytime
        assert 9 <= moment.hour <= 20, f"reminded at {moment:%H:%M} ({moment.tzinfo})"
    assert arrivals[bob.id][1].date().day == 25  # on the due day of his own calendar


async def test_a_goal_done_before_its_reminder_is_sent_gets_none(server, circle, timeline):
    alice, bob = server.alice, server.bob
    await timeline.to(datetime(2026, 11, 23, 14, tzinfo=UTC))  # 23:00 in Tokyo: hers waits for the morning
    await alice.run(
        "goal set", title="Book the venue", due="2026-11-25", visibility="partners", group=Typed("Writing")
    )
    await alice.run("goal partner", goal=Typed("venue"), user=bob)
    await timeline.advance(minutes=15)  # the goals sweep plans the "coming up" reminders
    done = await alice.run("goal done", goal=Typed("venue"))
    assert "Done: Book the venue" in done.text

    while timeline.now() < datetime(2026, 11, 26, tzinfo=UTC):
        await timeline.advance(hours=3)
    assert due_reminders(alice, "Book the venue") == [] and due_reminders(bob, "Book the venue") == []


async def test_a_private_goal_is_reminded_to_its_owner_only(server, circle, timeline):
    alice, bob = server.alice, server.bob
    await alice.run("goal set", title="Read two papers", due="2026-11-25", group=Typed("Writing"))
    while timeline.now() < datetime(2026, 11, 26, tzinfo=UTC):
        await timeline.advance(hours=3)
    assert len(due_reminders(alice, "Read two papers")) == 2
    assert bob.dms("Read two papers") == []


async def test_coffee_with_someone_from_another_group_and_we_met(server, circle, timeline):
    alice, dana = server.alice, server.dana
    server.guild.add_text_channel("coffee")
    coffee = server.guild.get_channel("coffee")
    setup = await server.cora.run("coffee setup", channel=coffee, weekday=0, every_weeks=2)
    assert "Coffee pairings are on" in setup.text
    for person in (alice, dana):
        joined = await person.run("coffee join")
        assert "You're in" in joined.text
    status = await alice.run("coffee status")
    [next_round] = moments(status.text)[:1]

    await timeline.to(next_round)
    [thread] = [t for t in server.guild.threads if t.parent_id == coffee.id]
    assert alice.can_see(thread) and dana.can_see(thread) and not server.bob.can_see(thread)
    [intro] = server.fake.channel_messages(thread)
    assert "Coffee time" in text_of(intro) and "Asia/Tokyo" in text_of(intro)

    await timeline.advance(days=12)
    question = server.fake.channel_messages(thread)[-1]
    assert "Did you meet?" in text_of(question)
    met = await alice.press(question, "We met")
    assert met.private and "Wonderful" in met.text
    assert "✅ met" in (await alice.run("coffee history")).text
    stats = await server.cora.run("coffee stats")
    assert "Pairs made 1" in stats.text and "1 of 1 who answered" in stats.text
