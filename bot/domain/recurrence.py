"""Check-in recurrence: when each member's next check-in falls, on their own clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice, pairwise, takewhile
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.timezones import first_reading, format_minutes, in_quiet_hours, utc
from bot.errors import Invalid

CadenceKind = Literal["daily", "weekdays", "weekly", "every_n_weeks", "cron"]

_KINDS: tuple[str, ...] = get_args(CadenceKind)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_GROUPS = {"weekdays": range(5), "weekday": range(5), "weekends": (5, 6), "weekend": (5, 6)}
_WORKWEEK = frozenset(range(5))
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_OPTIONS = {
    "daily": {"time"},
    "weekdays": {"time", "weekdays"},
    "weekly": {"time", "weekdays"},
    "every_n_weeks": {"time", "weekdays", "every_weeks"},
    "cron": {"cron"},
}
_OPTION_NAMES = {
    "time": "a time (the cron expression sets it)",
    "weekdays": "days to choose (pick the “weekdays” kind for that)",
    "every_weeks": "a number of weeks (pick the “every_n_weeks” kind for that)",
    "cron": "a cron expression (pick the “cron” kind for that)",
}
_TIME = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*$")
_TICK = timedelta(microseconds=1)
# Any moment will do to sample a crontab's rhythm: it repeats every (leap) year.
_SAMPLE_FROM = datetime(2026, 1, 1, tzinfo=UTC)
_UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Cadence:
    """How often a group checks in; times of day are each member's local time."""

    kind: CadenceKind
    minute_of_day: int | None
    weekdays: frozenset[int] = frozenset()
    every_weeks: int = 1
    anchor: date | None = None
    cron: str | None = None


@dataclass(frozen=True)
class MemberOccurrence:
    """One member's check-in of one round: when it is scheduled, and when it is due after quiet hours."""

    round_date: date
    scheduled_for: datetime
    due_at: datetime


