"""Impromptu moments: when to post a group's prompt, when to hold it back, and when to suggest a call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from bot.domain.goals import Clock
from bot.domain.timezones import first_reading, in_quiet_hours, utc

MINUTES_PER_DAY = 24 * 60
# Nobody is asked to talk before 08:00 or after 21:00 on their own clock, whatever their quiet hours say.
WAKING = (8 * 60, 21 * 60)
# A prompt lands in the middle of the day of the group's reference zone unless the group picks its own hours.
DAY_WINDOW = (10 * 60, 16 * 60)

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BestMoment:
    """The moment chosen for a group post, and how many of its members can be reached then."""

    at: datetime  # UTC
    reached: int
    members: int


@dataclass(frozen=True)
class Presence:
    """A member's clock and when they were last seen active (None if never)."""

    clock: Clock
    last_active_at: datetime | None


def check_span(span: tuple[int, int], what: str = "waking hours") -> None:
    """Raise ValueError unless ``span`` is two different times of day (minutes; the end may be 1440)."""
    start, end = span
    if not (0 <= start < MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY and start != end):
        raise ValueError(f"{what} must be two different times of day in minutes (0-1440), got {span!r}")


def in_span(minute: int, span: tuple[int, int]) -> bool:
    """Tell whether a minute of the day lies in [start, end), a span that may wrap past midnight."""
    start, end = span
    return start <= minute < end if start < end else minute >= start or minute < end


def reachable(moment: datetime, clock: Clock, *, waking: tuple[int, int] = WAKING) -> bool:
    """Tell whether ``moment`` is inside the member's waking hours and outside their quiet hours."""
    local = utc(moment).astimezone(ZoneInfo(clock.zone))
    return in_span(local.hour * 60 + local.minute, waking) and not in_quiet_hours(local, clock.quiet)


_FULL_DAY = (1 << MINUTES_PER_DAY) - 1


@lru_cache(maxsize=4096)
def awake_mask(zone: str, waking: tuple[int, int], on: date, quiet: tuple[int, int] | None = None) -> int:
    """Return the minutes of the UTC day ``on`` someone in ``zone`` is awake and not in quiet hours (bits)."""
    # Bit m is set when minute m of the UTC day ``on`` falls in waking hours and outside quiet hours on the
    # member's wall clock. The wall-clock pattern is the same every local day, so each stretch of the UTC
    # day with one UTC offset is that pattern rotated by the offset; a DST change splits the day in two.
    local = sum(
        1 << m
        for m in range(MINUTES_PER_DAY)
        if in_span(m, waking) and not (quiet is not None and in_span(m, quiet))
    )
    mask = 0
    for first, last, offset in _offsets(ZoneInfo(zone), on):
        shift = offset % MINUTES_PER_DAY
        rotated = ((local >> shift) | (local << (MINUTES_PER_DAY - shift))) & _FULL_DAY
        mask |= rotated & (((1 << (last - first)) - 1) << first)
    return mask


def _offsets(tz: ZoneInfo, on: date) -> list[tuple[int, int, int]]:
    # Stretches [first, last) of the UTC day's minutes with one UTC offset (in minutes). No zone changes its
    # offset twice within an hour, so hourly samples and a binary search between them find every change.
    day = datetime.combine(on, time(), tzinfo=UTC)

    def offset(minute: int) -> int:
        return int((day + timedelta(minutes=minute)).astimezone(tz).utcoffset().total_seconds() // 60)

    stretches, first = [], 0
    for low, high in pairwise([*range(0, MINUTES_PER_DAY, 60), MINUTES_PER_DAY - 1]):
        before = offset(low)
        if offset(high) == before:
            continue
        while high - low > 1:  # offset(low) is the old offset, offset(high) the new one
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == before else (low, middle)
        stretches.append((first, high, before))
        first = high
    stretches.append((first, MINUTES_PER_DAY, offset(first)))
    return stretches



def best_moment(
    clocks: Sequence[Clock],
    on: date,
    *,
    zone: str = "UTC",
    window: tuple[int, int] | None = DAY_WINDOW,
    waking: tuple[int, int] = WAKING,
    step_minutes: int = 15,
    not_before: datetime | None = None,
) -> BestMoment | None:
    """Return the moment of ``window`` on ``on`` (``zone``'s clock) when the most members can be reached."""
    # The window is the real time from when the reference clock first reads its start on ``on`` to when it
    # first reads its end (None: the whole day), so a DST change inside it shortens or stretches it, and the
    # hour skipped in spring is never offered. Moments are searched every ``step_minutes`` from its opening
    # (or the first step at or after ``not_before``), which keeps wall-clock quarter hours in every zone
    # whose offset is a whole number of quarter hours. A member counts when the moment is in their waking
    # hours and outside their quiet hours; the most members wins and ties go to the earliest moment, even
    # when nobody can be reached (the caller decides whether a post nobody sees is worth making). None when
    # no moment of the window is left after ``not_before``, or the window falls wholly in a skipped hour.
    check_span(waking)
    start, end = (0, MINUTES_PER_DAY) if window is None else window
    if not 0 <= start < end <= MINUTES_PER_DAY:
        raise ValueError(f"the day window must be 0 <= start < end <= {MINUTES_PER_DAY}, got {window!r}")
    if step_minutes < 1:
        raise ValueError(f"step_minutes must be positive, got {step_minutes}")
    tz, step = ZoneInfo(zone), step_minutes * _MINUTE
    opens = first_reading(on, start, tz)
    closes = first_reading(on, end, tz) if end < MINUTES_PER_DAY else first_reading(on + _DAY, 0, tz)
    moment = opens
    if not_before is not None and utc(not_before) > opens:
        moment += -((opens - utc(not_before)) // step) * step  # the first step at or after not_before
    best: BestMoment | None = None
    while moment < closes:
        count = sum(reachable(moment, clock, waking=waking) for clock in clocks)
        if best is None or count > best.reached:
            best = BestMoment(at=moment, reached=count, members=len(clocks))
        moment += step
    return best



def should_skip_for_activity(last_activity_at: datetime | None, now: datetime, quiet_for: timedelta) -> bool:
    """Tell whether to skip a prompt because the place was active less than ``quiet_for`` ago."""
    # A busy place needs no conversation starter; a prompt then only interrupts. Activity stamped after
    # ``now`` (clock skew between hosts) counts as activity now.
    if quiet_for < timedelta(0):
        raise ValueError(f"quiet_for must not be negative, got {quiet_for}")
    return last_activity_at is not None and utc(last_activity_at) > utc(now) - quiet_for


def shared_live_window(
    a: Presence,
    b: Presence,
    now: datetime,
    *,
    active_within: timedelta,
    last_suggested_at: datetime | None,
    period: timedelta,
    waking: tuple[int, int] = WAKING,
) -> bool:
    """Tell whether to suggest a short call now: both awake, both just active, and not too often."""
    # Both must be reachable on their own clocks and both seen within ``active_within``: a call suggested to
    # someone away from the keyboard is a nag. At most once per ``period`` for the same pair or group.
    if active_within <= timedelta(0) or period <= timedelta(0):
        raise ValueError(f"active_within and period must be positive, got {active_within} and {period}")
    check_span(waking)
    now = utc(now)
    if last_suggested_at is not None and now - utc(last_suggested_at) < period:
        return False
    return all(
        p.last_active_at is not None
        and utc(p.last_active_at) >= now - active_within
        and reachable(now, p.clock, waking=waking)
        for p in (a, b)
    )

