"""Check-ins end to end: DMs at each member's local time, answered with buttons and a form."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import CheckinAnswer, CheckinDelivery
from tests.e2e.conftest import World, button_id, final
from tests.e2e.test_foundation import embed_text
from tests.support import program as support
from tests.support.bot import running_bot, settings_for
from tests.support.timeline import Timeline

MONDAY_EARLY = datetime(2026, 11, 23, 23, 50, tzinfo=UTC)  # 08:50 Tuesday in Tokyo
TOKYO_NINE = datetime(2026, 11, 24, 0, 0, 30, tzinfo=UTC)  # 09:00:30 Tuesday in Tokyo
DENVER_NINE = datetime(2026, 11, 24, 16, 0, 30, tzinfo=UTC)  # 09:00:30 Tuesday in Denver


class Circle:
    """A peer group with Alice in Tokyo and Bob in Denver, checking in daily at 09:00."""

    def __init__(self, world: World, timeline) -> None:
        self.world, self.timeline = world, timeline

    async def arrange(self, **schedule) -> None:
        """Olivia sets the group up through Discord; Alice and Bob set their zones and agree."""
        world = self.world
        await self.timeline.to(MONDAY_EARLY)
        await support.set_timezone(world.person(world.alice), "Tokyo")
        await support.set_timezone(world.person(world.bob), "Denver")
        olivia = world.person(world.owner)
        group = await support.create_group(olivia, "Writing Circle", "peer")
        for user in (world.alice, world.bob):
            await support.add_member(olivia, group, world.person(user), "peer")
        self.home = group.home
        options = {"cadence": "daily", "time": "09:00", **schedule}
        scheduled = await olivia.run("checkin schedule", group="Writing Circle", **options)
        assert "Check-ins scheduled for Writing Circle" in scheduled.text, scheduled.text
        self.schedule = await olivia.suggestion("checkin now", "schedule", "Writing Circle")
        await self.timeline.settle()  # welcomes and time-zone prompts go out now

    async def at(self, clock, moment: datetime) -> None:
        """Let the clock reach ``moment`` and the bot do what is due."""
        await self.timeline.to(moment)


def checkins_for(fake, user) -> list[dict]:
    return [m for m in fake.dm_messages(user) if "Check-in ·" in embed_text(m)]


async def answer_in_the_dm(person, mood: str, progress: str):
    """Press **Answer** on one's check-in DM and fill in the form."""
    [dm] = person.dms("Check-in ·")
    form = await person.press(dm, "Answer")
    return await person.fill(
        form, {"How are you doing? (1 low – 5 great)": [mood], "Progress since last time?": progress}
    )


@pytest.fixture
async def circle(bot, world, timeline):
    arranged = Circle(world, timeline)
    await arranged.arrange()
    return arranged


async def test_each_member_gets_the_check_in_at_nine_where_they_live(fake, world, circle, clock):
    assert checkins_for(fake, world.alice) == []

    await circle.at(clock, TOKYO_NINE)
    assert len(checkins_for(fake, world.alice)) == 1
    assert checkins_for(fake, world.bob) == []

    await circle.at(clock, DENVER_NINE)
    assert len(checkins_for(fake, world.bob)) == 1
    assert len(checkins_for(fake, world.alice)) == 1  # not doubled
    [dm] = checkins_for(fake, world.alice)
    assert [c["label"] for row in dm["components"] for c in row["components"]] == [
        "Answer",
        "Snooze 1 h",
        "Tomorrow",
        "Skip",
    ]


