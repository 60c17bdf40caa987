"""Reads and small writes on the meeting tables that every part of the meeting service shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Group,
    GroupMember,
    Meeting,
    MeetingAttendance,
    MeetingBurden,
    MeetingSlot,
    OutboxMessage,
)
from bot.errors import NotFound
from bot.services.meetings.views import CONFIRMED, GOING, POLLING


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


async def _attendees_marked(session: AsyncSession, meeting_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(MeetingAttendance)
            .where(MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.rsvp == GOING)
        )
        or 0
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
