"""Every-N-weeks rituals (scheduled discussions, confidentiality reminders) at the group's best moment.

A ritual falls on one weekday every ``every_weeks`` weeks, counted from its anchor day. Its
moment that day is the one when most members are awake (``best_weekly_moment``), so it moves
with the members' zones and DST instead of being pinned to one clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.domain.goals import Clock, best_weekly_moment

LATE_WINDOW = timedelta(hours=12)  # after this a missed occurrence is skipped, not run late


def is_cadence_day(day: date, anchor: date, every_weeks: int) -> bool:
    """Return whether ``day`` is one of the ritual's days."""
    if every_weeks < 1:
        raise ValueError(f"every_weeks must be at least 1, got {every_weeks}")
    return (day - anchor).days % (7 * every_weeks) == 0


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
    for day in _candidate_days(weekday, now):
        if day < anchor or day == last_day or not is_cadence_day(day, anchor, every_weeks):
            continue
        moment = best_weekly_moment(clocks, weekday, day)
        if moment <= now < moment + late_window:
            return day, moment
    return None


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
        if is_cadence_day(day, anchor, every_weeks) and day != last_day:
            moment = best_weekly_moment(clocks, weekday, day)
            if moment > now:
                return moment
        day += timedelta(days=7)


def _candidate_days(weekday: int, now: datetime) -> list[date]:
    # A local weekday's best moment can fall on the UTC day before or after it (Auckland,
    # Honolulu), so the weekday of the last week, this week and next week are all candidates.
    this = first_day(weekday, now.date() - timedelta(days=3))
    return [this - timedelta(days=7), this, this + timedelta(days=7)]
