"""What the meeting service returns: plain, frozen views of meetings, polls, series and attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Meeting, MeetingSeries
from bot.domain.meeting_plans import next_series_day
from bot.domain.meetings import LocalSlot
from bot.services.meetings import messages
from bot.services.meetings.calendar import event_url

POLLING, CONFIRMED, CANCELLED = "polling", "confirmed", "cancelled"
GOING, NOT_GOING = "going", "declined"  # a meeting_attendance.rsvp is at most 8 characters


@dataclass(frozen=True)
class MeetingView:
    """A meeting as the cogs show it."""

    id: int
    guild_id: int
    group_id: int
    group_name: str
    title: str
    status: str
    starts_at: datetime | None
    duration_minutes: int
    home_channel_id: int | None
    voice_channel_id: int | None
    event_id: int | None
    event_failure: str | None
    recurring: bool

    @property
    def ends_at(self) -> datetime | None:
        """Return when the meeting ends, once it has a time."""
        return self.starts_at + timedelta(minutes=self.duration_minutes) if self.starts_at else None

    @property
    def event_url(self) -> str | None:
        """Return the link to the server's scheduled event, if there is one."""
        return event_url(self.guild_id, self.event_id) if self.event_id else None

    @property
    def where(self) -> messages.Where:
        """Return where it happens, for messages."""
        return messages.Where(self.home_channel_id, self.voice_channel_id, self.event_url)


@dataclass(frozen=True)
class PlanResult:
    """A poll just posted: its times on the facilitator's clock."""

    meeting: MeetingView
    zone: str
    slots: tuple[LocalSlot, ...]
    suggested: bool


@dataclass(frozen=True)
class MemberPoll:
    """The poll as one member sees it: the times on their clock and the ones they marked."""

    meeting: MeetingView
    zone: str
    slots: tuple[LocalSlot, ...]
    marked: frozenset[datetime]


@dataclass(frozen=True)
class SlotRow:
    """One time of the poll, ranked: who can come, who not, who would meet at an awkward hour."""

    at: datetime
    label: str  # on the viewer's clock
    attendees: tuple[int, ...]
    absent: tuple[int, ...]
    awkward: tuple[tuple[int, str], ...]  # (member, their local time) for attendees at a hard hour


@dataclass(frozen=True)
class Ranking:
    """The poll's times, best first, for a facilitator."""

    meeting: MeetingView
    zone: str
    rows: tuple[SlotRow, ...]
    responded: tuple[int, ...]
    invited: tuple[int, ...]


@dataclass(frozen=True)
class Confirmed:
    """A meeting just confirmed."""

    meeting: MeetingView
    row: SlotRow
    invited: int


@dataclass(frozen=True)
class Published:
    """The outcome of putting a meeting on the server's calendar."""

    meeting: MeetingView
    failure: str | None


@dataclass(frozen=True)
class GroupAttendance:
    """A group's attendance over the meetings whose attendance was recorded (for reports)."""

    meetings: int
    attended: int
    expected: int

    @property
    def rate(self) -> float | None:
        """Return attended / expected, or None before any record."""
        return self.attended / self.expected if self.expected else None


@dataclass(frozen=True)
class AttendanceForm:
    """What a facilitator needs to record who came."""

    meeting: MeetingView
    members: tuple[int, ...]
    preselected: tuple[int, ...]
    recorded: bool


@dataclass(frozen=True)
class AttendanceSummary:
    """Attendance just recorded, and the group's rate so far."""

    meeting: MeetingView
    attended: tuple[int, ...]
    absent: tuple[int, ...]
    group: GroupAttendance


@dataclass(frozen=True)
class MeetingLine:
    """A meeting in a group's list, with the viewer's answer and the counts."""

    meeting: MeetingView
    my_rsvp: str | None
    going: int
    not_going: int
    attended: int | None  # None until recorded


@dataclass(frozen=True)
class SeriesView:
    """A group's recurring meeting."""

    group_name: str
    title: str
    weekday: int
    every_weeks: int
    zone: str
    duration_minutes: int
    active: bool
    next_day: date | None


@dataclass(frozen=True)
class Overview:
    """A group's meetings: the open poll, what's coming, what was, the series and attendance."""

    group_name: str
    poll: MeetingView | None
    upcoming: tuple[MeetingLine, ...]
    past: tuple[MeetingLine, ...]
    series: SeriesView | None
    attendance: GroupAttendance


def _view(meeting: Meeting, group_name: str, home: int | None) -> MeetingView:
    return MeetingView(
        id=meeting.id,
        guild_id=meeting.guild_id,
        group_id=meeting.group_id,
        group_name=group_name,
        title=meeting.title or f"{group_name} meeting",
        status=meeting.status,
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        home_channel_id=home,
        voice_channel_id=meeting.voice_channel_id,
        event_id=meeting.event_id,
        event_failure=meeting.event_failure,
        recurring=meeting.series_id is not None,
    )


def _series_view(series: MeetingSeries, group_name: str, now: datetime) -> SeriesView:
    today = now.astimezone(ZoneInfo(series.zone)).date()
    next_day = None
    if series.active:
        after = max(today, series.last_day) if series.last_day else today
        next_day = next_series_day(series.anchor_day, series.weekday, series.every_weeks, after)
    return SeriesView(
        group_name,
        series.title or f"{group_name} meeting",
        series.weekday,
        series.every_weeks,
        series.zone,
        series.duration_minutes,
        series.active,
        next_day,
    )