async def test_answering_in_the_form_stores_the_answer_privately_by_default(fake, world, bot, circle, clock):
    await circle.at(clock, TOKYO_NINE)
    [dm] = checkins_for(fake, world.alice)
    [answer_id] = [
        c["custom_id"] for row in dm["components"] for c in row["components"] if c["label"] == "Answer"
    ]

    form = await fake.click(world.alice, dm, answer_id)
    assert form.type == 9
    saved = await fake.submit_modal(
        world.alice,
        form,
        {
            "How are you doing? (1 low – 5 great)": ["4"],
            "Progress since last time?": "Drafted the specific aims.",
            "What is in your way?": "",
            "What help would be useful?": "A reader for the aims page",
        },
    )

    assert saved.type == 7  # the DM itself now shows the saved answer
    assert "Seen by **only me**" in embed_text(saved.message)
    async with bot.services.db.transaction() as session:
        answer = (await session.scalars(select(CheckinAnswer))).one()
    assert answer.visibility == "private"
    assert answer.answers[1]["value"] == "Drafted the specific aims."
    assert fake.channel_messages(circle.home)[-1]["content"] is None or "shared" not in (
        fake.channel_messages(circle.home)[-1]["content"] or ""
    )


async def test_sharing_with_the_group_posts_the_answer_and_unsharing_takes_it_down(
    fake, world, circle, clock
):
    await circle.at(clock, TOKYO_NINE)
    [dm] = checkins_for(fake, world.alice)
    form = await fake.click(world.alice, dm, button_id(dm, "Answer"))
    saved = await fake.submit_modal(
        world.alice,
        form,
        {"How are you doing? (1 low – 5 great)": ["5"], "Progress since last time?": "Submitted!"},
    )

    shared = await fake.click(world.alice, saved.message, button_id(saved.message, "Whole group"))
    assert "Seen by **the whole group**" in embed_text(shared.message)

    def posts() -> list[dict]:
        return [
            m for m in fake.channel_messages(circle.home) if "shared their check-in" in (m["content"] or "")
        ]

    await fake.hub.wait_for(lambda: len(posts()) == 1, 15, "the shared answer in the home")
    assert "Submitted!" in embed_text(posts()[0])

    await fake.click(world.alice, shared.message, button_id(shared.message, "Only me"))
    assert posts() == []


async def test_snooze_brings_the_check_in_back_later(fake, world, circle, clock):
    await circle.at(clock, TOKYO_NINE)
    [dm] = checkins_for(fake, world.alice)
    snoozed = await fake.click(world.alice, dm, button_id(dm, "Snooze 1 h"))
    assert "Snoozed" in embed_text(snoozed.message)

    await circle.timeline.advance(minutes=30)
    assert not any("snoozed check-in is back" in embed_text(m) for m in fake.dm_messages(world.alice))
    await circle.timeline.advance(minutes=31)
    back = [m for m in fake.dm_messages(world.alice) if "snoozed check-in is back" in embed_text(m)]
    assert len(back) == 1
    form = await fake.click(world.alice, back[0], button_id(back[0], "Answer"))
    assert form.type == 9


async def test_skip_closes_this_round_for_the_member(fake, world, circle, clock):
    await circle.at(clock, TOKYO_NINE)
    [dm] = checkins_for(fake, world.alice)
    skipped = await fake.click(world.alice, dm, button_id(dm, "Skip"))
    assert "Skipped" in embed_text(skipped.message)
    reply = await fake.slash(world.alice, world.guild, "checkin answer")
    assert "No check-in is waiting" in embed_text(reply.message)


async def test_closed_dms_take_the_fallback_path(fake, world, bot, circle, clock):
    fake.close_dms(world.bob)
    await circle.at(clock, DENVER_NINE)

    assert any(
        f"<@{world.bob.id}>" in (m["content"] or "") and "DMs are closed" in (m["content"] or "")
        for m in fake.channel_messages(circle.home)
    )
    async with bot.services.db.transaction() as session:
        delivery = await session.scalar(
            select(CheckinDelivery).where(CheckinDelivery.user_id == world.bob.id)
        )
    assert (delivery.status, delivery.failure) == ("undeliverable", "dm_closed")

    form = await fake.slash(world.bob, world.guild, "checkin answer")
    assert form.type == 9
    saved = await fake.submit_modal(world.bob, form, {"How are you doing? (1 low – 5 great)": ["3"]})
    assert saved.ephemeral and "Check-in saved" in embed_text(saved.message)

    refused = len([r for r in fake.requests if r.status == 403])
    await circle.at(clock, datetime(2026, 11, 25, 16, 0, 30, tzinfo=UTC))  # the next day's round
    assert len([r for r in fake.requests if r.status == 403]) == refused  # no more refused DMs


