"""Meeting polls: candidate times posted to the group, marked by members, ranked for fairness.

The ranking puts first the times most members can come to, then the ones that weigh least on
them, weighting whoever has carried awkward hours before (the group's burden ledger), so the
awkward hours rotate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingAvailability, MeetingSlot
from bot.domain.meeting_plans import parse_slot_times, suggest_slots
from bot.domain.meetings import local_slots, rank_slots
from bot.errors import Conflict, Invalid, NotFound
from bot.messaging import Target
from bot.messaging.outbox import enqueue
from bot.services.actors import Actor
from bot.services.groups import GroupView
from bot.services.meetings import messages
from bot.services.meetings.base import MeetingServiceBase
from bot.services.meetings.checks import (
    _check_duration,
    _check_title,
    _invited,
    _require_invited,
    _require_polling,
    _usable_home,
)
from bot.services.meetings.queries import _meeting_and_group, _open_poll, _slots, group_burden
from bot.services.meetings.views import POLLING, MemberPoll, PlanResult, Ranking, SlotRow, _view
from bot.services.profiles import member_clock, member_clocks
from bot.services.verbatim import verbatim

log = logging.getLogger(__name__)

DAYS_MAX = 14


class Polls(MeetingServiceBase):
    """Post a poll of times, let members mark theirs, rank the times."""

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
                    f"“{verbatim(group.name)}” already has an open poll: confirm a time with `/meet confirm` "
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
        async with self._db.reading() as session:
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
        async with self._db.reading() as session:
            meeting = await _open_poll(session, group.id)
            if meeting is None:
                raise NotFound(
                    f"“{verbatim(group.name)}” has no open meeting poll; start one with `/meet plan`."
                )
            zone, _ = await member_clock(session, self._settings, guild_id, actor.user_id)
            return await self._ranking(session, meeting, group, zone)

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
