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
(:mod:`bot.services.meeting_sweep`) go through the same :func:`lock_in`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import (
    Group,
    GroupMember,
    Meeting,
    MeetingAttendance,
    MeetingAvailability,
    MeetingBurden,
    MeetingSeries,
    MeetingSlot,
    OutboxMessage,
)
from bot.db.upsert import insert_ignore, locked_row
from bot.domain.cadence import first_day
from bot.domain.goals import Clock as MemberClock
from bot.domain.meeting_plans import next_series_day, parse_slot_times, reminder_times, suggest_slots
from bot.domain.meetings import LocalSlot, local_slots, rank_slots, record_burden
from bot.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from bot.messaging import Target
from bot.messaging.outbox import enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services import meeting_messages as messages
from bot.services.actors import Actor
from bot.services.groups import GroupService, GroupView
from bot.services.meeting_calendar import EventRequest, MeetingCalendar, channel_url, event_url
from bot.services.profiles import member_clock, member_clocks
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

POLLING, CONFIRMED, CANCELLED = "polling", "confirmed", "cancelled"
GOING, NOT_GOING = "going", "declined"  # a meeting_attendance.rsvp is at most 8 characters
TITLE_MAX = 100
DURATION_MIN, DURATION_MAX = 15, 240
DAYS_MAX = 14
EVERY_WEEKS_MAX = 12
CONFIRM_LEAD = timedelta(minutes=5)  # Discord refuses an event that starts in the past
CLAIM_STALE = timedelta(minutes=5)  # an event claim older than this was left by a stopped process
ATTENDANCE_PROMPT_FOR = timedelta(days=7)
PRIVATE_EVENT_NAME = "Mentoring group meeting"


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


