"""Stalled pairs and groups: nudge the members, then tell the facilitator, then offer a rematch.

The sources' formal pairs failed mostly for lack of time: a quiet group should be noticed
early and kindly. Only activity times are used (messages in the home, check-in answers, goal
updates), never content. Any sign of life resets the rescue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group, GroupMember
from bot.messaging import Button, Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue_rows, outbox_row
from bot.scheduling.engine import SchedulingEngine

SWEEP_EVERY = timedelta(hours=1)
GROUP_SLICE = 50  # groups moved along in one unit of work


class GroupRescue:
    """An hourly sweep over the active groups of this process's servers."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        scheduler: SchedulingEngine,
        *,
        quiet_days: int = 21,
        step_days: int = 7,
    ) -> None:
        self._db = db
        self._clock = clock
        self._scheduler = scheduler
        self._quiet = timedelta(days=quiet_days)
        self._step = timedelta(days=step_days)
        # Periodic, in slices of groups: a program where thousands of groups went quiet at once
        # (a new cohort imported) must not hold the database for the whole sweep. Running it
        # again is harmless: each group moves at most one step per period.
        scheduler.add_periodic("rescue", SWEEP_EVERY.total_seconds(), self.run_sweep)

    async def run_sweep(self) -> None:
        """Sweep every group, ``GROUP_SLICE`` to a unit of work."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            ids = list(await session.scalars(self._stalled(now, select(Group.id))))
        for first in range(0, len(ids), GROUP_SLICE):
            async with self._db.transaction() as session:
                await self.sweep(session, now, group_ids=ids[first : first + GROUP_SLICE])
        self._scheduler.run_soon("outbox")

    def _stalled(self, now: datetime, query: Select[Any]) -> Select[Any]:
        return query.where(
            Group.archived_at.is_(None),
            Group.rescue_stage < 3,
            func.coalesce(Group.last_activity_at, Group.created_at) <= now - self._quiet,
            self._scheduler.scope.clause(Group.guild_id),
        ).order_by(Group.id)

    async def sweep(
        self, session: AsyncSession, now: datetime, *, group_ids: list[int] | None = None
    ) -> None:
        """Move stalled groups (all, or these) one step along the rescue, at most one step per period."""
        # Locked and read again: a message meanwhile (which starts the rescue over) waits for this
        # step instead of being overwritten by it, and a second process skips these groups.
        query = self._stalled(now, select(Group)).with_for_update(skip_locked=True)
        if group_ids is not None:
            query = query.where(Group.id.in_(group_ids))
        groups = (await session.scalars(query)).all()
        members_of: dict[int, list[GroupMember]] = {}
        for member in await session.scalars(
            select(GroupMember).where(
                GroupMember.group_id.in_([g.id for g in groups]), GroupMember.left_at.is_(None)
            )
        ):
            members_of.setdefault(member.group_id, []).append(member)
        rows: list[dict[str, object]] = []
        for group in groups:
            quiet_since = group.last_activity_at or group.created_at
            if group.rescue_stage > 0 and group.rescue_at is not None and now - group.rescue_at < self._step:
                continue
            members = members_of.get(group.id, [])
            days = (now - quiet_since).days
            stage = group.rescue_stage + 1
            if stage == 1:
                nudge = _members_nudge(group, days)
                rows += [_dm(group, member.user_id, stage, now, nudge) for member in members]
            elif stage == 2:
                facilitators = [m.user_id for m in members if m.role == "facilitator"] or [group.created_by]
                note = _facilitator_note(group, days)
                rows += [_dm(group, user_id, stage, now, note) for user_id in facilitators]
            else:
                rows += [
                    _dm(group, member.user_id, stage, now, _rematch_offer(group, member.role))
                    for member in members
                    if member.role in ("mentor", "mentee", "peer")
                ]
            group.rescue_stage, group.rescue_at = stage, now
        await enqueue_rows(session, rows)


def _dm(group: Group, user_id: int, stage: int, now: datetime, message: OutgoingMessage) -> dict[str, object]:
    return outbox_row(
        key=f"rescue:{group.id}:{user_id}:{stage}:{now:%Y%m%d}",
        target=Target("dm", user_id),
        message=message,
        now=now,
        guild_id=group.guild_id,
    )


def _members_nudge(group: Group, days: int) -> OutgoingMessage:
    text = (
        f"**{group.name}** has been quiet for {days} days. Finding time is the hardest part of distance "
        "mentoring — a two-line hello in the group's channel, or answering a check-in, keeps it going."
    )
    return OutgoingMessage(cards=(Card(title="Your group misses you", description=text),))


def _facilitator_note(group: Group, days: int) -> OutgoingMessage:
    text = (
        f"**{group.name}** has shown no activity for {days} days (no messages in its channel, check-in "
        "answers or goal updates), even after a nudge to its members. A personal word from you may help. "
        "Only you see this."
    )
    return OutgoingMessage(cards=(Card(title="A group has gone quiet", description=text),))


def _rematch_offer(group: Group, role: str) -> OutgoingMessage:
    text = (
        f"**{group.name}** has been quiet for a long while. That happens — schedules change. If you'd like a "
        "fresh match, press the button (or use `/match optin`); a coordinator will propose one."
    )
    return OutgoingMessage(
        cards=(Card(title="Would a new match help?", description=text),),
        buttons=(Button(f"match:again:{group.guild_id}:{role}", "Find me a new match", "primary"),),
    )