async def test_a_restart_mid_round_sends_no_duplicate_and_loses_nothing(
    fake, world, database_url, circle, clock
):
    await circle.at(clock, TOKYO_NINE)
    assert len(checkins_for(fake, world.alice)) == 1

    # A second process on the same database (the first one keeps running here, which is harsher).
    async with running_bot(fake, settings_for(fake, database_url), clock) as restarted:
        clock.set(DENVER_NINE)  # both processes' schedulers wake at Denver's nine
        await asyncio.gather(Timeline(clock, fake, restarted).settle(), circle.timeline.settle())

    assert len(checkins_for(fake, world.alice)) == 1
    assert len(checkins_for(fake, world.bob)) == 1


async def test_checkins_missed_long_ago_are_recorded_not_sent_in_a_burst(fake, world, bot, circle, clock):
    await circle.at(clock, datetime(2026, 11, 24, 23, 0, tzinfo=UTC))  # Tokyo's 09:00 was 14 h ago
    assert checkins_for(fake, world.alice) == []
    async with bot.services.db.transaction() as session:
        delivery = await session.scalar(
            select(CheckinDelivery).where(CheckinDelivery.user_id == world.alice.id)
        )
    assert delivery.status == "missed"


async def test_a_reminder_comes_once_if_unanswered(fake, world, timeline, clock):
    arranged = Circle(world, timeline)
    await arranged.arrange(reminder_hours=3)
    await arranged.at(clock, TOKYO_NINE)
    await arranged.at(clock, datetime(2026, 11, 24, 3, 1, tzinfo=UTC))
    await arranged.at(clock, datetime(2026, 11, 24, 6, 1, tzinfo=UTC))
    reminders = [m for m in fake.dm_messages(world.alice) if "gentle reminder" in embed_text(m)]
    assert len(reminders) == 1


async def test_a_facilitator_summary_never_shows_private_answers(fake, world, bot, circle, clock):
    await circle.at(clock, TOKYO_NINE)
    await circle.at(clock, DENVER_NINE)
    await answer_in_the_dm(world.person(world.alice), "4", "secret progress")
    saved = await answer_in_the_dm(world.person(world.bob), "2", "shared progress")
    shared = await world.person(world.bob).press(saved, "Facilitators")
    assert "Seen by **me and the group's facilitators**" in shared.text

    reply = await fake.slash(world.owner, world.guild, "checkin summary", group="Writing Circle")

    body = embed_text(reply.message)
    assert "2 of 2 answered" in body
    assert "shared progress" in body
    assert "secret progress" not in body
    member = await fake.slash(world.alice, world.guild, "checkin summary", group="Writing Circle")
    assert "Only coordinators and the facilitators" in embed_text(member.message)


async def test_history_shows_my_own_answers(fake, world, bot, circle, clock):
    await circle.at(clock, TOKYO_NINE)
    await answer_in_the_dm(world.person(world.alice), "4", "Aims drafted")
    reply = await fake.slash(world.alice, world.guild, "checkin history")
    assert reply.ephemeral and "Aims drafted" in embed_text(reply.message)
    other = await fake.slash(world.bob, world.guild, "checkin history")
    assert "Aims drafted" not in embed_text(other.message)


