"""Meetings across time zones end to end: a poll marked on each member's clock, a ranked and confirmed
time, the server's scheduled event, reminders outside quiet hours, RSVPs, attendance, recurring
meetings and cancelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import MeetingAttendance, MeetingBurden
from tests.e2e.conftest import World, button_id, final
from tests.e2e.people import set_clock
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import P

# The clock starts on Monday 23 November 2026, 08:00 UTC. Carol facilitates from London, Alice lives
# in New York and Bob in Kolkata (UTC+05:30), whose quiet hours start at 18:00.
MONDAY_1400 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # London 14:00, New York 09:00, Kolkata 19:30
TUESDAY_0900 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # London 09:00, New York 04:00, Kolkata 14:30
WEDNESDAY_1600 = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # London 16:00, New York 11:00, Kolkata 21:30


@pytest.fixture
async def zones(fake, world: World, circle):
    """The circle's members set their time zones (and Bob his quiet hours) in the profile form."""
    await set_clock(fake, world.guild, circle.carol, "Europe/London")
    await set_clock(fake, world.guild, world.alice, "America/New_York")
    await set_clock(fake, world.guild, world.bob, "Asia/Kolkata", "18:00-19:00")
    return circle


def home_messages(fake, circle) -> list[dict]:
    return fake.channel_messages(circle.home.channel_id)


def titled(messages: list[dict], text: str) -> list[dict]:
    return [m for m in messages if text in embed_text(m)]


async def mark(fake, user, poll: dict, *labels: str) -> dict:
    """``user`` opens the poll's menu and picks the times labelled ``labels`` (on their own clock)."""
    opened = await fake.click(user, poll, button_id(poll, "Mark my times"))
    assert opened.ephemeral
    [menu] = [c for row in opened.message["components"] for c in row["components"]]
    values = [o["value"] for o in menu["options"] if any(o["label"].startswith(label) for label in labels)]
    assert len(values) == len(labels), (labels, [o["label"] for o in menu["options"]])
    picked = await fake.select(user, opened, menu["custom_id"], values=values)
    return picked.message


async def plan_three_times(fake, world, timeline, circle) -> dict:
    planned = await fake.slash(
        circle.carol,
        world.guild,
        "meet plan",
        group="Circle",
        times="2026-11-30 14:00, 2026-12-01 09:00; 2026-12-02 4pm",
    )
    answer = await final(planned)
    assert planned.ephemeral and "Poll posted" in embed_text(answer)
    await timeline.settle()
    [poll] = titled(home_messages(fake, circle), "when can you meet?")
    return poll


