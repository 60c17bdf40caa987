"""Moments for tests about local time: UTC, a wall clock in a zone, minutes of the day."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def at(zone, *args):
    """A wall-clock moment in ``zone`` (first pass if repeated), as UTC."""
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local(moment, zone):
    return moment.astimezone(ZoneInfo(zone))


def wall(moment, zone):
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def minutes(hours, mins=0):
    return hours * 60 + mins
