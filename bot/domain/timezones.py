"""Time zones and local times: every person's clock, computed with zoneinfo."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from difflib import get_close_matches
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import Invalid

_MINUTE = timedelta(minutes=1)
_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–to ]+\s*(\d{1,2}):(\d{2})\s*$")


@cache
def _zones() -> tuple[str, ...]:
    # Region/City names only: the bare abbreviations ("EST", "GMT+0") mislead across DST.
    return tuple(
        sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    )


def resolve_zone(name: str) -> ZoneInfo:
    """Return the IANA zone called ``name`` (case and spaces forgiven), or raise Invalid with hints."""
    wanted = name.strip().replace(" ", "_")
    by_lower = {zone.lower(): zone for zone in _zones()}
    exact = by_lower.get(wanted.lower()) or ("UTC" if wanted.lower() in ("utc", "gmt") else None)
    if exact:
        try:
            return ZoneInfo(exact)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    hints = get_close_matches(wanted, _zones(), n=3, cutoff=0.6) or search_zones(wanted, limit=3)
    suggestion = f" Did you mean {', '.join(hints)}?" if hints else ""
    raise Invalid(
        f"“{name[:64]}” is not a time zone I know. Use a Region/City name such as Europe/Paris "
        f"or America/Denver (start typing and pick from the list).{suggestion}"
    )


def search_zones(query: str, *, limit: int = 25) -> list[str]:
    """Return zones matching ``query``: names starting with it first, then containing it."""
    needle = query.strip().lower().replace(" ", "_")
    if not needle:
        return ["UTC", *_popular()][:limit]
    starts, contains = [], []
    for zone in _zones():
        lowered = zone.lower()
        city = lowered.rsplit("/", 1)[-1]
        if lowered.startswith(needle) or city.startswith(needle):
            starts.append(zone)
        elif needle in lowered:
            contains.append(zone)
    return (starts + contains)[:limit]


def _popular() -> list[str]:
    return [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Sao_Paulo",
        "Europe/London",
        "Europe/Paris",
        "Europe/Berlin",
        "Africa/Lagos",
        "Africa/Nairobi",
        "Asia/Kolkata",
        "Asia/Singapore",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Pacific/Auckland",
    ]


def local_now(zone: str, now: datetime) -> datetime:
    """Return ``now`` on the wall clock of ``zone``."""
    return now.astimezone(ZoneInfo(zone))


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """Parse "22:00-07:00" into minutes after midnight; empty text clears quiet hours."""
    if not text.strip():
        return None
    match = _QUIET.match(text)
    if not match:
        raise Invalid("Quiet hours look like 22:00-07:00 (24-hour clock, start-end).")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise Invalid("Quiet hours need times between 00:00 and 23:59.")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise Invalid("Quiet hours must start and end at different times.")
    return start, end


def format_minutes(minutes: int) -> str:
    """Return ``HH:MM`` for minutes after midnight."""
    return time(minutes // 60, minutes % 60).strftime("%H:%M")


def in_quiet_hours(local: datetime, quiet: tuple[int, int] | None) -> bool:
    """Tell whether a local moment falls inside quiet hours (which may wrap past midnight)."""
    if quiet is None:
        return False
    start, end = quiet
    minute = local.hour * 60 + local.minute
    return start <= minute < end if start < end else minute >= start or minute < end


def utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; a naive datetime is a bug, not a time in some zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def first_reading(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Return the first UTC moment the clock of ``tz`` reads ``minute`` of ``day`` or later.

    A time the clocks go back over is its first pass; a time they skip (02:30 on the night Denver
    jumps from 02:00 to 03:00) is the jump itself.
    """
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    # The earlier reading is the first pass of a repeated time, or a moment before a skipped one: walk on
    # from there to when the clocks jump past it.
    moment = min(wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    while moment.astimezone(tz).replace(tzinfo=None) < wall:
        moment += _MINUTE
    return moment