async def test_a_meeting_from_the_poll_to_the_server_event_reminders_and_attendance(
    fake, world, bot, zones, timeline
):
    circle = zones
    poll = await plan_three_times(fake, world, timeline, circle)
    assert f"<t:{int(MONDAY_1400.timestamp())}:F>" in embed_text(poll)  # every reader sees their own clock

    # Each member sees the times on their own clock in a private menu.
    opened = await fake.click(world.alice, poll, button_id(poll, "Mark my times"))
    labels = [
        o["label"] for row in opened.message["components"] for c in row["components"] for o in c["options"]
    ]
    assert labels == ["Mon 30 Nov, 09:00", "Tue 1 Dec, 04:00", "Wed 2 Dec, 11:00"]
    saved = await mark(fake, world.alice, poll, "Mon 30 Nov, 09:00", "Wed 2 Dec, 11:00")
    assert "2 of 3 times work for you" in embed_text(saved)
    await mark(fake, world.bob, poll, "Mon 30 Nov, 19:30", "Wed 2 Dec, 21:30")
    await mark(fake, circle.carol, poll, "Mon 30 Nov, 14:00", "Tue 1 Dec, 09:00", "Wed 2 Dec, 16:00")

    results = await fake.slash(circle.carol, world.guild, "meet results", group="Circle")
    ranked = embed_text(results.message)
    assert results.ephemeral and "3 of 3 members have answered" in ranked
    # Monday and Wednesday suit all three; Monday wins: 19:30 weighs less on Bob than Wednesday's 21:30.
    monday, wednesday = (f"<t:{int(moment.timestamp())}:F>" for moment in (MONDAY_1400, WEDNESDAY_1600))
    assert ranked.index("#1 · 3/3 can come") < ranked.index(monday) < ranked.index("#2 · 3/3 can come")
    assert ranked.index("#2 · 3/3 can come") < ranked.index(wednesday)
    assert f"Awkward hour for: <@{world.bob.id}> (21:30)" in ranked

    confirmed = await final(await fake.slash(circle.carol, world.guild, "meet confirm", group="Circle"))
    assert "Meeting confirmed" in embed_text(confirmed)
    [event] = fake.scheduled_events(world.guild)
    assert event.scheduled_start_time == MONDAY_1400
    assert event.scheduled_end_time == MONDAY_1400 + timedelta(hours=1)
    assert event.entity_type == 3 and event.location.endswith(f"/{circle.home.channel_id}")
    assert event.name == "Mentoring group meeting"  # a closed group's name stays off the server calendar
    assert f"https://discord.com/events/{world.guild.id}/{event.id}" in embed_text(confirmed)

    await timeline.settle()
    [announced] = titled(home_messages(fake, circle), "3 of 3 said this time works")
    assert f"<t:{int(MONDAY_1400.timestamp())}:F>" in embed_text(announced)
    going = await fake.click(world.bob, announced, button_id(announced, "Going"))
    assert going.ephemeral and "See you" in embed_text(going.message)

    # A day before: everyone is reminded by DM.
    await timeline.to(MONDAY_1400 - timedelta(hours=24))
    for person in (circle.carol, world.alice, world.bob):
        assert len(titled(fake.dm_messages(person), "Meeting tomorrow")) == 1
    [alices] = titled(fake.dm_messages(world.alice), "Meeting tomorrow")
    cant = await fake.click(world.alice, alices, button_id(alices, "Can't make it"))
    assert "No reminders for this one" in embed_text(cant.message)

    # An hour before, except Bob: 18:30 is in his quiet hours, so his came at 17:45, before they began.
    await timeline.to(datetime(2026, 11, 30, 12, 14, tzinfo=UTC))
    assert titled(fake.dm_messages(world.bob), "Meeting soon") == []
    await timeline.to(datetime(2026, 11, 30, 12, 15, tzinfo=UTC))
    assert len(titled(fake.dm_messages(world.bob), "Meeting soon")) == 1
    await timeline.to(MONDAY_1400 - timedelta(hours=1))
    assert len(titled(fake.dm_messages(circle.carol), "Meeting soon")) == 1
    assert titled(fake.dm_messages(world.alice), "Meeting soon") == []  # she can't make it
    await timeline.settle()
    assert len(titled(fake.dm_messages(circle.carol), "Meeting soon")) == 1  # sent once

    # After the meeting the facilitator is asked who came; the rate is kept for reports.
    await timeline.to(MONDAY_1400 + timedelta(hours=1, minutes=1))
    assert fake.scheduled_events(world.guild)[0].status == 3  # Discord ended the external event
    await timeline.settle()
    [prompt] = titled(fake.dm_messages(circle.carol), "Record attendance")
    form = await fake.click(circle.carol, prompt, button_id(prompt, "Record attendance"))
    assert form.ephemeral
    picker = next(c for row in form.message["components"] for c in row["components"] if c["type"] == 5)
    assert {int(d["id"]) for d in picker["default_values"]} == {circle.carol.id, world.bob.id}
    await fake.select(circle.carol, form, picker["custom_id"], values=[circle.carol, world.bob])
    saved = await fake.click(circle.carol, form, button_id(form.message, "Save"))
    summary = embed_text(saved.message)
    assert "Came (2)" in summary and "Absent (1)" in summary and "67% attendance" in summary

    async with bot.services.db.transaction() as session:
        rows = {
            r.user_id: (r.rsvp, r.attended) for r in (await session.scalars(select(MeetingAttendance))).all()
        }
        ledger = {r.user_id: r.burden for r in (await session.scalars(select(MeetingBurden))).all()}
    assert rows == {
        circle.carol.id: ("going", True),
        world.alice.id: ("declined", False),
        world.bob.id: ("going", True),
    }
    assert ledger[world.bob.id] > ledger[circle.carol.id]  # 19:30 in Kolkata weighs more than 14:00 in London

    listed = embed_text(await final(await fake.slash(world.alice, world.guild, "meet list", group="Circle")))
    assert "2 came" in listed and "67% over 1 recorded meeting" in listed


async def test_only_facilitators_plan_and_only_members_mark_their_times(fake, world, bot, zones, timeline):
    circle = zones
    refused = await final(await fake.slash(world.alice, world.guild, "meet plan", group="Circle"))
    assert "Only coordinators and the facilitators" in embed_text(refused)
    poll = await plan_three_times(fake, world, timeline, circle)
    dave = fake.add_user("dave")
    world.guild.add_member(dave)
    home = world.guild.get_channel(circle.home.channel_id)
    with pytest.raises(AssertionError, match="cannot see"):  # the home is private to the group
        await fake.click(dave, poll, button_id(poll, "Mark my times"))
    assert home is not None
    again = await final(await fake.slash(circle.carol, world.guild, "meet plan", group="Circle"))
    assert "already has an open poll" in embed_text(again)


async def test_without_create_events_the_bot_says_which_permission_it_needs(
    fake, world, bot, zones, timeline
):
    circle = zones
    role = world.guild.bot_role
    role.permissions &= ~int(P.CREATE_EVENTS)
    fake.world.emit_role_update(role)
    await fake.settle()
    answer = await final(await fake.slash(circle.carol, world.guild, "meet plan", group="Circle"))
    assert "**Create Events** permission" in embed_text(answer)
    assert titled(home_messages(fake, circle), "when can you meet?") == []


