"""Goals: checks on what members type, streaks and nudges on their own clock, and the weekly wins."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from bot.domain.recurrence import shift_out_of_quiet
from bot.domain.timezones import first_reading, in_quiet_hours, utc
from bot.errors import Invalid

Visibility = Literal["private", "partners", "group"]

VISIBILITIES: tuple[Visibility, ...] = get_args(Visibility)
TITLE_MAX = 100
NOTE_MAX = 500
REFLECTION_MAX = 1000
WHY_MAX = 500
MILESTONES_MAX = 20
DUE_YEARS_MAX = 10

_DAY = 24 * 60
_MINUTE = timedelta(minutes=1)
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
# Far enough for any window with room on the clock to come round again, even past a DST change.
_NUDGE_HORIZON = timedelta(days=7)


def check_title(text: str) -> str:
    """Return the trimmed goal title, or raise Invalid if it is empty or too long."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Invalid(f"A goal needs a title (up to {TITLE_MAX} characters).")
    if len(cleaned) > TITLE_MAX:
        raise Invalid(f"A goal title can be at most {TITLE_MAX} characters (this one has {len(cleaned)}).")
    return cleaned


def check_note(text: str | None, *, limit: int = NOTE_MAX, what: str = "note") -> str | None:
    """Return the trimmed text (None if empty), or raise Invalid if it is longer than ``limit``."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    if len(cleaned) > limit:
        raise Invalid(
            f"{what[:1].upper()}{what[1:]} can be at most {limit} characters (this one has {len(cleaned)})."
        )
    return cleaned


def check_progress(value: int) -> int:
    """Return ``value`` if it is a percentage, else raise Invalid."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise Invalid("Progress is a percentage from 0 to 100.")
    return value


def check_visibility(text: str) -> Visibility:
    """Return ``text`` if it names a visibility, else raise Invalid."""
    if text not in VISIBILITIES:
        raise Invalid(
            "Choose who can see the goal: private (only you), partners (you and your partners) "
            "or group (your whole group)."
        )
    return text  # type: ignore[return-value]


def can_see(visibility: Visibility, *, is_owner: bool, is_partner: bool, in_group: bool) -> bool:
    """Tell whether someone may see a goal: private is the owner's alone; wider levels add to narrower."""
    if is_owner:
        return True
    if visibility == "partners":
        return is_partner
    if visibility == "group":
        return is_partner or in_group
    return False


def parse_due_date(text: str, *, today: date) -> date:
    """Parse a YYYY-MM-DD due date between the member's ``today`` and ten years ahead."""
    example = (today + timedelta(days=30)).isoformat()
    match = _DATE.match(text)
    if not match:
        raise Invalid(f"“{text[:32]}” is not a date: use YYYY-MM-DD, e.g. {example}.")
    try:
        due = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise Invalid(
            f"“{text.strip()}” is not a day on the calendar: check the month and the day."
        ) from None
    if due < today:
        raise Invalid(
            f"{due.isoformat()} is in the past (today is {today.isoformat()} where you are): "
            "pick today or a later day."
        )
    # 29 February ten years on may not exist: the limit is then the 28th.
    limit = date(today.year + DUE_YEARS_MAX, today.month, min(today.day, 28 if today.month == 2 else 31))
    if due > limit:
        raise Invalid(f"A due date can be at most {DUE_YEARS_MAX} years ahead (until {limit.isoformat()}).")
    return due


def progress_from_milestones(done: int, total: int) -> int:
    """Return the percentage of milestones done, rounded half up (0 when there are none)."""
    if not 0 <= done <= total:
        raise ValueError(f"expected 0 <= done <= total, got {done} of {total}")
    if total == 0:
        return 0
    percent = (200 * done + total) // (2 * total)
    # Only all milestones make 100%, and one makes more than 0%, however many there are.
    return percent if done in (0, total) else min(max(percent, 1), 99)


