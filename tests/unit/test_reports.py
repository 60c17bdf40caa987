import csv
import io
from datetime import date, timedelta

import pytest

from bot.db.models import (
    CheckinDelivery,
    CheckinSchedule,
    CoffeeDraw,
    CoffeeMatch,
    CoffeeMatchMember,
    Discussion,
    Goal,
    GoalUpdate,
    Group,
    GroupMember,
    Meeting,
    MeetingAttendance,
    Participation,
)
from bot.errors import NotAllowed
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.groups import GroupService
from bot.services.reports import ReportService, report_csv
from bot.services.settings import SettingsService
from tests.support.homes import RecordingHomes

GUILD = 1
COORDINATOR, MEMBER = Actor(99, is_admin=True), Actor(10)


def reports(db, clock) -> ReportService:
    settings, engine = SettingsService(db), SchedulingEngine()
    return ReportService(db, clock, settings, GroupService(db, clock, settings, engine, RecordingHomes()))


async def arrange(db, clock) -> None:
    now = clock.now()
    recent, old = now - timedelta(days=5), now - timedelta(days=200)
    async with db.transaction() as s:
        for gid, name in ((1, "Alpha"), (2, "Beta")):
            s.add(
                Group(
                    id=gid,
                    guild_id=GUILD,
                    name=name,
                    name_key=name.lower(),
                    kind="peer",
                    created_by=99,
                    created_at=old,
                )
            )
        await s.flush()
        for gid, uid in ((1, 10), (1, 11), (2, 11), (2, 12)):
            s.add(GroupMember(group_id=gid, guild_id=GUILD, user_id=uid, role="peer", joined_at=old))
        s.add(GroupMember(group_id=2, guild_id=GUILD, user_id=13, role="peer", joined_at=old, left_at=old))
        s.add(
            CheckinSchedule(
                id=1,
                guild_id=GUILD,
                group_id=1,
                cadence_kind="daily",
                planned_until=now,
                created_by=99,
                created_at=old,
            )
        )
        await s.flush()
        for day, uid, status, sent in (
            (1, 10, "answered", True),
            (1, 11, "sent", True),
            (2, 10, "answered", True),
            (2, 11, "scheduled", False),
            (3, 10, "answered", True),
        ):
            due = old if day == 3 else recent + timedelta(days=day)
            s.add(
                CheckinDelivery(
                    guild_id=GUILD,
                    group_id=1,
                    schedule_id=1,
                    user_id=uid,
                    round_date=date(2026, 1, day),
                    due_at=due,
                    status=status,
                    sent_at=due if sent else None,
                )
            )
        s.add(
            Goal(
                id=1,
                guild_id=GUILD,
                owner_id=10,
                group_id=1,
                title="A",
                created_at=recent,
                last_activity_at=recent,
                status="done",
                progress=100,
                completed_at=recent,
            )
        )
        s.add(
            Goal(
                id=2,
                guild_id=GUILD,
                owner_id=12,
                group_id=2,
                title="B",
                created_at=old,
                last_activity_at=recent,
            )
        )
        s.add(
            Goal(
                id=3,
                guild_id=GUILD,
                owner_id=12,
                group_id=None,
                title="C",
                created_at=recent,
                last_activity_at=recent,
            )
        )
        await s.flush()
        s.add(GoalUpdate(goal_id=1, guild_id=GUILD, author_id=10, kind="progress", created_at=recent))
        s.add(GoalUpdate(goal_id=2, guild_id=GUILD, author_id=12, kind="milestone", created_at=recent))
        s.add(GoalUpdate(goal_id=2, guild_id=GUILD, author_id=11, kind="cheer", created_at=recent))
        s.add(
            Discussion(
                id=1,
                guild_id=GUILD,
                group_id=2,
                thread_id=500,
                prompt="secret",
                started_by=12,
                started_at=recent,
            )
        )
        await s.flush()
        s.add(Participation(discussion_id=1, user_id=11, messages=3))
        s.add(Participation(discussion_id=1, user_id=12, messages=0))
        s.add(
            Meeting(
                id=1,
                guild_id=GUILD,
                group_id=1,
                duration_minutes=60,
                status="confirmed",
                proposed_by=10,
                created_at=recent,
                starts_at=recent,
            )
        )
        await s.flush()
        s.add(MeetingAttendance(meeting_id=1, user_id=10, attended=True))
        s.add(MeetingAttendance(meeting_id=1, user_id=11, attended=False))
        s.add(
            CoffeeDraw(id=1, guild_id=GUILD, number=1, day=recent.date(), drawn_at=recent, follow_up_at=now)
        )
        await s.flush()
        for mid, met in ((1, "yes"), (2, None)):
            s.add(CoffeeMatch(id=mid, draw_id=1, guild_id=GUILD))
            await s.flush()
            s.add(CoffeeMatchMember(match_id=mid, user_id=10 + mid, met=met))


