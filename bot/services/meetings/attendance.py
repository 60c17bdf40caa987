"""Members' answers (going or not, with their reminders) and the attendance recorded after a meeting."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from discord.utils import format_dt
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GroupMember, Meeting, MeetingAttendance, OutboxMessage
from bot.db.upsert import locked_row
from bot.domain.goals import Clock as MemberClock
from bot.domain.meeting_plans import reminder_times
from bot.errors import Conflict, Invalid, NotFound
from bot.messaging import Target
from bot.messaging.outbox import enqueue
from bot.services.actors import Actor
from bot.services.groups import GroupView
from bot.services.meetings import messages
from bot.services.meetings.base import MeetingServiceBase
from bot.services.meetings.checks import _require_invited
from bot.services.meetings.queries import _cancel_pending, _cancel_prefix, _meeting_and_group, invited_ids
from bot.services.meetings.views import (
    CANCELLED,
    CONFIRMED,
    GOING,
    NOT_GOING,
    AttendanceForm,
    AttendanceSummary,
    GroupAttendance,
    MeetingView,
    _view,
)
from bot.services.profiles import member_clock
from bot.services.verbatim import verbatim


class Attendance(MeetingServiceBase):
    """Answer for a meeting; record who came."""

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

    async def reminders_still_wanted(self, keys: list[str]) -> set[str]:
        """Return which meeting reminders (outbox keys) still go to a member of the meeting's group.

        Reminders are planned when the time is confirmed; a member paused or removed since then, or
        who left, is no longer coming and gets none (restored before the reminder's time, they do).
        """
        wanted_for: dict[tuple[int, int], list[str]] = {}
        for key in keys:
            _, meeting_id, user_id, _ = key.split(":")
            wanted_for.setdefault((int(meeting_id), int(user_id)), []).append(key)
        async with self._db.reading() as session:
            current = await session.execute(
                select(Meeting.id, GroupMember.user_id)
                .join(GroupMember, GroupMember.group_id == Meeting.group_id)
                .where(
                    Meeting.id.in_({meeting_id for meeting_id, _ in wanted_for}),
                    GroupMember.user_id.in_({user_id for _, user_id in wanted_for}),
                    GroupMember.left_at.is_(None),
                    GroupMember.paused_at.is_(None),
                )
            )
            return {key for pair in current.all() for key in wanted_for.get(tuple(pair), ())}

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
        async with self._db.reading() as session:
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
        async with self._db.reading() as session:
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
                raise Invalid(
                    f"{names} {'is' if len(strangers) == 1 else 'are'} not in “{verbatim(group.name)}”."
                )
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

    async def _attendance_target(
        self, guild_id: int | None, actor: Actor, group_ref: str | int | None, meeting_id: int | None
    ) -> tuple[MeetingView, GroupView]:
        now = self._clock.now()
        if meeting_id is not None:
            async with self._db.reading() as session:
                meeting = await session.get(Meeting, meeting_id)
                if meeting is None or (guild_id is not None and meeting.guild_id != guild_id):
                    raise NotFound("That meeting no longer exists.")
                guild_id, group_id = meeting.guild_id, meeting.group_id
            if group_ref is not None:
                group = await self._groups.require_manager(guild_id, actor, group_ref, "record attendance of")
                if group.id != group_id:
                    raise NotFound(f"That meeting isn't one of “{verbatim(group.name)}”.")
            else:
                group = await self._groups.require_manager(guild_id, actor, group_id, "record attendance of")
        else:
            assert guild_id is not None and group_ref is not None
            group = await self._groups.require_manager(guild_id, actor, group_ref, "record attendance of")
        home = group.home.channel_id if group.home else None
        async with self._db.reading() as session:
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
                        f"“{verbatim(group.name)}” has had no meeting yet; attendance is recorded after one."
                    )
            else:
                meeting = await session.get(Meeting, meeting_id)
                assert meeting is not None
            view = _view(meeting, group.name, home)
        if meeting.status != CONFIRMED or view.starts_at is None:
            raise Invalid("Attendance is recorded for confirmed meetings.")
        if view.starts_at > now:
            when = format_dt(view.starts_at, "R")
            raise Invalid(f"That meeting hasn't started yet ({when}); record who came afterwards.")
        return view, group


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


async def _attendance_members(session: AsyncSession, meeting_id: int, group_id: int) -> tuple[int, ...]:
    """Return who attendance is recorded for: the members invited, and anyone who answered the meeting."""
    answered = await session.scalars(
        select(MeetingAttendance.user_id).where(MeetingAttendance.meeting_id == meeting_id)
    )
    current = await invited_ids(session, group_id)
    return tuple(sorted(set(answered.all()) | set(current)))