async def test_history_pages_through_more_answers_than_one_page_holds(fake, world, circle, clock):
    alice = world.person(world.alice)
    for day in range(6):  # a page holds five
        await circle.at(clock, TOKYO_NINE + timedelta(days=day))
        dm = await alice.dm("Your check-in for")  # the day's (an answered one reads "Check-in saved")
        form = await alice.press(dm, "Answer")
        await alice.fill(
            form,
            {
                "How are you doing? (1 low – 5 great)": ["4"],
                "Progress since last time?": f"Day {day + 1} done",
            },
        )

    newest = await fake.slash(world.alice, world.guild, "checkin history")
    first = embed_text(newest.message)
    assert "Page 1 of 2" in first
    assert all(f"Day {n} done" in first for n in range(2, 7)) and "Day 1 done" not in first
    older = await alice.press(newest.message, "Older")
    second = embed_text(older.message)
    assert "Page 2 of 2" in second and "Day 1 done" in second and "Day 2 done" not in second
    back = await alice.press(older, "Newer")
    assert "Page 1 of 2" in embed_text(back.message)


async def test_schedules_list_shows_the_next_run_in_the_viewers_time(fake, world, circle, clock):
    reply = await fake.slash(world.alice, world.guild, "checkin schedules", group="Writing Circle")
    tokyo_nine = int(datetime(2026, 11, 24, 0, 0, tzinfo=UTC).timestamp())
    assert f"<t:{tokyo_nine}:F>" in embed_text(reply.message)
    assert "daily at 09:00" in embed_text(reply.message)


async def test_send_now_reaches_those_who_have_not_had_todays(fake, world, bot, circle, clock):
    # At 23:50 UTC it is already Tuesday in Tokyo (Alice's Tuesday check-in is planned for
    # 09:00) but still Monday in Denver.
    now = await fake.slash(world.owner, world.guild, "checkin now", schedule=circle.schedule)
    assert "Sending to 1 member. 1 already had today's check-in." in embed_text(await now.wait_followup())
    await circle.timeline.settle()
    assert len(checkins_for(fake, world.bob)) == 1
    assert checkins_for(fake, world.alice) == []


async def test_a_break_pauses_a_members_check_ins(fake, world, bot, circle, clock):
    paused = await fake.slash(world.bob, world.guild, "checkin pause", until="2026-12-01")
    assert "No check-ins until after Tuesday 01 December 2026" in embed_text(paused.message)
    await circle.at(clock, TOKYO_NINE)
    await circle.at(clock, DENVER_NINE)
    assert len(checkins_for(fake, world.alice)) == 1
    assert checkins_for(fake, world.bob) == []
    await fake.slash(world.bob, world.guild, "checkin resume")
    await circle.at(clock, datetime(2026, 11, 25, 16, 0, 30, tzinfo=UTC))
    assert len(checkins_for(fake, world.bob)) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cadence": "cron", "cron": "61 * * * *"}, "not a valid cron expression"),
        ({"cadence": "daily", "time": "25:00"}, "HH:MM"),
        ({"cadence": "cron", "cron": "* * * * *"}, "at most hourly"),
        ({"cadence": "cron", "cron": "0 9,17 * * *"}, "at most once a day"),
    ],
)
async def test_bad_schedules_are_refused_clearly(fake, world, bot, circle, options, message):
    reply = await fake.slash(world.owner, world.guild, "checkin schedule", group="Writing Circle", **options)
    answer = await final(reply)
    assert answer["flags"] & 64
    assert message in embed_text(answer)


async def test_a_pause_date_in_the_past_is_refused(fake, world, circle):
    reply = await fake.slash(world.alice, world.guild, "checkin pause", until="2026-01-01")
    assert "in the past" in embed_text(reply.message)
    reply = await fake.slash(world.alice, world.guild, "checkin pause", until="soon")
    assert "YYYY-MM-DD" in embed_text(reply.message)


async def test_members_cannot_schedule_check_ins(fake, world, circle):
    reply = await fake.slash(
        world.alice, world.guild, "checkin schedule", group="Writing Circle", cadence="daily", time="09:00"
    )
    assert "Only coordinators and the facilitators" in embed_text(await final(reply))