async def test_a_program_report_counts_each_group_and_all_groups_over_the_period(db, clock):
    await arrange(db, clock)

    report = await reports(db, clock).program_report(GUILD, COORDINATOR, days=90)

    alpha, beta = report.groups
    assert (alpha.name, alpha.members, alpha.checkins_delivered, alpha.checkins_answered) == (
        "Alpha",
        2,
        3,
        2,
    )
    assert (alpha.goals_set, alpha.goals_progressed, alpha.goals_completed) == (1, 1, 1)
    assert (alpha.meetings, alpha.attendance_recorded, alpha.attended) == (1, 2, 1)
    assert alpha.attendance_rate == pytest.approx(0.5)
    assert (beta.members, beta.goals_set, beta.goals_progressed) == (2, 0, 1)
    assert (beta.discussions, beta.discussion_participants) == (1, 1)
    total = report.total
    assert (total.members, total.goals_set, total.checkins_answered) == (3, 2, 2)
    assert (report.coffee_pairs, report.coffee_pairs_met) == (2, 1)


async def test_the_csv_has_a_row_per_group_and_an_all_groups_row_without_content(db, clock):
    await arrange(db, clock)
    report = await reports(db, clock).program_report(GUILD, COORDINATOR)

    text = report_csv(report)
    rows = list(csv.DictReader(io.StringIO(text)))

    assert [r["group"] for r in rows] == ["Alpha", "Beta", "All groups"]
    assert rows[2]["checkin_response_rate"] == "66.7"
    assert rows[2]["coffee_pairs_met"] == "1"
    assert "secret" not in text


async def test_only_coordinators_see_the_program_report(db, clock):
    await arrange(db, clock)

    with pytest.raises(NotAllowed):
        await reports(db, clock).program_report(GUILD, MEMBER)


async def test_a_member_cannot_see_their_groups_report(db, clock):
    await arrange(db, clock)

    with pytest.raises(NotAllowed):
        await reports(db, clock).group_report(GUILD, MEMBER, "1")


async def test_a_group_name_that_looks_like_a_formula_stays_text_in_the_csv(db, clock):
    await arrange(db, clock)
    async with db.transaction() as s:
        (await s.get(Group, 1)).name = "=HYPERLINK(1)"

    report = await reports(db, clock).program_report(GUILD, COORDINATOR)

    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert rows[0]["group"] == "'=HYPERLINK(1)"


async def test_the_report_has_weekly_response_and_attendance_per_group(db, clock):
    await arrange(db, clock)

    report = await reports(db, clock).program_report(GUILD, COORDINATOR, days=28)

    assert report.step == timedelta(weeks=1) and len(report.step_starts) == 4
    assert report.step_starts[0] == report.start
    alpha, beta = report.series
    assert (alpha.name, beta.name) == ("Alpha", "Beta")
    # Check-ins were delivered 3 and 4 days ago, the meeting was 5 days ago: all in the last week.
    *earlier, last = alpha.steps
    assert all(s.checkins_delivered == 0 and s.attendance_recorded == 0 for s in earlier)
    assert (last.checkins_delivered, last.checkins_answered) == (3, 2)
    assert (last.attendance_recorded, last.attended) == (2, 1)
    assert last.checkin_response_rate == pytest.approx(2 / 3) and last.attendance_rate == pytest.approx(0.5)
    assert all(s.checkins_delivered == 0 for s in beta.steps)
    total = report.total_series
    assert [s.checkins_delivered for s in total.steps] == [s.checkins_delivered for s in alpha.steps]


async def test_a_long_period_is_counted_in_longer_steps_so_the_chart_stays_readable(db, clock):
    await arrange(db, clock)

    report = await reports(db, clock).program_report(GUILD, COORDINATOR, days=365)

    assert report.step == timedelta(weeks=2) and len(report.step_starts) == 27
    steps = report.series[0].steps
    # The check-in due 200 days ago lands 165 days into the period: step 11 of two weeks.
    assert [i for i, s in enumerate(steps) if s.checkins_delivered] == [11, 25]  # 361 and 362 days in
    assert sum(s.checkins_delivered for s in steps) == report.groups[0].checkins_delivered == 4
