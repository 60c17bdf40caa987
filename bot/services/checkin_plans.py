"""What is already planned for a member's check-ins, cancelled or planned again when their state changes.

The planner puts each check-in in the outbox a little before its time. A break, a pause, leaving
a group, a paused or deleted schedule must take back what is waiting, in the same unit of work
as the change itself, so the answer ("no check-ins until …") is true at once. Ending a break
(or a pause) plans again from now: the schedules' plans are moved back to now and the planner
fills them in again; a delivery's unique key and the outbox's keys make that idempotent.

This module knows only the tables, so groups, moderation and departures can use it without
importing the check-in services (which import them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    String,
    and_,
    case,
    cast,
    delete,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckinDelivery, CheckinSchedule, Group, GroupMember, MemberProfile, OutboxMessage
from bot.db.types import UTCDateTime
from bot.messaging.outbox import cancel

# A reminder comes at most 72 hours after its check-in, a snooze a day later: older ones are done.
FOLLOW_UPS_WITHIN = timedelta(days=5)
WAITING = ("scheduled", "sent", "undeliverable")  # a check-in not answered, skipped or missed


async def cancel_waiting_checkins(
    session: AsyncSession,
    now: datetime,
    *,
    guild_id: int,
    user_id: int | None = None,
    group_id: int | None = None,
    schedule_id: int | None = None,
    through: date | None = None,
) -> int:
    """Cancel the check-ins not sent yet, and the reminders and snoozes still waiting; return how many.

    Narrowed to a member, a group, a schedule, and rounds up to ``through`` (a break's last
    local day). A check-in whose DM is already on its way stays (it is being sent); the others
    are deleted with their unsent DM, so planning again later (after the break) starts afresh.
    """
    conditions: list[ColumnElement[bool]] = [
        CheckinDelivery.guild_id == guild_id,
        CheckinDelivery.due_at > now - FOLLOW_UPS_WITHIN,
        CheckinDelivery.status.in_(WAITING),
    ]
    if user_id is not None:
        conditions.append(CheckinDelivery.user_id == user_id)
    if group_id is not None:
        conditions.append(CheckinDelivery.group_id == group_id)
    if schedule_id is not None:
        conditions.append(CheckinDelivery.schedule_id == schedule_id)
    if through is not None:
        conditions.append(CheckinDelivery.round_date <= through)
    rows = (
        await session.execute(
            select(CheckinDelivery.id, CheckinDelivery.status, CheckinDelivery.snoozed_until).where(
                *conditions
            )
        )
    ).all()
    if not rows:
        return 0
    unsent = {f"checkin:{row.id}": row.id for row in rows if row.status == "scheduled"}
    on_their_way = set(
        await session.scalars(
            select(OutboxMessage.dedupe_key).where(
                OutboxMessage.dedupe_key.in_(list(unsent)),
                OutboxMessage.status.not_in(("pending", "cancelled")),
            )
        )
    )
    doomed = {delivery_id for key, delivery_id in unsent.items() if key not in on_their_way}
    # A check-in that never went is forgotten with its messages: a delivery's id may be used again
    # (SQLite), and planning it again after the break must find its outbox keys free.
    gone = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.dedupe_key.in_(_keys_of([row for row in rows if row.id in doomed], unsent=True)),
            OutboxMessage.status != "sending",
        )
    )
    if doomed:
        await session.execute(delete(CheckinDelivery).where(CheckinDelivery.id.in_(doomed)))
    cancelled = await cancel(session, _keys_of([row for row in rows if row.id not in doomed], unsent=False))
    return (gone.rowcount or 0) + cancelled


async def forget_schedule_messages(session: AsyncSession, schedule_id: int) -> None:
    """Delete the outbox records of a schedule about to be deleted (its deliveries' ids may be used again)."""
    of_schedule = CheckinDelivery.schedule_id == schedule_id
    keys = union_all(
        select(literal("checkin:") + cast(CheckinDelivery.id, String)).where(of_schedule),
        select(literal("checkin-reminder:") + cast(CheckinDelivery.id, String)).where(of_schedule),
    )
    await session.execute(
        delete(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys), OutboxMessage.status != "sending")
    )


