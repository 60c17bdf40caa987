"""The audit: when a command's answer says something happened, it happened, and it stays so.

One story per command that no other journey or end-to-end test follows to its consequence:
the answer is read, then time moves or someone else looks, and what the answer promised is
checked where people see it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.people import Typed, moments, text_of
from tests.support.program import add_member, create_group, mentioned_channel

NINE = datetime(2026, 11, 24, 9, 0, 30, tzinfo=UTC)  # everyone here lives on UTC


def check_ins(person) -> list[dict]:
    return [m for m in person.dms() if text_of(m).startswith(("Check-in ·", "Check-in saved ·"))]


@pytest.fixture
async def circle(server, bot, timeline):
    """Olivia (the owner, so a coordinator) makes the Writing Circle with Alice and Bob; all agreed."""
    group = await create_group(server.olivia, "Writing Circle", "peer")
    for person in (server.alice, server.bob):
        await add_member(server.olivia, group, person, "peer")
    await timeline.settle()
    return group


async def daily_check_ins(server, **options) -> int:
    """Olivia schedules the circle's check-ins every day at 09:00; return the schedule as offered."""
    answer = await server.olivia.run(
        "checkin schedule", group="Writing Circle", cadence="daily", time="09:00", **options
    )
    assert "Check-ins scheduled" in answer.text
    return await server.olivia.suggestion("checkin now", "schedule", "Writing")


# -- check-ins ------------------------------------------------------------------------------


async def test_a_schedule_moved_to_another_time_arrives_then(server, circle, timeline):
    schedule = await daily_check_ins(server)
    edited = await server.olivia.run("checkin edit", schedule=schedule, time="14:00")
    assert "Schedule updated" in edited.text and "14:00" in edited.text
    await timeline.to(NINE)
    assert check_ins(server.alice) == []
    await timeline.to(NINE.replace(hour=14))
    assert len(check_ins(server.alice)) == 1


async def test_a_paused_schedule_sends_nothing_until_resumed(server, circle, timeline):
    schedule = await daily_check_ins(server)
    paused = await server.olivia.run("checkin schedule-pause", schedule=schedule, paused=True)
    assert paused.text.startswith("Paused")
    await timeline.to(NINE)
    await timeline.to(NINE + timedelta(days=1))
    assert check_ins(server.alice) == []
    resumed = await server.olivia.run("checkin schedule-pause", schedule=schedule, paused=False)
    assert resumed.text.startswith("Resumed")
    await timeline.to(NINE + timedelta(days=2))
    assert len(check_ins(server.alice)) == 1


async def test_a_deleted_schedule_sends_no_more_check_ins(server, circle, timeline):
    schedule = await daily_check_ins(server)
    await timeline.to(NINE)
    assert len(check_ins(server.alice)) == 1
    deleted = await server.olivia.run("checkin schedule-delete", schedule=schedule)
    assert "sends no more check-ins" in deleted.text
    await timeline.to(NINE + timedelta(days=1))
    await timeline.to(NINE + timedelta(days=2))
    assert len(check_ins(server.alice)) == 1
    listed = await server.alice.run("checkin schedules", group=Typed("Writing"))
    assert "No check-ins scheduled" in listed.text


async def test_a_schedule_paused_just_before_nine_sends_nothing_at_nine_and_resumed_sends_once(
    server, circle, timeline
):
    schedule = await daily_check_ins(server)
    await timeline.to(NINE - timedelta(minutes=10))  # nine o'clock's check-ins are planned now
    await server.olivia.run("checkin schedule-pause", schedule=schedule, paused=True)
    await timeline.to(NINE)
    assert check_ins(server.alice) == [] and check_ins(server.bob) == []

    await timeline.to(NINE + timedelta(days=1, minutes=-10))
    resumed = await server.olivia.run("checkin schedule-pause", schedule=schedule, paused=False)
    assert resumed.text.startswith("Resumed")
    await timeline.to(NINE + timedelta(days=1))
    await timeline.advance(hours=1)
    assert len(check_ins(server.alice)) == 1 and len(check_ins(server.bob)) == 1  # the day's, once


async def test_a_schedule_deleted_just_before_nine_sends_nothing_at_nine(server, circle, timeline):
    schedule = await daily_check_ins(server)
    await timeline.to(NINE - timedelta(minutes=10))  # nine o'clock's check-ins are planned now
    deleted = await server.olivia.run("checkin schedule-delete", schedule=schedule)
    assert "sends no more check-ins" in deleted.text
    await timeline.to(NINE)
    assert check_ins(server.alice) == [] and check_ins(server.bob) == []


