"""Confirming a meeting's time, putting it on the server's calendar, and cancelling it.

Confirming records each attendee's share of the burden, writes the RSVP rows, the reminders (a
day and an hour before, never in quiet hours) and the facilitators' attendance prompt into the
outbox — all in one unit of work (:func:`lock_in`, which recurring meetings use too). The
server's scheduled event and the announcement follow (:meth:`Confirmations.publish`), from the
command or from the meetings sweep if the process stopped in between.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Group, Meeting, MeetingAttendance, MeetingBurden
from bot.db.upsert import insert_ignore, locked_row
from bot.domain.meetings import record_burden
from bot.errors import Conflict, DomainError, Invalid, NotFound
from bot.messaging import Target
from bot.messaging.outbox import enqueue
from bot.services.actors import Actor
from bot.services.meetings import messages
from bot.services.meetings.attendance import _remind
from bot.services.meetings.calendar import EventRequest, MeetingCalendar, channel_url
from bot.services.meetings.checks import _usable_home
from bot.services.meetings.polls import Polls
from bot.services.meetings.queries import (
    _attendees_marked,
    _cancel_pending,
    _cancel_prefix,
    _next_meeting,
    _open_poll,
    group_burden,
    invited_ids,
)
from bot.services.meetings.views import CANCELLED, CONFIRMED, GOING, Confirmed, MeetingView, Published, _view
from bot.services.profiles import member_clock, member_clocks
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

CONFIRM_LEAD = timedelta(minutes=5)  # Discord refuses an event that starts in the past
CLAIM_STALE = timedelta(minutes=5)  # an event claim older than this was left by a stopped process
ATTENDANCE_PROMPT_FOR = timedelta(days=7)
PRIVATE_EVENT_NAME = "Mentoring group meeting"


class Confirmations(Polls):
    """Confirm a poll's time, publish the meeting as a server event, cancel a poll or a meeting."""

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
