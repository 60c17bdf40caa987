"""The pure part of planning check-ins: each member clock's occurrences in the planner's window.

Members who share a zone and quiet hours (a clock) share their occurrences, so a slice of
schedules is worked out per (schedule, clock), never per member: the database then fans each
occurrence out to the members on that clock in one statement. It runs in a worker thread, so
the event loop keeps answering members meanwhile. Many schedules share a cadence and a plan
horizon (every schedule planned in one run does), so the results are cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.recurrence import (
    Cadence,
    MemberOccurrence,
    next_occurrence,
    occurrences_between,
    shift_out_of_quiet,
)
from bot.errors import Invalid

# A schedule with no member (or none ever due again) is looked at again after this, or when a
# member joins or a clock changes (``plan_again``).
IDLE = timedelta(days=366)
NO_QUIET = -1  # how the database spells "no quiet hours" (NULL coalesced)


@dataclass(frozen=True, order=True)
class Clock:
    """A zone and quiet hours some members of a group share."""

    zone: str
    quiet_start: int = NO_QUIET
    quiet_end: int = NO_QUIET

    @property
    def quiet(self) -> tuple[int, int] | None:
        """Return the quiet hours, or None when either end is unset (none)."""
        if self.quiet_start == NO_QUIET or self.quiet_end == NO_QUIET:
            return None
        return (self.quiet_start, self.quiet_end)


@dataclass(frozen=True)
class ScheduleWindow:
    """A schedule to plan: from ``planned_until`` to the window's end, for the clocks of its members."""

    schedule_id: int
    group_id: int
    cadence: Cadence
    planned_until: datetime
    reminder_hours: int | None
    clocks: tuple[Clock, ...]


@dataclass(frozen=True)
class ClockOccurrence:
    """One round's check-in for the members of a schedule on one clock."""

    schedule_id: int
    group_id: int
    clock: Clock
    round_date: date
    due_at: datetime
    missed: bool  # its time passed more than the late grace ago (the bot was away): never sent
    remind_at: datetime | None


@dataclass
class WindowPlan:
    """What a slice of schedules has in the window, and when each is next due after it."""

    occurrences: list[ClockOccurrence]
    round_closes: dict[tuple[int, date], datetime]
    next_due: dict[int, datetime]


def plan_windows(
    schedules: list[ScheduleWindow],
    end: datetime,
    now: datetime,
    *,
    late_grace: timedelta,
    round_length: timedelta,
) -> WindowPlan:
    """Work out every clock's occurrences scheduled in (planned_until, end], and the next after ``end``."""
    plan = WindowPlan([], {}, {})
    for schedule in schedules:
        # Schedules with the same rhythm, clocks and plan share the work (most of a big program).
        moments, next_due = _window(
            schedule.cadence, schedule.clocks, schedule.planned_until, end, schedule.reminder_hours
        )
        for clock, occurrence, remind_at in moments:
            plan.occurrences.append(
                ClockOccurrence(
                    schedule.schedule_id,
                    schedule.group_id,
                    clock,
                    occurrence.round_date,
                    occurrence.due_at,
                    occurrence.due_at + late_grace < now,
                    remind_at,
                )
            )
            key, closes = (schedule.schedule_id, occurrence.round_date), occurrence.due_at + round_length
            plan.round_closes[key] = max(closes, plan.round_closes.get(key, closes))
        plan.next_due[schedule.schedule_id] = next_due
    return plan


@lru_cache(maxsize=1024)
def _window(
    cadence: Cadence, clocks: tuple[Clock, ...], start: datetime, end: datetime, reminder_hours: int | None
) -> tuple[tuple[tuple[Clock, MemberOccurrence, datetime | None], ...], datetime]:
    """Return each clock's occurrences in (start, end] with their reminder, and the next due moment."""
    moments = []
    next_due = end + IDLE
    for clock in clocks:
        for occurrence in _between(cadence, clock, start, end):
            remind_at = None
            if reminder_hours:
                remind_at = _out_of_quiet(occurrence.due_at + timedelta(hours=reminder_hours), clock)
            moments.append((clock, occurrence, remind_at))
        following = _next(cadence, clock, end)
        if following is not None:
            next_due = min(next_due, following)
    return tuple(moments), next_due


def occurrence_now(
    schedule_id: int, group_id: int, clock: Clock, now: datetime, reminder_hours: int | None
) -> ClockOccurrence:
    """Return a check-in sent right away (a facilitator's "send now"): today's round on that clock."""
    remind_at = _out_of_quiet(now + timedelta(hours=reminder_hours), clock) if reminder_hours else None
    today = now.astimezone(ZoneInfo(clock.zone)).date()
    return ClockOccurrence(schedule_id, group_id, clock, today, now, False, remind_at)


@lru_cache(maxsize=4096)
def _between(cadence: Cadence, clock: Clock, start: datetime, end: datetime) -> tuple[MemberOccurrence, ...]:
    return tuple(occurrences_between(cadence, clock.zone, start, end, clock.quiet))


@lru_cache(maxsize=4096)
def _next(cadence: Cadence, clock: Clock, after: datetime) -> datetime | None:
    """Return when the clock's first occurrence after ``after`` is scheduled for (None: never)."""
    try:
        return next_occurrence(cadence, clock.zone, after, clock.quiet).scheduled_for
    except Invalid:
        return None


@lru_cache(maxsize=4096)
def _out_of_quiet(moment: datetime, clock: Clock) -> datetime:
    return shift_out_of_quiet(moment, clock.zone, clock.quiet)
