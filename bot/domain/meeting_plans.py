"""Planning a group's meeting: the candidate times, a recurring meeting's slot, and when to remind.

The ranking itself (who can come, how inconvenient the hour is, whose turn it is to carry an awkward
hour) is :mod:`bot.domain.meetings`; this module feeds it candidates and turns its answer into
times: typed times read on the facilitator's clock, suggestions spread over the coming days, the
day of a recurring meeting, and reminders that never land in anyone's quiet hours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.goals import Clock
from bot.domain.meetings import NIGHT, RankedSlot, rank_slots
from bot.domain.moments import first_reading
from bot.domain.timezones import in_quiet_hours
from bot.errors import Invalid

MAX_SLOTS = 20  # a select menu holds 25 options; a poll longer than this is not read
SUGGESTED = 8
HORIZON = timedelta(days=90)
MIN_LEAD = timedelta(minutes=30)  # a typed time closer than this has as good as passed
SUGGEST_FROM = timedelta(hours=24)  # suggestions leave a day for answers and the day-before reminder
SPACING = timedelta(hours=3)  # suggestions this close to each other are the same offer twice
PER_DAY = 2
STEP = timedelta(minutes=30)
QUIET_MARGIN = timedelta(minutes=15)  # a shifted reminder arrives this long before quiet hours begin
REMINDERS = (("day", timedelta(hours=24)), ("hour", timedelta(hours=1)))
REMINDER_GAP = timedelta(hours=1)  # two reminders closer than this are one too many

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm)?"
_ISO = re.compile(rf"^(?P<date>\d{{4}}-\d{{2}}-\d{{2}})[ t]+{_TIME}$")
_NAMED = re.compile(rf"^(?P<day>[a-z]+)\.?\s+(?:at\s+)?{_TIME}$")


@dataclass(frozen=True)
class Reminder:
    """One reminder of a meeting for one member: which (``day``/``hour``) and when to send it."""

    kind: str
    at: datetime  # UTC


def parse_slot_times(text: str, zone: str, now: datetime) -> tuple[datetime, ...]:
    """Read typed times ("2026-12-01 14:00, Tue 9:30, tomorrow 5pm") on ``zone``'s clock, as UTC.

    Times are separated by commas, semicolons or new lines. A weekday means its next occurrence
    (today if that time is still ahead), ``today`` and ``tomorrow`` are understood. A time the
    clocks skip (a spring DST change) is refused; a repeated one (autumn) means its first pass.
    """
    tz = ZoneInfo(zone)
    local_now = _utc(now).astimezone(tz)
    found: list[datetime] = []
    entries = [e.strip() for e in re.split(r"[,;\n]+", text) if e.strip()]
    if not entries:
        raise Invalid("Type at least one time, e.g. `2026-12-01 14:00, Tue 9:30`.")
    for entry in entries:
        moment = _parse_one(entry, tz, local_now)
        if moment < _utc(now) + MIN_LEAD:
            raise Invalid(f"“{entry[:40]}” has passed or is too close; give times at least 30 minutes ahead.")
        if moment > _utc(now) + HORIZON:
            raise Invalid(f"“{entry[:40]}” is more than 90 days away; plan closer meetings.")
        if moment not in found:
            found.append(moment)
    if len(found) > MAX_SLOTS:
        raise Invalid(f"Offer at most {MAX_SLOTS} times (you typed {len(found)}).")
    return tuple(sorted(found))


def suggest_slots(
    clocks: Mapping[int, Clock],
    now: datetime,
    days: int,
    burden: Mapping[int, float] | None = None,
    *,
    zone: str = "UTC",
    count: int = SUGGESTED,
) -> tuple[datetime, ...]:
    """Return up to ``count`` good times over the ``days`` after tomorrow's start, in time order.

    Every half hour is ranked as if everyone could come: the hours awkward for the fewest members
    first, then the least inconvenient for the group with the fairness weighting of
    :func:`rank_slots` (whoever carried awkward hours before is spared). Among hours awkward for as
    few, one that is the middle of the night for someone comes last. The picks are spread out:
    never two within three hours, and at most two on one day of ``zone``'s calendar.
    """
    if not clocks:
        raise Invalid("The group has nobody to meet yet.")
    if not 1 <= days <= 31:
        raise Invalid("Look 1 to 31 days ahead.")
    start = _ceil(_utc(now) + SUGGEST_FROM, STEP)
    candidates = [start + i * STEP for i in range(int(timedelta(days=days) / STEP))]
    everyone = {member: candidates for member in clocks}
    ranked = sorted(  # stable: the ranking's order stands within each tier
        rank_slots(candidates, everyone, clocks, burden),
        key=lambda slot: (len(slot.awkward), any(score >= NIGHT for score in slot.inconvenience.values())),
    )
    tz = ZoneInfo(zone)
    picked: list[RankedSlot] = []
    for slot in ranked:
        if len(picked) >= count:
            break
        day = slot.at.astimezone(tz).date()
        if any(abs(slot.at - p.at) < SPACING for p in picked):
            continue
        if sum(p.at.astimezone(tz).date() == day for p in picked) >= PER_DAY:
            continue
        picked.append(slot)
    return tuple(sorted(p.at for p in picked))


def day_slots(day: date, zone: str) -> tuple[datetime, ...]:
    """Return every half hour of ``day`` on ``zone``'s calendar, as UTC (DST days have 46 or 50)."""
    tz = ZoneInfo(zone)
    start, end = first_reading(day, 0, tz), first_reading(day + timedelta(days=1), 0, tz)
    return tuple(start + i * STEP for i in range(int((end - start) / STEP)))