class MeetingService:
    """Meeting polls, confirmations, RSVPs, attendance and recurring meetings."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
        calendar: MeetingCalendar | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler
        self.calendar = calendar  # set by the runtime once the Discord client exists

    # -- planning -------------------------------------------------------------------------

    async def plan(
        self,
        guild_id: int,
        actor: Actor,
        group_ref: str | int,
        *,
        title: str | None = None,
        times: str | None = None,
        days: int = 7,
        duration_minutes: int = 60,
        voice_channel_id: int | None = None,
    ) -> PlanResult:
        """Post a poll of candidate times in the group's home (its facilitators and coordinators)."""
        title = _check_title(title)
        _check_duration(duration_minutes)
        if not 1 <= days <= DAYS_MAX:
            raise Invalid(f"Look 1 to {DAYS_MAX} days ahead.")
        group = await self._groups.require_manager(guild_id, actor, group_ref, "plan meetings for")
        home = _usable_home(group)
        now = self._clock.now()
        async with self._db.transaction() as session:
            if await _open_poll(session, group.id) is not None:
                raise Conflict(
                    f"“{group.name}” already has an open poll: confirm a time with `/meet confirm` "
                    "or close it with `/meet cancel`."
                )
            zone, _ = await member_clock(session, self._settings, guild_id, actor.user_id)
            invited = _invited(group)
            if times and times.strip():
                slots = parse_slot_times(times, zone, now)
            else:
                clocks = await member_clocks(session, self._settings, guild_id, invited)
                burden = await group_burden(session, group.id)
                slots = suggest_slots(clocks, now, days, burden, zone=zone)
            meeting = Meeting(
                guild_id=guild_id,
                group_id=group.id,
                title=title,
                duration_minutes=duration_minutes,
                voice_channel_id=voice_channel_id,
                status=POLLING,
                proposed_by=actor.user_id,
                created_at=now,
            )
            session.add(meeting)
            await session.flush()
            session.add_all(MeetingSlot(meeting_id=meeting.id, starts_at=slot) for slot in slots)
            view = _view(meeting, group.name, home)
            await enqueue(
                session,
                key=f"meeting-poll:{meeting.id}",
                target=Target("channel", home),
                message=messages.poll_message(meeting.id, view.title, slots, duration_minutes),
                now=now,
                guild_id=guild_id,
            )
        self._scheduler.run_soon("outbox")
        log.info("meeting poll %s for group %s: %s times", view.id, group.id, len(slots))
        return PlanResult(view, zone, local_slots(slots, zone), suggested=not (times and times.strip()))

    async def member_poll(self, meeting_id: int, user_id: int) -> MemberPoll:
        """Return the poll as ``user_id`` sees it (members of the group only)."""
        async with self._db.transaction() as session:
            meeting, group = await _meeting_and_group(session, meeting_id)
            await _require_invited(session, group, user_id, "mark times in this poll")
            _require_polling(meeting)
            zone, _ = await member_clock(session, self._settings, meeting.guild_id, user_id)
            slots = await _slots(session, meeting.id)
            marked = await session.scalars(
                select(MeetingAvailability.starts_at).where(
                    MeetingAvailability.meeting_id == meeting.id, MeetingAvailability.user_id == user_id
                )
            )
            return MemberPoll(
                _view(meeting, group.name, group.home_channel_id),
                zone,
                local_slots(slots, zone),
                frozenset(marked.all()),
            )

    async def mark(self, meeting_id: int, user_id: int, chosen: Iterable[datetime]) -> tuple[int, int]:
        """Record the times that work for a member (replacing earlier marks); return (marked, offered)."""
        chosen = set(chosen)
        async with self._db.transaction() as session:
            meeting, group = await _meeting_and_group(session, meeting_id, for_update=True)
            await _require_invited(session, group, user_id, "mark times in this poll")
            _require_polling(meeting)
            slots = await _slots(session, meeting.id)
            if not chosen <= set(slots):
                raise Invalid("Pick times from the poll's list.")
            await session.execute(
                delete(MeetingAvailability).where(
                    MeetingAvailability.meeting_id == meeting.id, MeetingAvailability.user_id == user_id
                )
            )
            session.add_all(
                MeetingAvailability(meeting_id=meeting.id, user_id=user_id, starts_at=at) for at in chosen
            )
        return len(chosen), len(slots)

    async def ranking(self, guild_id: int, actor: Actor, group_ref: str | int) -> Ranking:
        """Return the open poll's times, best first (facilitators and coordinators)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "see the meeting poll of")
        async with self._db.transaction() as session:
            meeting = await _open_poll(session, group.id)
            if meeting is None:
                raise NotFound(f"“{group.name}” has no open meeting poll; start one with `/meet plan`.")
            zone, _ = await member_clock(session, self._settings, guild_id, actor.user_id)
            return await self._ranking(session, meeting, group, zone)

    async def confirm(
        self, guild_id: int, actor: Actor, group_ref: str | int, at: datetime | None = None
    ) -> Confirmed:
        """Fix the meeting at ``at`` (default: the best-ranked time) and schedule its reminders."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "confirm meetings of")
        _usable_home(group)
        now = self._clock.now()
        async with self._db.transaction() as session:
            meeting = await _open_poll(session, group.id, for_update=True)
            if meeting is None:
                raise NotFound(f"“{group.name}” has no open meeting poll; start one with `/meet plan`.")
            zone, _ = await member_clock(session, self._settings, guild_id, actor.user_id)
            ranking = await self._ranking(session, meeting, group, zone)
            if at is None:
                row = next((r for r in ranking.rows if r.at >= now + CONFIRM_LEAD), None)
                if row is None or not row.attendees:
                    raise Invalid(
                        "Nobody has marked a time that is still ahead. Wait for answers, or pick a time "
                        "yourself from the `slot` list."
                    )
            else:
                row = next((r for r in ranking.rows if r.at == at), None)
                if row is None:
                    raise Invalid("That time isn't one of the poll's; pick one from the list.")
                if row.at < now + CONFIRM_LEAD:
                    raise Invalid("That time has passed (or starts within minutes); pick a later one.")
            await lock_in(
                session,
                self._settings,
                meeting,
                row.at,
                attendees=row.attendees,
                invited=ranking.invited,
                confirmed_by=actor.user_id,
                facilitators=group.facilitator_ids,
                now=now,
            )
            view = _view(meeting, group.name, group.home.channel_id if group.home else None)
        self._scheduler.run_soon("outbox")
        log.info("meeting %s of group %s confirmed for %s", view.id, group.id, row.at.isoformat())
        return Confirmed(view, row, len(ranking.invited))

    async def publish(self, meeting_id: int) -> Published | None:
        """Put a confirmed meeting on the server's calendar and announce it in the group's home.

        Idempotent: a meeting that has its event (or a recorded failure) is left alone, a claim
        keeps two callers from creating two events, and the calendar port finds an event it
        already made by the meeting's marker. Returns None when there was nothing to do.
        """
        now = self._clock.now()
        async with self._db.transaction() as session:
            meeting = await session.get(Meeting, meeting_id, with_for_update=True)
            if meeting is None or meeting.status != CONFIRMED or meeting.starts_at is None:
                return None
            if meeting.event_id is not None or meeting.event_failure is not None:
                return None
            if meeting.event_claimed_at is not None and meeting.event_claimed_at > now - CLAIM_STALE:
                return None
            group = await session.get(Group, meeting.group_id)
            assert group is not None
            if meeting.starts_at <= now:
                meeting.event_failure = "The meeting started before its event could be made."
                return None
            meeting.event_claimed_at = now
            request = _event_request(meeting, group)
        failure = None
        event_id = None
        try:
            event_id = await self._require_calendar().create_event(request)
        except DomainError as error:
            failure = error.message
        except Exception:
            async with self._db.transaction() as session:  # let the sweep try again
                await session.execute(
                    update(Meeting).where(Meeting.id == meeting_id).values(event_claimed_at=None)
                )
            raise
        now = self._clock.now()
        async with self._db.transaction() as session:
            meeting = await session.get(Meeting, meeting_id, with_for_update=True)
            assert meeting is not None and meeting.starts_at is not None
            group = await session.get(Group, meeting.group_id)
            assert group is not None
            if event_id is not None:
                meeting.event_id = event_id
            else:
                meeting.event_failure = (failure or "unknown")[:200]
            view = _view(meeting, group.name, group.home_channel_id)
            withdrawn = meeting.status != CONFIRMED and event_id is not None
            if meeting.status == CONFIRMED and group.home_channel_id is not None:
                invited = await invited_ids(session, group.id)
                marked = await _attendees_marked(session, meeting.id)
                await enqueue(
                    session,
                    key=f"meeting-announce:{meeting.id}",
                    target=Target("channel", group.home_channel_id),
                    message=messages.announcement(
                        meeting.id,
                        view.title,
                        meeting.starts_at,
                        meeting.duration_minutes,
                        view.where,
                        marked=marked,
                        invited=len(invited),
                        recurring=meeting.series_id is not None,
                    ),
                    now=now,
                    guild_id=meeting.guild_id,
                    expires_at=view.ends_at,
                )
            if failure is not None and meeting.confirmed_by is not None:
                await enqueue(
                    session,
                    key=f"meeting-event-failed:{meeting.id}",
                    target=Target("dm", meeting.confirmed_by),
                    message=messages.event_failed(view.title, meeting.starts_at, failure),
                    now=now,
                    guild_id=meeting.guild_id,
                )
        self._scheduler.run_soon("outbox")
        if withdrawn:  # cancelled while its event was being made: take the event down again
            assert event_id is not None
            try:
                await self._require_calendar().cancel_event(view.guild_id, event_id)
            except DomainError as error:
                log.info("meeting %s was cancelled; its event stayed: %s", meeting_id, error.message[:80])
        if failure:
            log.info("meeting %s: no server event (%s)", meeting_id, failure[:80])
        return Published(view, failure)

    # -- members --------------------------------------------------------------------------

    async def rsvp(self, meeting_id: int, user_id: int, going: bool) -> MeetingView:
        """Record a member's "going" or "can't make it"; their reminders follow the answer."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            meeting, group = await _meeting_and_group(session, meeting_id)
            await _require_invited(session, group, user_id, "answer for this meeting")
            if meeting.status == CANCELLED:
                raise Conflict("This meeting was cancelled.")
            if meeting.status != CONFIRMED or meeting.starts_at is None:
                raise Invalid("This meeting has no time yet.")
            view = _view(meeting, group.name, group.home_channel_id)
            assert view.ends_at is not None
            if now >= view.ends_at:
                raise Conflict("This meeting is over.")
            row = await locked_row(session, MeetingAttendance, (meeting.id, user_id))
            row.rsvp, row.rsvp_at = (GOING if going else NOT_GOING), now
            keys = [f"meeting-remind:{meeting.id}:{user_id}:{kind}" for kind in ("day", "hour")]
            if going:
                clock = MemberClock(*await member_clock(session, self._settings, meeting.guild_id, user_id))
                await _remind(session, meeting, view, user_id, clock, now)
                await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.dedupe_key.in_(keys),
                        OutboxMessage.status == "cancelled",
                        OutboxMessage.not_before > now,
                    )
                    .values(status="pending")
                )
            else:
                await _cancel_pending(session, keys)
        return view

    async def overview(self, guild_id: int, actor: Actor, group_ref: str | int) -> Overview:
        """Return the group's meetings for someone who may see the group."""
        group = await self._groups.get(guild_id, actor, group_ref)
        now = self._clock.now()
        async with self._db.transaction() as session:
            poll = await _open_poll(session, group.id)
            home = group.home.channel_id if group.home else None
            rows = (
                await session.scalars(
                    select(Meeting)
                    .where(Meeting.group_id == group.id, Meeting.status == CONFIRMED)
                    .order_by(Meeting.starts_at.desc())
                    .limit(20)
                )
            ).all()
            lines = [await _line(session, m, group.name, home, actor.user_id) for m in rows]
            upcoming = tuple(sorted((ln for ln in lines if not _over(ln, now)), key=_start))
            past = tuple(ln for ln in lines if _over(ln, now))[:5]
            series = await session.scalar(select(MeetingSeries).where(MeetingSeries.group_id == group.id))
            return Overview(
                group.name,
                _view(poll, group.name, home) if poll else None,
                upcoming,
                past,
                _series_view(series, group.name, now) if series else None,
                await group_attendance(session, group.id),
            )

    # -- after the meeting ----------------------------------------------------------------

    async def attendance_form(
        self,
        guild_id: int | None,
        actor: Actor,
        *,
        group_ref: str | int | None = None,
        meeting_id: int | None = None,
    ) -> AttendanceForm:
        """Return the members to tick and who to preselect (facilitators and coordinators)."""
        meeting_view, group = await self._attendance_target(guild_id, actor, group_ref, meeting_id)
        async with self._db.transaction() as session:
            members = await _attendance_members(session, meeting_view.id, group.id)
            rows = {
                r.user_id: r
                for r in await session.scalars(
                    select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting_view.id)
                )
            }
            meeting = await session.get(Meeting, meeting_view.id)
            assert meeting is not None
            recorded = meeting.attendance_recorded_at is not None
        if recorded:
            chosen = tuple(m for m in members if rows.get(m) is not None and rows[m].attended)
        else:
            chosen = tuple(m for m in members if rows.get(m) is not None and rows[m].rsvp == GOING)
        return AttendanceForm(meeting_view, members, chosen, recorded)

    async def record_attendance(
        self, actor: Actor, meeting_id: int, attended: Iterable[int]
    ) -> AttendanceSummary:
        """Record who came to a meeting (every other member counts as absent)."""
        async with self._db.transaction() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound("That meeting no longer exists.")
            guild_id = meeting.guild_id
        meeting_view, group = await self._attendance_target(guild_id, actor, None, meeting_id)
        came = set(attended)
        now = self._clock.now()
        async with self._db.transaction() as session:
            members = await _attendance_members(session, meeting_id, group.id)
            strangers = sorted(came - set(members))
            if strangers:
                names = ", ".join(f"<@{user}>" for user in strangers[:5])
                raise Invalid(f"{names} {'is' if len(strangers) == 1 else 'are'} not in “{group.name}”.")
            for user_id in members:
                row = await locked_row(session, MeetingAttendance, (meeting_id, user_id))
                row.attended, row.recorded_at = user_id in came, now
            await session.execute(
                update(Meeting).where(Meeting.id == meeting_id).values(attendance_recorded_at=now)
            )
            await _cancel_prefix(session, f"meeting-attendance:{meeting_id}:")
            stats = await group_attendance(session, group.id)
        return AttendanceSummary(
            meeting_view,
            tuple(m for m in members if m in came),
            tuple(m for m in members if m not in came),
            stats,
        )

    async def meeting_choices(
        self, guild_id: int, actor: Actor, group_ref: str | int, *, past: bool
    ) -> list[tuple[int, str]]:
        """Return (id, label on the actor's clock) of a group's started meetings or of those to come."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "manage the meetings of")
        now = self._clock.now()
        async with self._db.transaction() as session:
            query = select(Meeting).where(Meeting.group_id == group.id)
            if past:
                query = query.where(Meeting.status == CONFIRMED, Meeting.starts_at <= now)
                query = query.order_by(Meeting.starts_at.desc())
            else:
                query = query.where(
                    (Meeting.status == POLLING) | ((Meeting.status == CONFIRMED) & (Meeting.starts_at > now))
                ).order_by(Meeting.created_at)
            rows = (await session.scalars(query.limit(25))).all()
            zone, _ = await member_clock(session, self._settings, guild_id, actor.user_id)
        choices = []
        for meeting in rows:
            title = meeting.title or f"{group.name} meeting"
            if meeting.starts_at is None:
                choices.append((meeting.id, f"{title} · open poll"))
            else:
                (when,) = local_slots([meeting.starts_at], zone)
                choices.append((meeting.id, f"{when.label} · {title}"))
        return choices

    # -- cancelling -----------------------------------------------------------------------

    async def cancel(
        self, guild_id: int, actor: Actor, group_ref: str | int, meeting_id: int | None = None
    ) -> tuple[MeetingView, str | None]:
        """Cancel the open poll or an upcoming meeting; return it and why its event stayed (if so)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "cancel meetings of")
        now = self._clock.now()
        async with self._db.transaction() as session:
            if meeting_id is not None:
                meeting = await session.get(Meeting, meeting_id, with_for_update=True)
                if meeting is None or meeting.group_id != group.id:
                    raise NotFound(f"No such meeting of “{group.name}”.")
            else:
                meeting = await _open_poll(session, group.id, for_update=True) or await _next_meeting(
                    session, group.id, now
                )
                if meeting is None:
                    raise NotFound(f"“{group.name}” has no open poll and no upcoming meeting to cancel.")
            if meeting.status == CANCELLED:
                raise Conflict("That meeting is already cancelled.")
            if meeting.status == CONFIRMED and meeting.starts_at is not None and meeting.starts_at <= now:
                raise Conflict("That meeting has already started; record who came with `/meet attendance`.")
            was_confirmed = meeting.status == CONFIRMED
            meeting.status, meeting.cancelled_at = CANCELLED, now
            for prefix in ("meeting-remind", "meeting-attendance", "meeting-announce", "meeting-poll"):
                await _cancel_prefix(session, f"{prefix}:{meeting.id}:")
                await _cancel_pending(session, [f"{prefix}:{meeting.id}"])
            if was_confirmed:
                await _give_back_burden(session, meeting, now)
            home = group.home.channel_id if group.home else None
            view = _view(meeting, group.name, home)
            if home is not None:
                await enqueue(
                    session,
                    key=f"meeting-cancelled:{meeting.id}",
                    target=Target("channel", home),
                    message=messages.cancelled_notice(view.title, meeting.starts_at, actor.user_id),
                    now=now,
                    guild_id=guild_id,
                )
            event_id = meeting.event_id
        self._scheduler.run_soon("outbox")
        problem = None
        if event_id is not None:
            try:
                await self._require_calendar().cancel_event(guild_id, event_id)
            except DomainError as error:
                problem = error.message
        return view, problem

    # -- recurring meetings ---------------------------------------------------------------

    async def start_series(
        self,
        guild_id: int,
        actor: Actor,
        group_ref: str | int,
        weekday: int,
        *,
        every_weeks: int | None = None,
        duration_minutes: int = 60,
        title: str | None = None,
        voice_channel_id: int | None = None,
    ) -> SeriesView:
        """Meet every N weeks (default: the group's cadence) on a weekday, at that day's fairest hour."""
        title = _check_title(title)
        _check_duration(duration_minutes)
        if not 0 <= weekday <= 6:
            raise Invalid("Choose a day from Monday to Sunday.")
        group = await self._groups.require_manager(guild_id, actor, group_ref, "schedule meetings for")
        _usable_home(group)
        every = every_weeks or group.meeting_every_weeks or 3
        if not 1 <= every <= EVERY_WEEKS_MAX:
            raise Invalid(f"Meet every 1 to {EVERY_WEEKS_MAX} weeks.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            zone, _ = await member_clock(session, self._settings, guild_id, actor.user_id)
            today = now.astimezone(ZoneInfo(zone)).date()
            series = await session.scalar(
                select(MeetingSeries).where(MeetingSeries.group_id == group.id).with_for_update()
            )
            if series is None:
                series = MeetingSeries(guild_id=guild_id, group_id=group.id, created_at=now)
                session.add(series)
            series.title, series.weekday, series.every_weeks = title, weekday, every
            series.anchor_day = first_day(weekday, today + timedelta(days=1))
            series.zone, series.duration_minutes = zone, duration_minutes
            series.voice_channel_id, series.active, series.created_by = voice_channel_id, True, actor.user_id
            if series.last_day is not None and series.last_day >= series.anchor_day:
                series.anchor_day = first_day(weekday, series.last_day + timedelta(days=1))
            await session.flush()
            view = _series_view(series, group.name, now)
        self._scheduler.run_soon("meetings")
        return view

    async def stop_series(self, guild_id: int, actor: Actor, group_ref: str | int) -> SeriesView:
        """Stop making recurring meetings (meetings already made stay; cancel them one by one)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "schedule meetings for")
        now = self._clock.now()
        async with self._db.transaction() as session:
            series = await session.scalar(
                select(MeetingSeries).where(MeetingSeries.group_id == group.id).with_for_update()
            )
            if series is None or not series.active:
                raise NotFound(f"“{group.name}” has no recurring meeting.")
            series.active = False
            return _series_view(series, group.name, now)

    # -- helpers --------------------------------------------------------------------------

    async def _ranking(self, session: AsyncSession, meeting: Meeting, group: GroupView, zone: str) -> Ranking:
        invited = tuple(_invited(group))
        slots = await _slots(session, meeting.id)
        marks: dict[int, set[datetime]] = {}
        for user_id, at in (
            await session.execute(
                select(MeetingAvailability.user_id, MeetingAvailability.starts_at).where(
                    MeetingAvailability.meeting_id == meeting.id
                )
            )
        ).all():
            if user_id in invited:
                marks.setdefault(user_id, set()).add(at)
        clocks = await member_clocks(session, self._settings, meeting.guild_id, list(invited))
        ranked = rank_slots(slots, marks, clocks, await group_burden(session, group.id))
        labels = {s.at: s.label for s in local_slots(slots, zone)}
        rows = tuple(
            SlotRow(
                r.at,
                labels[r.at],
                r.attendees,
                r.absent,
                tuple(
                    (m, f"{r.at.astimezone(ZoneInfo(clocks[m].zone)):%H:%M}")
                    for m in r.attendees
                    if m in r.awkward
                ),
            )
            for r in ranked
        )
        view = _view(meeting, group.name, group.home.channel_id if group.home else None)
        return Ranking(view, zone, rows, tuple(sorted(marks)), invited)

    async def _attendance_target(
        self, guild_id: int | None, actor: Actor, group_ref: str | int | None, meeting_id: int | None
    ) -> tuple[MeetingView, GroupView]:
        now = self._clock.now()
        if meeting_id is not None:
            async with self._db.transaction() as session:
                meeting = await session.get(Meeting, meeting_id)
                if meeting is None or (guild_id is not None and meeting.guild_id != guild_id):
                    raise NotFound("That meeting no longer exists.")
                guild_id, group_id = meeting.guild_id, meeting.group_id
            if group_ref is not None:
                group = await self._groups.require_manager(guild_id, actor, group_ref, "record attendance of")
                if group.id != group_id:
                    raise NotFound(f"That meeting isn't one of “{group.name}”.")
            else:
                group = await self._groups.require_manager(guild_id, actor, group_id, "record attendance of")
        else:
            assert guild_id is not None and group_ref is not None
            group = await self._groups.require_manager(guild_id, actor, group_ref, "record attendance of")
        home = group.home.channel_id if group.home else None
        async with self._db.transaction() as session:
            if meeting_id is None:
                meeting = await session.scalar(
                    select(Meeting)
                    .where(
                        Meeting.group_id == group.id, Meeting.status == CONFIRMED, Meeting.starts_at <= now
                    )
                    .order_by(Meeting.starts_at.desc())
                    .limit(1)
                )
                if meeting is None:
                    raise NotFound(
                        f"“{group.name}” has had no meeting yet; attendance is recorded after one."
                    )
            else:
                meeting = await session.get(Meeting, meeting_id)
                assert meeting is not None
            view = _view(meeting, group.name, home)
        if meeting.status != CONFIRMED or view.starts_at is None:
            raise Invalid("Attendance is recorded for confirmed meetings.")
        if view.starts_at > now:
            when = f"<t:{int(view.starts_at.timestamp())}:R>"
            raise Invalid(f"That meeting hasn't started yet ({when}); record who came afterwards.")
        return view, group

    def _require_calendar(self) -> MeetingCalendar:
        if self.calendar is None:
            raise RuntimeError("MeetingService.calendar is not wired")
        return self.calendar


async def lock_in(
    session: AsyncSession,
    settings: SettingsService,
    meeting: Meeting,
    starts_at: datetime,
    *,
    attendees: Sequence[int],
    invited: Sequence[int],
    confirmed_by: int,
    facilitators: Sequence[int],
    now: datetime,
) -> None:
    """Fix a meeting's time: burden, RSVP rows, reminders and the attendance prompt, in one unit of work."""
    meeting.status, meeting.starts_at = CONFIRMED, starts_at
    meeting.confirmed_by, meeting.confirmed_at = confirmed_by, now
    clocks = await member_clocks(session, settings, meeting.guild_id, list(invited))
    ledger = await group_burden(session, meeting.group_id)
    attending = [m for m in attendees if m in clocks]
    added = record_burden(ledger, starts_at, attending, clocks)
    for user_id in attending:
        row = await locked_row(
            session, MeetingBurden, (meeting.group_id, user_id), burden=0.0, meetings=0, updated_at=now
        )
        row.burden, row.meetings, row.updated_at = added[user_id], row.meetings + 1, now
    await insert_ignore(
        session,
        MeetingAttendance.__table__,
        [
            {
                "meeting_id": meeting.id,
                "user_id": user_id,
                "rsvp": GOING if user_id in attending else None,
                "rsvp_at": now if user_id in attending else None,
                "burden": added[user_id] - ledger.get(user_id, 0.0) if user_id in attending else None,
            }
            for user_id in invited
        ],
    )
    group = await session.get(Group, meeting.group_id)
    assert group is not None
    view = _view(meeting, group.name, group.home_channel_id)
    assert view.ends_at is not None
    for user_id in invited:
        await _remind(session, meeting, view, user_id, clocks[user_id], now)
    for user_id in dict.fromkeys(facilitators or [confirmed_by]):
        await enqueue(
            session,
            key=f"meeting-attendance:{meeting.id}:{user_id}",
            target=Target("dm", user_id),
            message=messages.attendance_prompt(meeting.id, view.title, group.name, starts_at),
            now=now,
            not_before=view.ends_at,
            expires_at=view.ends_at + ATTENDANCE_PROMPT_FOR,
            guild_id=meeting.guild_id,
        )


async def group_attendance(session: AsyncSession, group_id: int) -> GroupAttendance:
    """Return a group's attendance over its meetings with recorded attendance."""
    recorded = select(Meeting.id).where(
        Meeting.group_id == group_id, Meeting.attendance_recorded_at.is_not(None), Meeting.status == CONFIRMED
    )
    meetings = await session.scalar(select(func.count()).select_from(recorded.subquery())) or 0
    rows = (
        await session.execute(
            select(MeetingAttendance.attended, func.count())
            .where(MeetingAttendance.meeting_id.in_(recorded), MeetingAttendance.attended.is_not(None))
            .group_by(MeetingAttendance.attended)
        )
    ).all()
    counts = {bool(attended): count for attended, count in rows}
    return GroupAttendance(meetings, counts.get(True, 0), counts.get(True, 0) + counts.get(False, 0))


async def _remind(
    session: AsyncSession,
    meeting: Meeting,
    view: MeetingView,
    user_id: int,
    clock: MemberClock,
    now: datetime,
) -> None:
    assert view.starts_at is not None
    row = await session.get(MeetingAttendance, (meeting.id, user_id))
    if row is not None and row.rsvp == NOT_GOING:
        return
    for reminder in reminder_times(view.starts_at, clock, now):
        await enqueue(
            session,
            key=f"meeting-remind:{meeting.id}:{user_id}:{reminder.kind}",
            target=Target("dm", user_id),
            message=messages.reminder(
                meeting.id, view.title, view.group_name, view.starts_at, reminder.kind, view.where
            ),
            now=now,
            not_before=reminder.at,
            expires_at=view.starts_at,
            guild_id=meeting.guild_id,
        )


async def _give_back_burden(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    """Take a cancelled meeting's inconvenience off the ledger: nobody carried it."""
    rows = await session.scalars(
        select(MeetingAttendance).where(
            MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.burden.is_not(None)
        )
    )
    for row in rows.all():
        ledger = await session.get(MeetingBurden, (meeting.group_id, row.user_id), with_for_update=True)
        if ledger is not None:
            ledger.burden = max(0.0, ledger.burden - (row.burden or 0.0))
            ledger.meetings = max(0, ledger.meetings - 1)
            ledger.updated_at = now
        row.burden = None


async def group_burden(session: AsyncSession, group_id: int) -> dict[int, float]:
    """Return the group's burden ledger: how much of the awkward hours each member has carried."""
    rows = await session.execute(
        select(MeetingBurden.user_id, MeetingBurden.burden).where(MeetingBurden.group_id == group_id)
    )
    return {user_id: burden for user_id, burden in rows.all()}


async def _slots(session: AsyncSession, meeting_id: int) -> list[datetime]:
    rows = await session.scalars(
        select(MeetingSlot.starts_at)
        .where(MeetingSlot.meeting_id == meeting_id)
        .order_by(MeetingSlot.starts_at)
    )
    return list(rows.all())


async def _open_poll(session: AsyncSession, group_id: int, *, for_update: bool = False) -> Meeting | None:
    query = select(Meeting).where(Meeting.group_id == group_id, Meeting.status == POLLING)
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query.order_by(Meeting.id.desc()).limit(1))).first()