def parse_time_of_day(text: str) -> int:
    """Parse "09:00" (24-hour clock) into minutes after midnight."""
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise Invalid(f"“{text[:32]}” is not a time of day: use HH:MM, 24-hour clock, e.g. 09:00.")
    return int(match[1]) * 60 + int(match[2])


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse day names ("mon, wed fri", "Monday", "mon-fri", "weekdays") into 0=Monday..6=Sunday."""
    words = re.sub(r"\s*(?:[-–—]|\bto\b)\s*", "-", text.lower())
    days: set[int] = set()
    unknown: list[str] = []
    for word in re.split(r"[\s,;&+/]+", words):
        if word in ("", "and"):
            continue
        first, _, last = word.partition("-")
        start, end = _day(first), _day(last or first)
        if word in _DAY_GROUPS:
            days.update(_DAY_GROUPS[word])
        elif start is None or end is None:
            unknown.append(f"“{word[:20]}”")
        else:  # a range may wrap past Sunday: fri-mon
            days.update(day % 7 for day in range(start, start + (end - start) % 7 + 1))
    if unknown:
        raise Invalid(
            f"I don't know the day{'s' if len(unknown) > 1 else ''} {', '.join(unknown[:5])}: use day names "
            "such as mon, wed, fri, a range such as mon-fri, or “weekdays”."
        )
    if not days:
        raise Invalid("Name at least one day, e.g. mon, wed, fri or mon-fri.")
    return frozenset(days)


def _day(word: str) -> int | None:
    # Any unambiguous start of a day name ("tu", "tues", "thurs"), also in the plural ("mondays", "weds").
    for stem in (word, word.removesuffix("s")):
        matches = [number for number, name in enumerate(_DAYS) if len(stem) >= 2 and name.startswith(stem)]
        if len(matches) == 1:
            return matches[0]
    return None


def make_cadence(
    kind: str,
    *,
    time: str | None,
    weekdays: str | None = None,
    every_weeks: int | None = None,
    cron: str | None = None,
    anchor: date | None = None,
) -> Cadence:
    """Build a cadence from what a member typed, or raise Invalid saying what to fix."""
    if kind not in _KINDS:
        raise Invalid(f"“{kind[:32]}” is not a kind of schedule I know: use {', '.join(_KINDS)}.")
    time, weekdays, cron = (value if value and value.strip() else None for value in (time, weekdays, cron))
    given = {"time": time, "weekdays": weekdays, "every_weeks": every_weeks, "cron": cron}
    for option, value in given.items():
        if value is not None and option not in _OPTIONS[kind]:
            raise Invalid(f"A “{kind}” schedule doesn't take {_OPTION_NAMES[option]}.")
    if kind == "cron":
        if cron is None:
            raise Invalid(
                "A cron schedule needs a cron expression, e.g. 0 9 * * 1-5 (minute hour day month weekday)."
            )
        return Cadence("cron", None, cron=_check_cron(" ".join(cron.split())))
    if time is None:
        raise Invalid("Say what time the check-in happens, e.g. 09:00 (each member's local time).")
    minute = parse_time_of_day(time)
    if kind == "daily":
        return Cadence("daily", minute)
    if kind == "weekdays":
        return Cadence("weekdays", minute, parse_weekdays(weekdays) if weekdays else _WORKWEEK)
    days = parse_weekdays(weekdays) if weekdays else frozenset({0})
    if len(days) != 1:
        raise Invalid(f"A “{kind}” check-in happens on one day; to pick several, use the “weekdays” kind.")
    if kind == "weekly":
        return Cadence("weekly", minute, days)
    if every_weeks is None or not 2 <= every_weeks <= 12:
        raise Invalid("Every-N-weeks check-ins can be 2 to 12 weeks apart (for every week, use “weekly”).")
    if anchor is None:
        raise Invalid("Every-N-weeks check-ins need a start date: a day in the first week with a check-in.")
    return Cadence("every_n_weeks", minute, days, every_weeks, anchor)


def _check_cron(expression: str) -> str:
    try:
        trigger = _cron_trigger(expression)
    except ValueError as error:
        raise Invalid(f"“{expression[:64]}” is not a valid cron expression: {error}") from None
    sample = [
        moment for _, moment in islice(_fire_moments(trigger, _UTC_ZONE, _SAMPLE_FROM, repeats=True), 3)
    ]
    if not sample:
        raise Invalid(f"“{expression[:64]}” never happens: check the day and month.")
    if any(later - earlier < timedelta(hours=1) for earlier, later in pairwise(sample)):
        raise Invalid(f"“{expression[:64]}” fires more than once an hour: check-ins can be at most hourly.")
    return expression


def _cron_trigger(expression: str) -> CronTrigger:
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"it needs 5 fields (minute hour day month weekday), not {len(fields)}")
    if fields[2] != "*" and fields[4] != "*":
        raise ValueError("give a day of the month or a weekday, not both")
    return CronTrigger.from_crontab(" ".join([*fields[:4], _cron_weekdays(fields[4])]), timezone=UTC)


def _cron_weekdays(field: str) -> str:
    # APScheduler 3's from_crontab numbers weekdays from Monday (its documented "historical mistake"), so
    # "1-5" would mean Tuesday to Saturday; translate crontab's numbering (0 or 7 = Sunday) to its own.
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.lower().split(","):
        span, slash, step = item.partition("/")
        first, dash, last = span.partition("-")
        if first == "*" and not dash:
            start, end = 0, 6
        else:
            start = _cron_day(first)
            end = _cron_day(last) if dash else 6 if slash else start
        if start > end or (slash and not (step.isdecimal() and int(step) > 0)):
            raise ValueError(f"“{item[:16]}” is not a weekday range I understand")
        days.update(range(start, end + 1, int(step) if slash else 1))
    return ",".join(sorted({str((day - 1) % 7) for day in days}))


def _cron_day(token: str) -> int:
    if token.isdecimal() and int(token) <= 7:
        return int(token)
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    raise ValueError(f"“{token[:16]}” is not a weekday (use 0-7 or sun-sat, with 0 and 7 for Sunday)")


def describe(cadence: Cadence) -> str:
    """Describe a cadence in a few words, e.g. "Mon, Wed, Fri at 08:30"."""
    if cadence.kind == "cron":
        return f"cron: {cadence.cron}"
    at = f"at {format_minutes(cadence.minute_of_day or 0)}"
    days = sorted(cadence.weekdays)
    if cadence.kind == "daily":
        return f"daily {at}"
    if cadence.kind == "weekdays" and cadence.weekdays == _WORKWEEK:
        return f"weekdays {at}"
    if cadence.kind == "weekdays":
        return f"{', '.join(_DAYS[day][:3].capitalize() for day in days)} {at}"
    day = _DAYS[days[0] if days else 0].capitalize()
    if cadence.kind == "weekly":
        return f"{day}s {at}"
    return f"every {cadence.every_weeks} weeks on {day} {at}"


def occurrences_between(
    cadence: Cadence, zone: str, start: datetime, end: datetime, quiet: tuple[int, int] | None = None
) -> list[MemberOccurrence]:
    """Return a member's occurrences with ``start < scheduled_for <= end``, in order."""
    end = utc(end)
    return list(takewhile(lambda o: o.scheduled_for <= end, _occurrences(cadence, zone, start, quiet)))


