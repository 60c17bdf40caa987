"""Program cycles: a cohort's calendar (start, end, midpoint) and where a day falls in it.

A cycle's start and end are calendar days, the same for everyone; each member's "today" is read
in their own time zone, so a member in Tokyo is in the cycle's first week a few hours before one
in Denver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import Invalid

NAME_MAX = 60
# A mentoring agreement's choices: how often, and how, the pair or group meets.
CADENCES = {
    "weekly": "every week",
    "fortnightly": "every 2 weeks",
    "three_weeks": "every 3 weeks",
    "monthly": "every month",
}
# What a member got out of a cycle: the seed program's outcomes (its members' own end-of-program
# evaluation), asked as boxes to tick; counted in the cycle's report.
OUTCOMES = {
    "values": "I found my core values",
    "short_goals": "I set short-term goals",
    "long_goals": "I set long-term career goals",
    "collaboration": "I found close collaboration",
    "skills": "I built new skills",
    "satisfaction": "My job satisfaction grew",
}
NEXT_STEPS = {
    "continue": "Keep in touch informally",
    "again": "Match me again next cycle",
    "stop": "Stop here for now",
}
MEETING_MODES = {"video": "video call", "phone": "phone call", "chat": "text chat", "in_person": "in person"}
LONGEST_DAYS = 3 * 366  # the studied peer group met for three years
_KICKOFF = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[ T]+(\d{1,2}):(\d{2})\s*$")


def parse_day(text: str, what: str) -> date:
    """Return the day written as ``YYYY-MM-DD`` (what the suggestions offer), or raise Invalid."""
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise Invalid(
            f"I couldn't read the {what} “{text[:40]}”: write it as YYYY-MM-DD (e.g. 2027-01-04), "
            "or pick one of the suggestions."
        ) from None


def parse_kickoff(text: str, zone: ZoneInfo) -> datetime:
    """Return a kick-off written as ``YYYY-MM-DD HH:MM`` in ``zone``, as an aware datetime."""
    found = _KICKOFF.match(text)
    if not found:
        raise Invalid(
            f"I couldn't read the kick-off “{text[:40]}”: write it as YYYY-MM-DD HH:MM in your "
            "time zone (e.g. 2027-01-04 16:00), or pick one of the suggestions."
        )
    day = parse_day(found[1], "kick-off day")
    hour, minute = int(found[2]), int(found[3])
    if hour > 23 or minute > 59:
        raise Invalid(f"{hour:02}:{minute:02} is not a time of day.")
    return datetime.combine(day, time(hour, minute), zone)


def check_dates(starts_on: date, ends_on: date, today: date) -> None:
    """Raise Invalid unless a new cycle starts today or later and ends after it starts."""
    if starts_on < today:
        raise Invalid(f"The start, {starts_on:%a %d %b %Y}, is in the past: a cycle starts today or later.")
    if ends_on <= starts_on:
        raise Invalid(f"The end, {ends_on:%a %d %b %Y}, must come after the start, {starts_on:%a %d %b %Y}.")
    if (ends_on - starts_on).days > LONGEST_DAYS:
        raise Invalid("A cycle lasts at most three years; open the next one when this one ends.")


def midpoint(starts_on: date, ends_on: date) -> date:
    """Return the cycle's middle day (when its agreements are reviewed)."""
    return starts_on + (ends_on - starts_on) / 2


@dataclass(frozen=True)
class Position:
    """Where a day falls in a cycle, to tell a member."""

    phase: str  # upcoming | running | ended
    days_to_start: int = 0
    day: int = 0  # 1 on the first day
    days: int = 0  # the cycle's length, first and last day included
    week: int = 0
    weeks: int = 0

    def describe(self) -> str:
        """Return the position in words."""
        if self.phase == "upcoming":
            if self.days_to_start == 1:
                return "Starts tomorrow."
            return f"Starts in {self.days_to_start} days."
        if self.phase == "ended":
            return "This cycle has ended."
        left = self.days - self.day
        rest = "the last day" if left == 0 else f"{left} day{'s' if left != 1 else ''} to go"
        return f"Week {self.week} of {self.weeks} · day {self.day} of {self.days}, {rest}."


def position(starts_on: date, ends_on: date, today: date) -> Position:
    """Return where ``today`` falls between the cycle's first and last day."""
    days = (ends_on - starts_on).days + 1
    weeks = -(-days // 7)
    if today < starts_on:
        return Position("upcoming", days_to_start=(starts_on - today).days, days=days, weeks=weeks)
    if today > ends_on:
        return Position("ended", days=days, weeks=weeks)
    day = (today - starts_on).days + 1
    return Position("running", day=day, days=days, week=-(-day // 7), weeks=weeks)


def suggested_starts(today: date, count: int = 6) -> list[date]:
    """Return handy start days: today, the next Mondays and the next firsts of a month."""
    mondays = [today + timedelta(days=(7 - today.weekday()) % 7 + 7 * n) for n in range(3)]
    firsts, month = [], date(today.year, today.month, 1)
    for _ in range(3):
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        firsts.append(month)
    return sorted({today, *mondays, *firsts})[:count]


def suggested_ends(starts_on: date) -> list[tuple[str, date]]:
    """Return usual lengths from a start: 3, 6, 8 (the seed program's) and 12 months."""
    found = []
    for months in (3, 6, 8, 12):
        year, month = divmod(starts_on.month - 1 + months, 12)
        end = _same_day(starts_on, starts_on.year + year, month + 1) - timedelta(days=1)
        found.append((f"{months} months", end))
    return found


def _same_day(day: date, year: int, month: int) -> date:
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")