async def test_a_member_paused_just_before_nine_gets_nothing_at_nine_and_restored_gets_the_next_once(
    server, circle, timeline
):
    await daily_check_ins(server)
    await timeline.to(NINE - timedelta(minutes=10))  # nine o'clock's check-ins are planned now
    await server.olivia.run("facilitate pause", group="Writing Circle", user=server.bob, reason="Leave")
    await timeline.to(NINE)
    assert check_ins(server.bob) == [] and len(check_ins(server.alice)) == 1

    await timeline.to(NINE + timedelta(days=1, minutes=-10))
    await server.olivia.run("facilitate restore", group="Writing Circle", user=server.bob)
    await timeline.to(NINE + timedelta(days=1))
    await timeline.advance(hours=1)
    assert len(check_ins(server.bob)) == 1


async def test_a_member_who_erases_their_data_just_before_nine_gets_no_check_in(server, circle, timeline):
    await daily_check_ins(server)
    await timeline.to(NINE - timedelta(minutes=10))  # nine o'clock's check-ins are planned now
    asked = await server.bob.run("privacy erase")
    erased = await (await server.bob.press(asked, "Erase")).shows("Erased")
    assert erased.private
    await timeline.to(NINE)
    await timeline.to(NINE + timedelta(days=1))
    assert check_ins(server.bob) == [] and len(check_ins(server.alice)) == 2


async def test_a_question_set_of_ones_own_is_what_members_are_asked(server, circle, timeline):
    form = await server.olivia.run("checkin questions")
    saved = await server.olivia.fill(
        form,
        {"Name": "Writers", "Questions (one per line, up to 5)": "Words written today? [scale]\nWhat next?"},
    )
    assert "Saved “Writers”" in saved.text
    await daily_check_ins(
        server, questions=await server.olivia.suggestion("checkin schedule", "questions", "Writ")
    )
    await timeline.to(NINE)
    [dm] = check_ins(server.alice)
    asked = await server.alice.press(dm, "Answer")
    fields = str(asked.reply.modal)
    assert "Words written today?" in fields and "What next?" in fields


async def test_a_member_who_turns_dms_off_gets_no_dm_and_can_answer_in_the_server(server, circle, timeline):
    await daily_check_ins(server)
    off = await server.alice.run("profile dms", allowed=False)
    assert "DMs from the bot off" in off.text
    await timeline.to(NINE)
    assert check_ins(server.alice) == [] and len(check_ins(server.bob)) == 1
    form = await server.alice.run("checkin answer")
    assert form.is_form  # her check-in waits for her in the server
    on = await server.alice.run("profile dms", allowed=True)
    assert "DMs from the bot on" in on.text
    await timeline.to(NINE + timedelta(days=1))
    assert len(check_ins(server.alice)) == 1


async def test_leaving_a_group_ends_its_check_ins_and_its_home(server, circle, timeline):
    await daily_check_ins(server)
    left = await server.bob.run("group leave", group=Typed("Writing"))
    assert "You are no longer in" in left.text
    assert not server.bob.can_see(circle.home)
    await timeline.to(NINE)
    assert check_ins(server.bob) == [] and len(check_ins(server.alice)) == 1


async def test_leaving_a_group_just_before_nine_gets_no_check_in_at_nine(server, circle, timeline):
    await daily_check_ins(server)
    await timeline.to(NINE - timedelta(minutes=10))  # nine o'clock's check-ins are planned now
    await server.bob.run("group leave", group=Typed("Writing"))
    await timeline.to(NINE)
    assert check_ins(server.bob) == []


async def test_a_member_paused_by_the_facilitator_gets_no_check_ins_until_restored(server, circle, timeline):
    await daily_check_ins(server)
    paused = await server.olivia.run(
        "facilitate pause", group="Writing Circle", user=server.bob, reason="Leave"
    )
    assert "until restored" in paused.text
    await timeline.to(NINE)
    assert check_ins(server.bob) == [] and not server.bob.can_see(circle.home)
    restored = await server.olivia.run("facilitate restore", group="Writing Circle", user=server.bob)
    assert restored.private
    await timeline.to(NINE + timedelta(days=1))
    assert len(check_ins(server.bob)) == 1 and server.bob.can_see(circle.home)


async def test_an_archived_group_keeps_its_history_and_stops_its_schedules(server, circle, timeline):
    await daily_check_ins(server)
    server.alice.say("Our first message", circle.home)
    asked = await server.olivia.run("group archive", group="Writing Circle")
    done = await (await server.olivia.press(asked, "Archive")).shows("Archived")
    assert done.private
    await timeline.to(NINE)
    await timeline.to(NINE + timedelta(days=1))
    assert check_ins(server.alice) == [] and check_ins(server.bob) == []
    assert not server.alice.can_see(circle.home)
    assert [m["content"] for m in server.fake.channel_messages(circle.home)][-1] == "Our first message"