def next_occurrence(
    cadence: Cadence, zone: str, after: datetime, quiet: tuple[int, int] | None = None
) -> MemberOccurrence:
    """Return a member's first occurrence scheduled strictly after ``after``."""
    for occurrence in _occurrences(cadence, zone, after, quiet):
        return occurrence
    raise Invalid(f"The schedule “{describe(cadence)}” never happens again.")


def shift_out_of_quiet(moment: datetime, zone: str, quiet: tuple[int, int] | None) -> datetime:
    """Move a moment inside quiet hours to the moment they end; return any other moment as is (in UTC)."""
    moment, tz = utc(moment), ZoneInfo(zone)
    if quiet is None:
        return moment
    if quiet[0] == quiet[1]:
        raise Invalid("Quiet hours must start and end at different times.")
    quiet_end = CronTrigger(hour=quiet[1] // 60, minute=quiet[1] % 60, timezone=UTC)
    # Both passes of a repeated (fall-back) hour count here: quiet hours end on the wall clock.
    while in_quiet_hours(moment.astimezone(tz), quiet):
        _, moment = next(_fire_moments(quiet_end, tz, moment, repeats=True))
    return moment


def _occurrences(
    cadence: Cadence, zone: str, after: datetime, quiet: tuple[int, int] | None
) -> Iterator[MemberOccurrence]:
    for round_date, moment in _fire_moments(_trigger(cadence), ZoneInfo(zone), utc(after), repeats=False):
        if _in_its_week(cadence, round_date):
            yield MemberOccurrence(round_date, moment, shift_out_of_quiet(moment, zone, quiet))


def _trigger(cadence: Cadence) -> CronTrigger:
    if cadence.kind == "cron":
        return _cron_trigger(cadence.cron or "")
    hour, minute = divmod(cadence.minute_of_day or 0, 60)
    # Our weekday numbers (0 = Monday) are APScheduler's own when given to CronTrigger directly.
    days = "*" if cadence.kind == "daily" else ",".join(str(day) for day in sorted(cadence.weekdays))
    # Starting at the anchor's Monday keeps every_n_weeks from counting weeks before its first one.
    start = _monday(cadence.anchor) if cadence.kind == "every_n_weeks" and cadence.anchor else None
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, start_date=start, timezone=UTC)


def _in_its_week(cadence: Cadence, day: date) -> bool:
    return cadence.kind != "every_n_weeks" or cadence.anchor is None or in_cadence_week(
        day, cadence.anchor, cadence.every_weeks
    )


def in_cadence_week(day: date, anchor: date, every_weeks: int) -> bool:
    """Return whether ``day`` is in one of the weeks of every ``every_weeks`` weeks from ``anchor``'s week.

    Weeks start on Monday; a rhythm that falls on one weekday counts from its anchor day's week.
    """
    if every_weeks < 1:
        raise ValueError(f"every_weeks must be at least 1, got {every_weeks}")
    return (_monday(day) - _monday(anchor)).days // 7 % every_weeks == 0


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _fire_moments(
    trigger: CronTrigger, tz: ZoneInfo, after: datetime, *, repeats: bool
) -> Iterator[tuple[date, datetime]]:
    """Yield (local date, UTC moment) of the fires after ``after`` on the wall clock of ``tz``."""
    # Triggers run on wall-clock times labelled UTC, where every day has 24 hours, and zoneinfo says when
    # each wall time happens. In a zone with DST, APScheduler 3.11 adds a day as 24 real hours and so
    # skips the first hour(s) of the day after a spring-forward change (agronholm/apscheduler#529, #606).
    last = after
    cursor = after.astimezone(tz).replace(tzinfo=UTC)
    while (fire := trigger.get_next_fire_time(None, cursor)) is not None:
        cursor = fire + _TICK
        wall = fire.replace(tzinfo=None)
        for moment in _moments_of(wall, tz, repeats=repeats):
            if moment > last:
                last = moment
                yield wall.date(), moment


def _moments_of(wall: datetime, tz: ZoneInfo, *, repeats: bool) -> tuple[datetime, ...]:
    """Return when a wall time happens in ``tz``: once, twice if the clocks go back over it, or at a jump."""
    first, second = (wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    if first < second:  # clocks went back over it: the first pass, unless both are wanted
        return (first, second) if repeats else (first,)
    if first == second:
        return (first,)
    # It does not exist (02:30 on the night Denver jumps from 02:00 to 03:00): a check-in belongs at the
    # first moment after the gap, the jump itself.
    return (first_reading(wall.date(), wall.hour * 60 + wall.minute, tz),)

