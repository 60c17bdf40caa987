"""Recurring meetings: a group meets every N weeks on a weekday (the meetings sweep makes each one)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.models import MeetingSeries
from bot.domain.cadence import first_day
from bot.errors import Invalid, NotFound
from bot.services.actors import Actor
from bot.services.meetings.base import MeetingServiceBase
from bot.services.meetings.checks import _check_duration, _check_title, _usable_home
from bot.services.meetings.views import SeriesView, _series_view
from bot.services.profiles import member_clock

EVERY_WEEKS_MAX = 12


class RecurringMeetings(MeetingServiceBase):
    """Start and stop a group's recurring meeting."""

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