async def test_suggested_times_avoid_everyones_night(fake, world, bot, zones, timeline):
    circle = zones
    planned = await final(await fake.slash(circle.carol, world.guild, "meet plan", group="Circle", days=5))
    assert "weigh least on the members' clocks" in embed_text(planned)
    await timeline.settle()
    [poll] = titled(home_messages(fake, circle), "when can you meet?")
    opened = await fake.click(world.bob, poll, button_id(poll, "Mark my times"))
    labels = [
        o["label"] for row in opened.message["components"] for c in row["components"] for o in c["options"]
    ]
    assert 1 <= len(labels) <= 8
    hours = [int(label.split(", ")[1][:2]) for label in labels]  # on Bob's clock, in Kolkata
    assert all(6 <= hour < 24 for hour in hours)


async def test_a_recurring_meeting_is_set_a_week_ahead_at_the_fairest_hour_each_time(
    fake, world, bot, zones, timeline
):
    circle = zones
    started = await final(
        await fake.slash(
            circle.carol, world.guild, "meet recurring start", group="Circle", weekday=2, every_weeks=3
        )
    )
    assert "Every 3 weeks on Wednesday" in embed_text(started)
    # The command wakes the meetings sweep at once; later sweeps change nothing.
    await timeline.settle()
    await timeline.advance(minutes=5)
    [first] = fake.scheduled_events(world.guild)
    assert first.scheduled_start_time.date() == datetime(2026, 11, 25).date()
    assert len(titled(home_messages(fake, circle), "Our regular meeting")) == 1

    await timeline.to(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))  # a week before the next one
    await timeline.advance(minutes=5)
    events = fake.scheduled_events(world.guild)
    assert [e.scheduled_start_time.date() for e in events] == [
        datetime(2026, 11, 25).date(),
        datetime(2026, 12, 16).date(),
    ]
    listed = embed_text(await final(await fake.slash(world.bob, world.guild, "meet list", group="Circle")))
    assert "Every 3 weeks on Wednesday" in listed

    stopped = await final(await fake.slash(circle.carol, world.guild, "meet recurring stop", group="Circle"))
    assert "Regular meeting stopped" in embed_text(stopped)
    await timeline.to(datetime(2026, 12, 31, 9, 0, tzinfo=UTC))
    assert len(fake.scheduled_events(world.guild)) == 2  # no meeting after the stop


async def test_cancelling_a_meeting_cancels_its_event_and_reminders(fake, world, bot, zones, timeline):
    circle = zones
    poll = await plan_three_times(fake, world, timeline, circle)
    await mark(fake, world.alice, poll, "Wed 2 Dec, 11:00")
    slot = str(int(WEDNESDAY_1600.timestamp()))
    choices = await fake.autocomplete(
        circle.carol, world.guild, "meet confirm", focused="slot", group="Circle", slot=""
    )
    assert slot in [c["value"] for c in choices]
    await final(await fake.slash(circle.carol, world.guild, "meet confirm", group="Circle", slot=slot))
    [event] = fake.scheduled_events(world.guild)

    cancelled = await final(await fake.slash(circle.carol, world.guild, "meet cancel", group="Circle"))
    assert "is cancelled" in embed_text(cancelled) and "server event is cancelled too" in embed_text(
        cancelled
    )
    assert event.status == 4
    await timeline.to(WEDNESDAY_1600 - timedelta(hours=24))
    assert titled(fake.dm_messages(world.alice), "Meeting tomorrow") == []
    assert titled(home_messages(fake, circle), "Cancelled")
    async with bot.services.db.transaction() as session:
        ledger = (await session.scalars(select(MeetingBurden.burden))).all()
    assert all(burden == 0 for burden in ledger)  # nobody carried a meeting that didn't happen


async def test_a_time_picked_under_the_results_meets_in_the_voice_channel(fake, world, bot, zones, timeline):
    circle = zones
    voice = world.guild.add_voice_channel("Circle voice")
    await fake.settle()
    planned = await fake.slash(
        circle.carol,
        world.guild,
        "meet plan",
        group="Circle",
        title="Writing check-in",
        times="2026-12-01 09:00, 2026-12-02 16:00",
        voice=voice,
    )
    await final(planned)
    await timeline.settle()
    [poll] = titled(home_messages(fake, circle), "Writing check-in: when can you meet?")
    await mark(fake, world.bob, poll, "Wed 2 Dec, 21:30")

    results = await fake.slash(circle.carol, world.guild, "meet results", group="Circle")
    [menu] = [c for row in results.message["components"] for c in row["components"]]
    labels = [o["label"] for o in menu["options"]]
    assert labels == ["Wed 2 Dec, 16:00 · 1/3 can come", "Tue 1 Dec, 09:00 · 0/3 can come"]  # Carol's clock
    picked = await fake.select(circle.carol, results, menu["custom_id"], values=[menu["options"][0]["value"]])
    assert "Meeting confirmed" in embed_text(await final(picked))

    [event] = fake.scheduled_events(world.guild)
    assert (event.entity_type, event.channel_id, event.location) == (2, voice.id, None)
    assert event.name == "Writing check-in" and event.scheduled_start_time == WEDNESDAY_1600
    await timeline.settle()
    [announced] = titled(home_messages(fake, circle), "Writing check-in")[-1:]
    assert f"<#{voice.id}>" in embed_text(announced)