async def _next_meeting(session: AsyncSession, group_id: int, now: datetime) -> Meeting | None:
    query = (
        select(Meeting)
        .where(Meeting.group_id == group_id, Meeting.status == CONFIRMED, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
        .limit(1)
        .with_for_update()
    )
    return (await session.scalars(query)).first()


async def _meeting_and_group(
    session: AsyncSession, meeting_id: int, *, for_update: bool = False
) -> tuple[Meeting, Group]:
    meeting = await session.get(Meeting, meeting_id, with_for_update=for_update)
    if meeting is None:
        raise NotFound("That meeting no longer exists.")
    group = await session.get(Group, meeting.group_id)
    assert group is not None
    return meeting, group


async def invited_ids(session: AsyncSession, group_id: int) -> list[int]:
    """Return the members a meeting is for: current, agreed to the ground rules, not paused."""
    rows = await session.scalars(
        select(GroupMember.user_id)
        .where(
            GroupMember.group_id == group_id,
            GroupMember.left_at.is_(None),
            GroupMember.agreed_at.is_not(None),
            GroupMember.paused_at.is_(None),
        )
        .order_by(GroupMember.user_id)
    )
    return list(rows.all())


async def _require_invited(session: AsyncSession, group: Group, user_id: int, action: str) -> None:
    if user_id in await invited_ids(session, group.id):
        return
    member = await session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user_id, GroupMember.left_at.is_(None)
        )
    )
    if member is not None and member.agreed_at is None:
        raise NotAllowed(f"Agree to “{group.name}”'s ground rules first (`/group agree`), then {action}.")
    if member is not None:
        raise NotAllowed(f"Your place in “{group.name}” is paused; a facilitator can restore it.")
    raise NotAllowed(f"Only the members of “{group.name}” can {action}.")


