"""Every-N-weeks rituals (scheduled discussions, confidentiality reminders) at the group's best moment.

A ritual falls on one weekday every ``every_weeks`` weeks, counted from its anchor day. Its
moment that day is the one when most members are awake (``best_weekly_moment``), so it moves
with the members' zones and DST instead of being pinned to one clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.domain.goals import Clock, best_weekly_moment
from bot.domain.recurrence import in_cadence_week

LATE_WINDOW = timedelta(hours=12)  # after this a missed occurrence is skipped, not run late


def first_day(weekday: int, today: date) -> date:
    """Return the first ``weekday`` on or after ``today`` (a new ritual's anchor)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def due_occurrence(
    clocks: Sequence[Clock],
    weekday: int,
    every_weeks: int,
    anchor: date,
    now: datetime,
    *,
    last_day: date | None = None,
    late_window: timedelta = LATE_WINDOW,
) -> tuple[date, datetime] | None:
    """Return (day, moment) of the occurrence whose moment has come, unless it already ran."""
    for day in candidate_days(weekday, every_weeks, anchor, now, last_day=last_day):
        moment = best_weekly_moment(clocks, weekday, day)
        if moment <= now < moment + late_window:
            return day, moment
    return None


def candidate_days(
    weekday: int, every_weeks: int, anchor: date, now: datetime, *, last_day: date | None = None
) -> list[date]:
    """Return the ritual's days whose moment could be due now (cheap: no zones involved).

    A day's best moment lies between 12:00 UTC the day before and 12:00 UTC the day after, so
    only days from two days back to tomorrow can be due; most sweeps skip a ritual without
    looking at its members' zones.
    """
    this = first_day(weekday, now.date() - timedelta(days=3))
    return [
        day
        for day in (this - timedelta(days=7), this, this + timedelta(days=7))
        if now.date() - timedelta(days=2) <= day <= now.date() + timedelta(days=1)
        and day >= anchor
        and day != last_day
        and in_cadence_week(day, anchor, every_weeks)
    ]


def next_occurrence(
    clocks: Sequence[Clock],
    weekday: int,
    every_weeks: int,
    anchor: date,
    now: datetime,
    *,
    last_day: date | None = None,
) -> datetime:
    """Return the moment of the next occurrence still to come (for display)."""
    day = max(anchor, first_day(weekday, now.date() - timedelta(days=7)))
    while True:
        if in_cadence_week(day, anchor, every_weeks) and day != last_day:
            moment = best_weekly_moment(clocks, weekday, day)
            if moment > now:
                return moment
        day += timedelta(days=7)
