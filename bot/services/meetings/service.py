"""The meeting service: its parts put together, and the reads that span them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingAttendance, MeetingSeries
from bot.domain.meetings import local_slots
from bot.services.actors import Actor
from bot.services.meetings.attendance import Attendance, group_attendance
from bot.services.meetings.confirmation import Confirmations
from bot.services.meetings.queries import _open_poll
from bot.services.meetings.series import RecurringMeetings
from bot.services.meetings.views import (
    CONFIRMED,
    GOING,
    NOT_GOING,
    POLLING,
    MeetingLine,
    Overview,
    _series_view,
    _view,
)
from bot.services.profiles import member_clock


class MeetingService(Confirmations, Attendance, RecurringMeetings):
    """Meeting polls, confirmations, RSVPs, attendance and recurring meetings."""

    async def overview(self, guild_id: int, actor: Actor, group_ref: str | int) -> Overview:
        """Return the group's meetings for someone who may see the group."""
        group = await self._groups.get(guild_id, actor, group_ref)
        now = self._clock.now()
        async with self._db.reading() as session:
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

    async def meeting_choices(
        self, guild_id: int, actor: Actor, group_ref: str | int, *, past: bool
    ) -> list[tuple[int, str]]:
        """Return (id, label on the actor's clock) of a group's started meetings or of those to come."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "manage the meetings of")
        now = self._clock.now()
        async with self._db.reading() as session:
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


def _over(line: MeetingLine, now: datetime) -> bool:
    ends = line.meeting.ends_at
    return ends is not None and ends <= now


def _start(line: MeetingLine) -> datetime:
    assert line.meeting.starts_at is not None
    return line.meeting.starts_at