def _require_polling(meeting: Meeting) -> None:
    if meeting.status == CONFIRMED and meeting.starts_at is not None:
        raise Conflict(
            f"This poll is closed: the meeting is set for <t:{int(meeting.starts_at.timestamp())}:F>."
        )
    if meeting.status != POLLING:
        raise Conflict("This poll is closed.")


async def _attendees_marked(session: AsyncSession, meeting_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(MeetingAttendance)
            .where(MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.rsvp == GOING)
        )
        or 0
    )


async def _attendance_members(session: AsyncSession, meeting_id: int, group_id: int) -> tuple[int, ...]:
    """Return who attendance is recorded for: the members invited, and anyone who answered the meeting."""
    answered = await session.scalars(
        select(MeetingAttendance.user_id).where(MeetingAttendance.meeting_id == meeting_id)
    )
    current = await invited_ids(session, group_id)
    return tuple(sorted(set(answered.all()) | set(current)))


async def _line(
    session: AsyncSession, meeting: Meeting, group_name: str, home: int | None, viewer: int
) -> MeetingLine:
    rows = (
        await session.scalars(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    ).all()
    mine = next((r.rsvp for r in rows if r.user_id == viewer), None)
    attended = sum(bool(r.attended) for r in rows) if meeting.attendance_recorded_at else None
    return MeetingLine(
        _view(meeting, group_name, home),
        mine,
        sum(r.rsvp == GOING for r in rows),
        sum(r.rsvp == NOT_GOING for r in rows),
        attended,
    )


async def _cancel_pending(session: AsyncSession, keys: Sequence[str]) -> None:
    if keys:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key.in_(list(keys)), OutboxMessage.status == "pending")
            .values(status="cancelled")
        )