@dataclass(frozen=True)
class Clock:
    """A member's local clock: their IANA zone and quiet hours (minutes after midnight, may wrap)."""

    zone: str
    quiet: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.quiet is not None:
            start, end = self.quiet
            if not (0 <= start < _DAY and 0 <= end < _DAY):
                raise Invalid("Quiet hours need times between 00:00 and 23:59.")
            if start == end:
                raise Invalid("Quiet hours must start and end at different times.")


def local_day(moment: datetime, zone: str) -> date:
    """Return the member-local calendar day on which ``moment`` falls."""
    return utc(moment).astimezone(ZoneInfo(zone)).date()


def start_of_day(day: date, zone: str) -> datetime:
    """Return the UTC moment a member-local day begins (when midnight is skipped, when the clocks jump)."""
    return first_reading(day, 0, ZoneInfo(zone))


def streak(activity: Iterable[datetime], zone: str, now: datetime) -> int:
    """Count the member-local days in a row with activity, ending today (or yesterday, if none yet today)."""
    now = utc(now)
    days = {local_day(moment, zone) for moment in activity if utc(moment) <= now}
    today = local_day(now, zone)
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def is_stale(last_activity: datetime, now: datetime, stale_after_days: int) -> bool:
    """Tell whether a goal has had no activity for ``stale_after_days`` days or more."""
    if stale_after_days < 1:
        raise ValueError(f"stale_after_days must be at least 1, got {stale_after_days}")
    return utc(now) - utc(last_activity) >= timedelta(days=stale_after_days)


def nudge_moment(now: datetime, clock: Clock, *, earliest: int = 9 * 60, latest: int = 19 * 60) -> datetime:
    """Return the first moment from ``now`` in the member's local [earliest, latest), outside quiet hours."""
    _check_window(earliest, latest)
    now, tz = utc(now), ZoneInfo(clock.zone)
    if not _window_has_room(earliest, latest, clock.quiet):
        # The member's quiet hours cover our whole window: their own choice wins over our default hours.
        return shift_out_of_quiet(now, clock.zone, clock.quiet)
    moment, local = now, now.astimezone(tz)
    if not _reachable(local, earliest, latest, clock.quiet):
        # Whether a moment fits changes only when the wall clock turns a minute.
        moment += _MINUTE - timedelta(seconds=local.second, microseconds=local.microsecond)
    # Jump from boundary to boundary of the window and quiet hours; those are wall-clock times, so when the
    # UTC offset changes before the next one (a DST change), walk a minute at a time instead.
    boundaries = {earliest, latest % _DAY, *(clock.quiet or ())}
    while not _reachable(local := moment.astimezone(tz), earliest, latest, clock.quiet):
        if moment - now > _NUDGE_HORIZON:
            raise ValueError(f"no moment in {clock.zone} fits the window {earliest}-{latest}")
        minute = local.hour * 60 + local.minute
        later = moment + min((boundary - minute) % _DAY or _DAY for boundary in boundaries) * _MINUTE
        moment = later if later.astimezone(tz).utcoffset() == local.utcoffset() else moment + _MINUTE
    return moment


def due_reminder_day(due: date, days_before: int = 3) -> date:
    """Return the member-local day on which to remind them of a goal due on ``due``."""
    if days_before < 0:
        raise ValueError(f"days_before must not be negative, got {days_before}")
    return due - timedelta(days=days_before)


