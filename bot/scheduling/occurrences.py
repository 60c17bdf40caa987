"""Which occurrence of a trigger is due: pure functions over APScheduler triggers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

# A minutely job that was down for a month would take 43,200 steps to walk; past this many
# steps the walk restarts a short horizon before now and counts the rest as skipped.
MAX_STEPS = 2_000
SHORT_HORIZON = timedelta(days=2)


@dataclass(frozen=True)
class Due:
    """The latest occurrence at or before now, and how many earlier ones it coalesces."""

    scheduled_for: datetime
    skipped: int


def latest_due(trigger: BaseTrigger, *, last: datetime | None, anchor: datetime, now: datetime) -> Due | None:
    """Return the latest fire time after ``last`` (or from ``anchor``) not after ``now``, in UTC."""
    latest, count, exhausted = _walk(trigger, last, last or anchor, now, MAX_STEPS)
    if exhausted:
        latest, more, _ = _walk(trigger, None, now - SHORT_HORIZON, now, None)
        count += more
    if latest is None:
        return None
    return Due(scheduled_for=latest.astimezone(UTC), skipped=count - 1)


def _walk(
    trigger: BaseTrigger, previous: datetime | None, start: datetime, now: datetime, max_steps: int | None
) -> tuple[datetime | None, int, bool]:
    candidate = trigger.get_next_fire_time(previous, previous or start)
    latest: datetime | None = None
    count = 0
    while candidate is not None and candidate <= now:
        if max_steps is not None and count >= max_steps:
            return latest, count, True
        latest, count = candidate, count + 1
        candidate = trigger.get_next_fire_time(candidate, candidate)
    return latest, count, False


def next_after(trigger: BaseTrigger, moment: datetime) -> datetime | None:
    """Return the first fire time strictly after ``moment``, in UTC."""
    first = trigger.get_next_fire_time(None, moment)
    if first is not None and first <= moment:
        first = trigger.get_next_fire_time(first, first)
    return first.astimezone(UTC) if first is not None else None