def _keys_of(rows: Sequence[Row[Any]], *, unsent: bool) -> list[str]:
    """Return the outbox keys of these deliveries' check-in DMs (if ``unsent``), reminders and snoozes."""
    keys = [f"checkin:{row.id}" for row in rows] if unsent else []
    keys += [f"checkin-reminder:{row.id}" for row in rows]
    keys += [f"checkin-snooze:{row.id}:{row.snoozed_until.isoformat()}" for row in rows if row.snoozed_until]
    return keys


async def plan_again(
    session: AsyncSession,
    now: datetime,
    *,
    guild_id: int,
    user_id: int | None = None,
    group_id: int | None = None,
    schedule_id: int | None = None,
) -> int:
    """Have the planner work out again, from ``now``, the schedules concerned by a change.

    Called whenever who gets a schedule's check-ins, or on which clock, changes (a member joins,
    resumes, moves zone or quiet hours; a schedule's time or a server's default zone changes): the
    planner leaves a schedule alone until its next due moment, worked out for the members it had.
    Occurrences from now on are planned again for whoever should get them; those already planned
    are kept (unique per schedule, member and round), and nothing before now is sent. Return the
    number of schedules (the caller wakes the planner after committing).
    """
    query = select(CheckinSchedule.id).where(
        CheckinSchedule.guild_id == guild_id, CheckinSchedule.paused.is_(False)
    )
    if schedule_id is not None:
        query = query.where(CheckinSchedule.id == schedule_id)
    if group_id is not None:
        query = query.where(CheckinSchedule.group_id == group_id)
    if user_id is not None:
        query = query.where(
            CheckinSchedule.group_id.in_(
                select(GroupMember.group_id).where(
                    GroupMember.guild_id == guild_id,
                    GroupMember.user_id == user_id,
                    GroupMember.left_at.is_(None),
                )
            )
        )
    ids = list(await session.scalars(query))
    if ids:
        # A plan that reached past now moves back to now. One that stopped earlier with nothing
        # due before its next moment (after now) jumps to now: no one missed anything meanwhile,
        # and a new clock's moment in between is not sent late. Otherwise its stretch is still due.
        await session.execute(
            update(CheckinSchedule)
            .where(CheckinSchedule.id.in_(ids))
            .values(
                planned_until=case(
                    (
                        or_(CheckinSchedule.planned_until > now, CheckinSchedule.next_due_at > now),
                        literal(now, UTCDateTime()),
                    ),
                    else_=CheckinSchedule.planned_until,
                ),
                next_due_at=None,
            )
        )
    return len(ids)


async def checkins_still_wanted(session: AsyncSession, keys: list[str]) -> set[str]:
    """Return which check-in DMs and reminders (outbox keys) are still to be sent.

    The safety net behind the cancelling above, asked just before sending: a check-in planned
    while its member was going on a break (or leaving, or being paused) is not sent.
    """
    delivery_of = {key: int(key.split(":")[1]) for key in keys}
    rows = await session.execute(
        select(CheckinDelivery.id, CheckinDelivery.status)
        .join(CheckinSchedule, CheckinSchedule.id == CheckinDelivery.schedule_id)
        .join(Group, Group.id == CheckinDelivery.group_id)
        .join(
            GroupMember,
            and_(
                GroupMember.group_id == CheckinDelivery.group_id,
                GroupMember.user_id == CheckinDelivery.user_id,
            ),
        )
        .outerjoin(
            MemberProfile,
            and_(
                MemberProfile.guild_id == CheckinDelivery.guild_id,
                MemberProfile.user_id == CheckinDelivery.user_id,
            ),
        )
        .where(
            CheckinDelivery.id.in_(set(delivery_of.values())),
            CheckinSchedule.paused.is_(False),
            Group.archived_at.is_(None),
            GroupMember.left_at.is_(None),
            GroupMember.paused_at.is_(None),
            or_(
                MemberProfile.checkins_paused_until.is_(None),
                MemberProfile.checkins_paused_until < CheckinDelivery.round_date,
            ),
        )
    )
    status: dict[int, str] = {delivery_id: state for delivery_id, state in rows.all()}
    return {
        key
        for key, delivery_id in delivery_of.items()
        if status.get(delivery_id) in (("scheduled",) if key.startswith("checkin:") else WAITING)
    }
