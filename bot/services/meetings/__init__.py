"""Meetings across time zones: a poll of times, ranked for fairness, confirmed into a meeting.

A facilitator proposes times (typed on their own clock, or suggested across the coming days);
the poll goes to the group's home; each member marks the times that work, seeing them on their
own clock. The ranking puts first the times most members can come to, then the ones that weigh
least on them, weighting whoever has carried awkward hours before (the group's burden ledger),
so the awkward hours rotate. Confirming a time records each attendee's share of the burden,
writes the RSVP rows, the reminders (a day and an hour before, never in quiet hours) and the
facilitators' attendance prompt into the outbox — all in one unit of work. The server's
scheduled event and the announcement follow (:meth:`MeetingService.publish`), from the command
or from the meetings sweep if the process stopped in between. Recurring meetings
(:mod:`bot.services.meetings.sweep`) go through the same :func:`lock_in`.

- ``service.py``: :class:`MeetingService`, put together from ``polls.py`` (plan, mark, rank),
  ``confirmation.py`` (confirm, publish the server event, cancel), ``attendance.py`` (RSVPs and
  their reminders, attendance) and ``series.py`` (recurring meetings), over ``base.py``.
- ``views.py``: what the service returns; ``queries.py`` and ``checks.py``: shared reads and checks.
- ``sweep.py``: the every-minute job (recurring meetings made ahead, events published).
- ``calendar.py``: the port to the server's scheduled events; ``messages.py``: what is sent.
"""

from bot.services.meetings.attendance import group_attendance
from bot.services.meetings.calendar import EventRequest, MeetingCalendar
from bot.services.meetings.checks import DURATION_MAX, DURATION_MIN, TITLE_MAX
from bot.services.meetings.confirmation import lock_in
from bot.services.meetings.polls import DAYS_MAX
from bot.services.meetings.series import EVERY_WEEKS_MAX
from bot.services.meetings.service import MeetingService
from bot.services.meetings.sweep import MeetingSweep
from bot.services.meetings.views import (
    CANCELLED,
    CONFIRMED,
    GOING,
    NOT_GOING,
    POLLING,
    AttendanceForm,
    AttendanceSummary,
    Confirmed,
    GroupAttendance,
    MeetingLine,
    MeetingView,
    MemberPoll,
    Overview,
    PlanResult,
    Published,
    Ranking,
    SeriesView,
    SlotRow,
)

__all__ = [
    "CANCELLED",
    "CONFIRMED",
    "DAYS_MAX",
    "DURATION_MAX",
    "DURATION_MIN",
    "EVERY_WEEKS_MAX",
    "GOING",
    "NOT_GOING",
    "POLLING",
    "TITLE_MAX",
    "AttendanceForm",
    "AttendanceSummary",
    "Confirmed",
    "EventRequest",
    "GroupAttendance",
    "MeetingCalendar",
    "MeetingLine",
    "MeetingService",
    "MeetingSweep",
    "MeetingView",
    "MemberPoll",
    "Overview",
    "PlanResult",
    "Published",
    "Ranking",
    "SeriesView",
    "SlotRow",
    "group_attendance",
    "lock_in",
]
