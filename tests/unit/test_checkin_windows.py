"""What the planner works out for each clock: occurrences in its window and the next due moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.recurrence import Cadence
from bot.services.checkins.windows import IDLE, Clock, ScheduleWindow, plan_windows

DAILY_NINE = Cadence(kind="daily", minute_of_day=9 * 60)
GRACE, ROUND = timedelta(hours=2), timedelta(hours=24)


def window(*clocks: Clock, planned_until: datetime, reminder_hours: int | None = None) -> ScheduleWindow:
    return ScheduleWindow(1, 10, DAILY_NINE, planned_until, reminder_hours, clocks)


def plan(schedule: ScheduleWindow, end: datetime, now: datetime | None = None):
    return plan_windows([schedule], end, now or end, late_grace=GRACE, round_length=ROUND)


def test_the_next_due_moment_follows_the_clocks_going_back():
    # New York leaves daylight saving time on Sunday 1 November 2026: 09:00 is 13:00 UTC on
    # Saturday and 14:00 UTC on Sunday.
    new_york = Clock("America/New_York")
    end = datetime(2026, 10, 31, 13, 15, tzinfo=UTC)
    result = plan(window(new_york, planned_until=datetime(2026, 10, 31, 12, 50, tzinfo=UTC)), end)
    [saturday] = result.occurrences
    assert saturday.due_at == datetime(2026, 10, 31, 13, 0, tzinfo=UTC)
    assert result.next_due[1] == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)


def test_the_next_due_moment_is_the_earliest_clock_of_the_group():
    tokyo, denver = Clock("Asia/Tokyo"), Clock("America/Denver")
    end = datetime(2026, 11, 24, 0, 15, tzinfo=UTC)
    result = plan(window(tokyo, denver, planned_until=datetime(2026, 11, 23, 23, 55, tzinfo=UTC)), end)
    assert [o.clock for o in result.occurrences] == [tokyo]  # 09:00 Tuesday in Tokyo
    assert result.next_due[1] == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 09:00 in Denver


def test_quiet_hours_move_the_check_in_and_its_reminder_but_not_the_moment_it_is_planned_for():
    late_riser = Clock("Europe/London", quiet_start=22 * 60, quiet_end=10 * 60)
    end = datetime(2026, 11, 24, 9, 10, tzinfo=UTC)
    schedule = window(late_riser, planned_until=datetime(2026, 11, 24, 8, 55, tzinfo=UTC), reminder_hours=13)
    [tuesday] = plan(schedule, end).occurrences
    assert tuesday.due_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # when the quiet hours end
    assert tuesday.remind_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 23:00 is quiet too


def test_occurrences_long_past_are_missed_and_the_round_closes_after_the_last_clock():
    tokyo, denver = Clock("Asia/Tokyo"), Clock("America/Denver")
    now = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # the bot was away all Tuesday morning
    schedule = window(tokyo, denver, planned_until=datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    result = plan(schedule, now + timedelta(minutes=15), now)
    missed = {o.clock.zone: o.missed for o in result.occurrences}
    assert missed == {"Asia/Tokyo": True, "America/Denver": True}
    assert result.round_closes == {
        (1, datetime(2026, 11, 24).date()): datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    }


def test_a_schedule_without_members_waits_until_one_joins():
    end = datetime(2026, 11, 24, 0, 15, tzinfo=UTC)
    result = plan(window(planned_until=datetime(2026, 11, 24, tzinfo=UTC)), end)
    assert result.occurrences == []
    assert result.next_due[1] == end + IDLE