# -- coffee ---------------------------------------------------------------------------------


@pytest.fixture
async def coffee(server, bot, timeline):
    channel = server.guild.add_text_channel("coffee")
    await server.fake.settle()
    setup = await server.olivia.run("coffee setup", channel=channel, weekday=0, every_weeks=1)
    assert "Coffee pairings are on" in setup.text
    for person in (server.alice, server.bob, server.dana, server.emeka):
        await person.run("coffee join")
    return channel


async def next_round(server, timeline, channel) -> list:
    """The next coffee round's moment, as `/coffee status` shows it, comes; return its threads."""
    status = await server.alice.run("coffee status")
    before = {t.id for t in server.guild.threads}
    await timeline.to(moments(status.text)[0])
    return [t for t in server.guild.threads if t.parent_id == channel.id and t.id not in before]


def paired_with(person, threads) -> set[int]:
    [mine] = [t for t in threads if person.id in t.thread_members]
    return set(mine.thread_members) - {person.id}


async def test_leaving_coffee_means_no_pairing_and_stopping_it_means_no_round(server, coffee, timeline):
    left = await server.emeka.run("coffee leave")
    assert "won't be paired again" in left.text
    threads = await next_round(server, timeline, coffee)
    assert all(server.emeka.id not in t.thread_members for t in threads)

    stopped = await server.olivia.run("coffee stop")
    assert "No more rounds" in stopped.text
    await timeline.advance(days=8)
    await timeline.advance(days=7)
    assert [t for t in server.guild.threads if t.parent_id == coffee.id] == threads
    status = (await server.alice.run("coffee status")).text
    assert "In." in status and "Paused by the coordinators" in status  # members stay opted in


async def test_someone_taken_off_the_do_not_pair_list_can_be_paired_again(server, coffee, timeline):
    await server.emeka.run("coffee leave")
    await server.dana.run("coffee leave")  # two left: alice and bob
    avoided = await server.alice.run("coffee avoid", member=server.bob)
    assert "Nobody else can see this list" in avoided.text
    assert await next_round(server, timeline, coffee) == []
    allowed = await server.alice.run("coffee allow", member=server.bob)
    assert allowed.private and "weren't on your list" not in allowed.text
    threads = await next_round(server, timeline, coffee)
    assert paired_with(server.alice, threads) >= {server.bob.id}


# -- discussions, prompts -------------------------------------------------------------------


async def test_a_cleared_queue_leaves_the_next_discussion_to_the_library(server, circle, timeline):
    await server.olivia.run(
        "discuss queue add", group="Writing Circle", prompt="What would you tell your first-year self?"
    )
    cleared = await server.olivia.run("discuss queue clear", group="Writing Circle")
    assert cleared.private and "Removed 1 prompt" in cleared.text
    shown = await server.olivia.run("discuss schedule show", group="Writing Circle")
    assert "first-year self" not in shown.text
    rules = await server.alice.run("discuss rules", group="Writing Circle")
    assert "stays here" in rules.text


async def test_light_prompts_added_retired_and_stopped(server, circle, timeline):
    form = await server.olivia.run("prompts add")
    added = await server.olivia.fill(
        form, {"Topic": "teaching", "Prompt": "What did you learn from a student this week?"}
    )
    assert added.private
    library = await server.alice.run("prompts library", search="student")
    assert "learn from a student" in library.text
    retired = await server.olivia.run("prompts retire", prompt=Typed("student"))
    assert "Prompt retired" in retired.text
    assert "learn from a student" not in (await server.alice.run("prompts library", search="student")).text

    lounge = server.general
    await server.olivia.run("prompts schedule", channel=lounge, every_days=1)
    stopped = await server.olivia.run("prompts stop", channel=lounge)
    assert "No more prompts there" in stopped.text
    for hour in (10, 12, 15):
        await timeline.to(NINE.replace(hour=hour))
    assert not any("💬" in text_of(m) for m in server.fake.channel_messages(lounge))


# -- moderation -----------------------------------------------------------------------------


async def test_a_lifted_timeout_lets_the_member_write_again(server, circle, timeline):
    home = server.channel(circle.home)
    await server.olivia.run(
        "facilitate timeout", group="Writing Circle", user=server.bob, minutes=60, reason="Cool off"
    )
    with pytest.raises(AssertionError):
        server.bob.say("still here?", home)
    lifted = await server.olivia.run("facilitate untimeout", group="Writing Circle", user=server.bob)
    assert lifted.private and "can talk again" in lifted.text
    server.bob.say("Thanks, I'm calmer now.", home)  # Discord lets him write again