async def _cancel_prefix(session: AsyncSession, prefix: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True), OutboxMessage.status == "pending"
        )
        .values(status="cancelled")
    )


def _invited(group: GroupView) -> list[int]:
    return sorted(m.user_id for m in group.members if m.agreed and not m.paused)


def _usable_home(group: GroupView) -> int:
    if group.archived:
        raise Invalid(f"“{group.name}” is archived.")
    if group.home is None:
        raise Invalid(
            f"“{group.name}” has no home channel for the poll; a coordinator can set one with `/group home`."
        )
    if not _invited(group):
        raise Invalid(f"“{group.name}” has no members who agreed to its ground rules yet.")
    return group.home.channel_id


def _check_title(title: str | None) -> str | None:
    if title is None:
        return None
    title = " ".join(title.split())
    if not title:
        return None
    if len(title) > TITLE_MAX:
        raise Invalid(f"A meeting title can be at most {TITLE_MAX} characters.")
    return title


def _check_duration(minutes: int) -> None:
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        raise Invalid(f"A meeting lasts {DURATION_MIN} to {DURATION_MAX} minutes.")


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


def _event_request(meeting: Meeting, group: Group) -> EventRequest:
    assert meeting.starts_at is not None
    # A server event is seen by everyone in the server: a closed group's name stays out of it
    # unless its facilitator typed a title themselves.
    name = meeting.title or (f"{group.name} meeting" if group.is_open else PRIVATE_EVENT_NAME)
    description = (
        "A mentoring group meeting planned across time zones. Times show in your own time zone; "
        f"members get reminders by DM. [meeting {meeting.id}]"
    )
    return EventRequest(
        guild_id=meeting.guild_id,
        name=name[:100],
        description=description,
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + timedelta(minutes=meeting.duration_minutes),
        location=channel_url(meeting.guild_id, group.home_channel_id or 0),
        voice_channel_id=meeting.voice_channel_id,
        marker=f"[meeting {meeting.id}]",
    )


def _over(line: MeetingLine, now: datetime) -> bool:
    ends = line.meeting.ends_at
    return ends is not None and ends <= now


def _start(line: MeetingLine) -> datetime:
    assert line.meeting.starts_at is not None
    return line.meeting.starts_at