def best_slot(
    slots: Sequence[datetime], clocks: Mapping[int, Clock], burden: Mapping[int, float] | None = None
) -> RankedSlot:
    """Return the slot everyone could come to that weighs least on them, whoever carried the most spared."""
    if not slots:
        raise ValueError("no slots to choose from")
    if not clocks:
        raise Invalid("The group has nobody to meet yet.")
    return rank_slots(slots, {member: slots for member in clocks}, clocks, burden)[0]


def next_series_day(anchor: date, weekday: int, every_weeks: int, after: date) -> date:
    """Return the series' first day after ``after`` (the anchor's weekday, every ``every_weeks`` weeks)."""
    if every_weeks < 1:
        raise ValueError(f"every_weeks must be at least 1, got {every_weeks}")
    if anchor.weekday() != weekday:
        raise ValueError("the anchor must fall on the weekday")
    if after < anchor:
        return anchor
    period = 7 * every_weeks
    return anchor + timedelta(days=((after - anchor).days // period + 1) * period)


def reminder_times(
    starts_at: datetime,
    clock: Clock,
    now: datetime,
    offsets: Sequence[tuple[str, timedelta]] = REMINDERS,
) -> tuple[Reminder, ...]:
    """Return when to remind one member of a meeting: a day and an hour before, outside quiet hours.

    A reminder that would land in the member's quiet hours comes just before they begin instead —
    earlier, never later (a later one could arrive after the meeting). Reminders whose time has
    passed are left out, and so is one that would arrive within an hour of the one before it.
    """
    start = _utc(starts_at)
    kept: list[Reminder] = []
    for kind, offset in offsets:
        at = before_quiet_hours(start - offset, clock)
        if at <= _utc(now) or at >= start:
            continue
        if any(abs(at - other.at) < REMINDER_GAP for other in kept):
            continue
        kept.append(Reminder(kind, at))
    return tuple(sorted(kept, key=lambda r: r.at))


def before_quiet_hours(moment: datetime, clock: Clock) -> datetime:
    """Return ``moment``, or if it falls in the member's quiet hours, a quarter hour before they began."""
    if clock.quiet is None:
        return _utc(moment)
    tz = ZoneInfo(clock.zone)
    local = _utc(moment).astimezone(tz)
    if not in_quiet_hours(local, clock.quiet):
        return _utc(moment)
    start_minute = clock.quiet[0]
    minute = local.hour * 60 + local.minute
    day = local.date() if minute >= start_minute else local.date() - timedelta(days=1)
    return first_reading(day, start_minute, tz) - QUIET_MARGIN


def _parse_one(entry: str, tz: ZoneInfo, local_now: datetime) -> datetime:
    text = " ".join(entry.lower().split())
    iso = _ISO.match(text)
    if iso:
        try:
            day = date.fromisoformat(iso["date"])
        except ValueError:
            raise Invalid(f"“{entry[:40]}” is not a date I know (use YYYY-MM-DD).") from None
        return _at(day, _clock_time(iso, entry), tz, entry)
    named = _NAMED.match(text)
    if not named:
        raise Invalid(
            f"I can't read “{entry[:40]}” as a time. Write `2026-12-01 14:00`, `Tue 9:30` or `tomorrow 5pm`."
        )
    wanted = _clock_time(named, entry)
    word = named["day"]
    if word == "today":
        return _at(local_now.date(), wanted, tz, entry)
    if word == "tomorrow":
        return _at(local_now.date() + timedelta(days=1), wanted, tz, entry)
    weekday = next((i for i, name in enumerate(_WEEKDAYS) if word.startswith(name)), None)
    if weekday is None:
        raise Invalid(f"“{named['day'][:20]}” is not a day I know (Mon…Sun, today, tomorrow).")
    ahead = (weekday - local_now.weekday()) % 7
    day = local_now.date() + timedelta(days=ahead)
    if ahead == 0 and datetime.combine(day, wanted) <= local_now.replace(tzinfo=None):
        day += timedelta(days=7)
    return _at(day, wanted, tz, entry)


def _clock_time(match: re.Match[str], entry: str) -> time:
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    ampm = match["ampm"]
    if ampm:
        if not 1 <= hour <= 12:
            raise Invalid(f"“{entry[:40]}”: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise Invalid(f"“{entry[:40]}” is not a time of day (00:00 to 23:59).")
    return time(hour, minute)


def _at(day: date, wall: time, tz: ZoneInfo, entry: str) -> datetime:
    local = datetime.combine(day, wall).replace(tzinfo=tz)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid(f"“{entry[:40]}” doesn't exist in {tz.key}: the clocks skip that hour that day.")
    return moment


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = -((epoch - moment) // step)
    return epoch + steps * step


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)