# -- goals ----------------------------------------------------------------------------------


async def test_milestones_moved_and_a_goal_paused_show_as_answered(server, circle, timeline):
    alice = server.alice
    await alice.run("goal set", title="Write the book")
    for title in ("Outline", "Chapter one", "Chapter two"):
        await alice.run("goal milestone-add", goal=Typed("book"), title=title)
    moved = await alice.run("goal milestone-move", goal=Typed("book"), milestone=Typed("two"), position=1)
    assert moved.text.index("Chapter two") < moved.text.index("Outline")
    shown = await alice.run("goal show", goal=Typed("book"))
    assert shown.text.index("Chapter two") < shown.text.index("Outline")

    paused = await alice.run("goal status", goal=Typed("book"), status="paused")
    assert "paused" in paused.text.lower()
    await timeline.advance(days=12)
    await timeline.advance(hours=12)
    assert alice.dms("How's your goal going?") == []  # a paused goal is not nudged
    resumed = await alice.run("goal status", goal=Typed("book"), status="active")
    assert "paused" not in resumed.text.lower()


# -- groups ---------------------------------------------------------------------------------


async def test_a_renamed_group_is_found_by_its_new_name(server, circle):
    renamed = await server.olivia.run("group rename", group="Writing Circle", name="Authors")
    assert "Authors" in renamed.text
    assert "Authors" in (await server.alice.run("group list")).text
    info = await server.alice.run("group info", group=Typed("Auth"))
    assert mentioned_channel(info) == circle.home


async def test_an_opened_group_can_be_joined_and_its_cadence_shows(server, circle):
    refused = await server.dana.run("group join", group="Writing Circle")
    assert "No group “Writing Circle” here" in refused.text  # a closed group is not even shown
    opened = await server.olivia.run("group settings", group="Writing Circle", open=True, meets_every_weeks=3)
    assert opened.private
    joined = await server.dana.run("group join", group=Typed("Writing"))
    assert "Almost there" in joined.text
    await (await server.dana.press(joined, "I agree")).shows("Welcome to")
    assert server.dana.can_see(circle.home)
    assert "every 3 weeks" in (await server.dana.run("group info", group=Typed("Writing"))).text


async def test_a_new_home_opens_to_the_members_who_agreed(server, circle):
    moved = await server.olivia.run("group home", group="Writing Circle")
    new_home = mentioned_channel(moved)
    assert new_home != circle.home
    assert server.alice.can_see(new_home) and server.bob.can_see(new_home)
    assert not server.dana.can_see(new_home)
    info = await server.alice.run("group info", group=Typed("Writing"))
    assert mentioned_channel(info) == new_home


async def test_group_channels_go_in_the_chosen_category(server, bot):
    category = server.guild.add_category("Mentoring groups")
    await server.fake.settle()
    chosen = await server.olivia.run("setup home-category", category=category)
    assert "Group channel category saved" in chosen.text
    group = await create_group(server.olivia, "Pod", "peer")
    assert server.channel(group.home).parent_id == category.id


async def test_weekly_wins_come_on_the_chosen_day_and_stop_when_off(server, circle, timeline):
    await server.alice.run("goal set", title="Submit the R01", visibility="group", group="Writing Circle")
    await server.alice.run("goal update", goal=Typed("R01"), progress=30)
    chosen = await server.olivia.run("group wins", group="Writing Circle", day=2)  # Wednesday
    assert chosen.private and "Wednesday" in chosen.text

    def wins() -> list[dict]:
        return [m for m in server.fake.channel_messages(circle.home) if "Weekly wins" in text_of(m)]

    await timeline.to(datetime(2026, 11, 24, 23, tzinfo=UTC))  # Tuesday, all day: nothing yet
    assert wins() == []
    await timeline.to(datetime(2026, 11, 25, 23, tzinfo=UTC))  # Wednesday, all day
    assert len(wins()) == 1
    off = await server.olivia.run("group wins", group="Writing Circle", day=-1)
    assert off.private and "Weekly wins are off" in off.text
    await timeline.to(datetime(2026, 12, 2, 23, tzinfo=UTC))
    assert len(wins()) == 1


# -- matching -------------------------------------------------------------------------------


async def test_someone_who_opted_out_is_not_matched(server, bot):
    for person, wants in ((server.alice, "mentor"), (server.bob, "mentee")):
        await person.run("match optin", wants=wants)
    out = await server.bob.run("match optout")
    assert "You won't be matched" in out.text
    proposal = await server.olivia.run("match suggest", mode="one_to_one")
    assert server.bob.mention not in proposal.text
