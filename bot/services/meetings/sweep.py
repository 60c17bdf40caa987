"""The meetings sweep: recurring meetings made ahead of their day, and server events for every meeting.

A periodic job of the scheduling engine (every minute) does two things, both safe to run twice:

1. **Recurring meetings.** For each active series whose next day is within a week, the day is
   claimed in the series row (``last_day``) and the meeting is made in that same unit of work, at
   the half hour of that day that weighs least on the members — the burden ledger decides whose
   turn it is for an awkward hour — with the same reminders and attendance prompt as a meeting
   confirmed by hand (:func:`bot.services.meetings.confirmation.lock_in`). A unique (series, day) key backs
   the claim. Days missed while the bot was down are skipped, not made late.
2. **Server events.** Every confirmed meeting still ahead without an event (and without a
   recorded failure) is published: the event is created through the calendar port and the
   meeting announced in the group's home (:meth:`MeetingService.publish`). A command publishes
   its own meeting at once; the sweep catches meetings whose publishing was interrupted.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group, GroupMember, Meeting, MeetingSeries
from bot.domain.meeting_plans import best_slot, day_slots, next_series_day
from bot.errors import Unavailable
from bot.scheduling.engine import SchedulingEngine
from bot.services.meetings.confirmation import CLAIM_STALE, lock_in
from bot.services.meetings.queries import group_burden, invited_ids
from bot.services.meetings.service import MeetingService
from bot.services.meetings.views import CONFIRMED
from bot.services.profiles import member_clocks
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

LEAD = timedelta(days=7)  # a recurring meeting is made this long before its day
FIRST_SLOT_AFTER = timedelta(hours=1)


class MeetingSweep:
    """Makes recurring meetings and publishes server events; run every minute."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        meetings: MeetingService,
        scheduler: SchedulingEngine,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._meetings = meetings
        self._scheduler = scheduler

    async def run_due(self) -> int:
        """Make due recurring meetings and publish unpublished ones; return the meetings made."""
        made = 0
        for series_id in await self._due_series():
            try:
                made += await self._make(series_id)
            except Exception:  # one broken series must not stop the others
                log.exception("recurring meeting of series %s failed", series_id)
        for meeting_id in await self._unpublished():
            try:
                await self._meetings.publish(meeting_id)  # wakes the outbox for the announcement
            except Unavailable as error:
                log.info("meeting %s waits for Discord to be published: %s", meeting_id, error)
            except Exception:
                log.exception("publishing meeting %s failed; it will be retried", meeting_id)
        if made:
            self._scheduler.run_soon("outbox")  # the new meetings' reminders may be due soon
        return made

    async def _due_series(self) -> list[int]:
        now = self._clock.now()
        async with self._db.reading() as session:
            rows = (
                await session.scalars(
                    select(MeetingSeries)
                    .join(Group, Group.id == MeetingSeries.group_id)
                    .where(
                        MeetingSeries.active,
                        Group.archived_at.is_(None),
                        self._scheduler.scope.clause(MeetingSeries.guild_id),
                    )
                )
            ).all()
        due = []
        for series in rows:
            today = now.astimezone(ZoneInfo(series.zone)).date()
            day = _next_day(series, today)
            if day - LEAD <= today:
                due.append(series.id)
        return due

    async def _make(self, series_id: int) -> int:
        now = self._clock.now()
        async with self._db.transaction() as session:
            series = await session.get(MeetingSeries, series_id)
            if series is None or not series.active:
                return 0
            today = now.astimezone(ZoneInfo(series.zone)).date()
            day = _next_day(series, today)
            if day - LEAD > today:
                return 0
            claimed = await session.execute(
                update(MeetingSeries)
                .where(
                    MeetingSeries.id == series.id,
                    (MeetingSeries.last_day.is_(None)) | (MeetingSeries.last_day < day),
                )
                .values(last_day=day)
                .execution_options(synchronize_session="fetch")
            )
            if not claimed.rowcount:
                return 0
            invited = await invited_ids(session, series.group_id)
            slots = [s for s in day_slots(day, series.zone) if s >= now + FIRST_SLOT_AFTER]
            if not invited or not slots:
                log.info("series %s: nobody to meet or no time left on %s; skipped", series.id, day)
                return 0
            clocks = await member_clocks(session, self._settings, series.guild_id, invited)
            best = best_slot(slots, clocks, await group_burden(session, series.group_id))
            meeting = Meeting(
                guild_id=series.guild_id,
                group_id=series.group_id,
                series_id=series.id,
                series_day=day,
                title=series.title,
                duration_minutes=series.duration_minutes,
                voice_channel_id=series.voice_channel_id,
                status=CONFIRMED,
                proposed_by=series.created_by,
                created_at=now,
            )
            session.add(meeting)
            await session.flush()
            facilitators = await session.scalars(
                select(GroupMember.user_id).where(
                    GroupMember.group_id == series.group_id,
                    GroupMember.left_at.is_(None),
                    GroupMember.role == "facilitator",
                )
            )
            await lock_in(
                session,
                self._settings,
                meeting,
                best.at,
                attendees=best.attendees,
                invited=invited,
                confirmed_by=series.created_by,
                facilitators=list(facilitators.all()),
                now=now,
            )
            log.info("series %s: meeting %s on %s at %s", series.id, meeting.id, day, best.at.isoformat())
        return 1

    async def _unpublished(self) -> list[int]:
        now = self._clock.now()
        async with self._db.reading() as session:
            rows = await session.scalars(
                select(Meeting.id)
                .where(
                    Meeting.status == CONFIRMED,
                    Meeting.event_id.is_(None),
                    Meeting.event_failure.is_(None),
                    Meeting.starts_at > now,
                    self._scheduler.scope.clause(Meeting.guild_id),
                    (Meeting.event_claimed_at.is_(None)) | (Meeting.event_claimed_at <= now - CLAIM_STALE),
                )
                .order_by(Meeting.starts_at)
                .limit(50)
            )
            return list(rows.all())


def _next_day(series: MeetingSeries, today: date) -> date:
    """Return the series' next day still to make: after the last one made, and after today."""
    after = max(today, series.last_day) if series.last_day else today
    if series.anchor_day > after:
        return series.anchor_day
    return next_series_day(series.anchor_day, series.weekday, series.every_weeks, after)