def best_weekly_moment(
    clocks: Sequence[Clock],
    week_day: int,
    week_of: date,
    *,
    earliest: int = 9 * 60,
    latest: int = 20 * 60,
    step_minutes: int = 15,
) -> datetime:
    """Return the moment around ``week_day`` of ``week_of``'s week when the most members can be reached."""
    # The moments searched: every ``step_minutes`` from 12:00 UTC the day before the UTC ``week_day`` up to
    # (not including) 12:00 UTC the day after it, i.e. its UTC date plus 12 hours either side: 192 moments at
    # the default step. That span holds the whole local [earliest, latest) of ``week_day`` in every zone from
    # UTC-12 to UTC+14, so an Auckland group gets its Monday post on Auckland's Monday (Sunday in UTC), and a
    # fixed grid keeps the search obvious, cheap (192 moments x members) and deterministic.
    # A member counts at a moment that is ``week_day`` on their own calendar, inside [earliest, latest) of
    # their wall clock and outside their quiet hours: a Monday digest is read on everyone's Monday. The most
    # members wins; ties go to the earliest moment. If nobody can be reached (or nobody is given), 12:00 UTC
    # of the UTC ``week_day``.
    _check_window(earliest, latest)
    if not 0 <= week_day <= 6:
        raise ValueError(f"week_day is 0 (Monday) to 6 (Sunday), got {week_day}")
    if step_minutes < 1:
        raise ValueError(f"step_minutes must be positive, got {step_minutes}")
    day = week_of + timedelta(days=week_day - week_of.weekday())
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    zones = [(ZoneInfo(clock.zone), clock.quiet) for clock in clocks]
    best, best_count = noon, 0
    for index in range(48 * 60 // step_minutes + bool(48 * 60 % step_minutes)):
        moment = noon - timedelta(hours=24) + index * step_minutes * _MINUTE
        count = sum(
            local.weekday() == week_day and _reachable(local, earliest, latest, quiet)
            for local, quiet in ((moment.astimezone(tz), quiet) for tz, quiet in zones)
        )
        if count > best_count:
            best, best_count = moment, count
    return best


@dataclass(frozen=True)
class GoalFact:
    """What the weekly digest knows of one goal over the week (never its notes)."""

    goal_id: int
    owner_id: int
    title: str
    visibility: Visibility
    completed_at: datetime | None
    milestones_done_in_week: tuple[str, ...]
    progress_before: int
    progress_now: int
    last_activity: datetime
    stalled: bool


@dataclass(frozen=True)
class WeeklyWins:
    """A group's week: goals completed, milestones done, progress made, and shared goals gone quiet."""

    completed: tuple[GoalFact, ...]
    milestones: tuple[tuple[GoalFact, str], ...]
    progressed: tuple[GoalFact, ...]
    stalled: tuple[GoalFact, ...]

    def is_empty(self) -> bool:
        """Tell whether there is nothing to celebrate (stalled goals alone never make a digest)."""
        return not (self.completed or self.milestones or self.progressed)


def select_weekly_wins(facts: Iterable[GoalFact], week_start: datetime, week_end: datetime) -> WeeklyWins:
    """Pick the group-visible wins of the week [week_start, week_end), by owner then goal."""
    week_start, week_end = utc(week_start), utc(week_end)
    if week_start >= week_end:
        raise ValueError(f"the week must start before it ends: {week_start} to {week_end}")
    # Only goals shared with the whole group: private and partners-only goals never reach a group post.
    shared = sorted((f for f in facts if f.visibility == "group"), key=lambda f: (f.owner_id, f.goal_id))
    open_goals = [f for f in shared if not _done_by(f, week_end)]
    return WeeklyWins(
        completed=tuple(f for f in shared if _done_by(f, week_end) and not _done_by(f, week_start)),
        milestones=tuple((f, name) for f in shared for name in f.milestones_done_in_week),
        progressed=tuple(f for f in open_goals if f.progress_now > f.progress_before),
        stalled=tuple(f for f in open_goals if f.stalled),
    )


def _done_by(fact: GoalFact, moment: datetime) -> bool:
    return fact.completed_at is not None and utc(fact.completed_at) < moment


def _check_window(earliest: int, latest: int) -> None:
    if not 0 <= earliest < latest <= _DAY:
        raise ValueError(f"expected 0 <= earliest < latest <= {_DAY} minutes, got {earliest} and {latest}")


def _window_has_room(earliest: int, latest: int, quiet: tuple[int, int] | None) -> bool:
    # The first minute of the window that quiet hours leave free, if any, is its start or where they end.
    starts = [earliest, *([quiet[1]] if quiet and earliest <= quiet[1] < latest else [])]
    return any(not in_quiet_hours(datetime.combine(date.min, time(*divmod(m, 60))), quiet) for m in starts)


def _reachable(local: datetime, earliest: int, latest: int, quiet: tuple[int, int] | None) -> bool:
    return earliest <= local.hour * 60 + local.minute < latest and not in_quiet_hours(local, quiet)

