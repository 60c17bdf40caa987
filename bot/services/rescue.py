"""Stalled pairs and groups: nudge the members, then tell the facilitator, then offer a rematch.

The sources' formal pairs failed mostly for lack of time: a quiet group should be noticed
early and kindly. Only activity times are used (messages in the home, check-in answers, goal
updates), never content. Any sign of life resets the rescue. Each DM arrives in its reader's
daytime and outside their quiet hours, and never to a member paused in the group: paused at the
sweep, they are left out; paused before their DM's moment, it is cancelled unsent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group, GroupMember
from bot.domain.goals import Clock as MemberClock
from bot.domain.goals import nudge_moment
from bot.messaging import Button, Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue_rows, outbox_row
from bot.scheduling.engine import SchedulingEngine
from bot.scheduling.shards import ShardScope
from bot.services.groups.queries import still_taking_part
from bot.services.profiles import member_clocks
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim
from bot.services.watch import Watch

SWEEP_EVERY = timedelta(hours=1)
# Groups moved along in one unit of work: each one's Python work runs on the event loop, so a
# slice stays short enough (about 200 members) for members' commands to run in between.
GROUP_SLICE = 20


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
        settings: SettingsService | None = None,
        watch: Watch | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._scheduler = scheduler
        self._settings = settings or SettingsService(db)
        self._quiet = timedelta(days=quiet_days)
        self._step = timedelta(days=step_days)
        self._watch = watch
        # Periodic, in slices of groups: a program where thousands of groups went quiet at once
        # (a new cohort imported) must not hold the database for the whole sweep. Running it
        # again is harmless: each group moves at most one step per period.
        scheduler.add_periodic("rescue", SWEEP_EVERY.total_seconds(), self.run_sweep)

    async def run_sweep(self) -> None:
        """Sweep every group, ``GROUP_SLICE`` to a unit of work."""
        now = self._clock.now()
        if self._watched() is None:
            return  # no shard has counted the messages written while the bot was down yet
        async with self._db.reading() as session:
            ids = list(await session.scalars(self._stalled(now, select(Group.id))))
        for first in range(0, len(ids), GROUP_SLICE):
            async with self._db.transaction() as session:
                await self.sweep(session, now, group_ids=ids[first : first + GROUP_SLICE])
        self._scheduler.run_soon("outbox")

    def _watched(self) -> ShardScope | None:
        """Return the servers whose quiet is known: after a start, those of shards caught up."""
        return self._scheduler.scope if self._watch is None else self._watch.watched()

    def _stalled(self, now: datetime, query: Select[Any]) -> Select[Any]:
        # A group of a shard that has not caught up yet may have talked while the bot was down.
        watched = self._watched() or ShardScope(1, frozenset())
        return query.where(
            Group.archived_at.is_(None),
            Group.rescue_stage < 3,
            func.coalesce(Group.last_activity_at, Group.created_at) <= now - self._quiet,
            watched.clause(Group.guild_id),
        ).order_by(Group.id)

    async def sweep(
        self, session: AsyncSession, now: datetime, *, group_ids: list[int] | None = None
    ) -> None:
        """Move stalled groups (all, or these) one step along the rescue, at most one step per period."""
        # Locked and read again: a message meanwhile (which starts the rescue over) waits for this
        # step instead of being overwritten by it, and a second process waits, then finds them
        # moved already. Waited for, not skipped: a group some other short unit of work had
        # locked was left for an hour. FOR NO KEY UPDATE (PostgreSQL): rows added elsewhere that
        # point to the group (their foreign key) neither wait for the sweep nor hold it up.
        query = self._stalled(now, select(Group)).with_for_update(key_share=True)
        if group_ids is not None:
            query = query.where(Group.id.in_(group_ids))
        groups = (await session.scalars(query)).all()
        # Only the columns used: loading thousands of whole rows would hold the event loop longer.
        members_of: dict[int, list[Row[tuple[int, int, str]]]] = {}
        for member in await session.execute(
            select(GroupMember.group_id, GroupMember.user_id, GroupMember.role).where(
                GroupMember.group_id.in_([g.id for g in groups]),
                GroupMember.left_at.is_(None),
                GroupMember.paused_at.is_(None),  # a member on a pause hears nothing of the group
            )
        ):
            members_of.setdefault(member.group_id, []).append(member)
        clocks = await self._clocks(session, groups, members_of)
        rows: list[dict[str, object]] = []
        moments: dict[MemberClock, datetime] = {}  # members mostly share a few clocks
        for group in groups:
            quiet_since = group.last_activity_at or group.created_at
            if group.rescue_stage > 0 and group.rescue_at is not None and now - group.rescue_at < self._step:
                continue
            members = members_of.get(group.id, [])
            days = (now - quiet_since).days
            stage = group.rescue_stage + 1
            # One message per group (per role for the offer), rendered and serialized once.
            if stage == 1:
                told = dict.fromkeys((member.user_id for member in members), _members_nudge(group, days))
            elif stage == 2:
                facilitators = [m.user_id for m in members if m.role == "facilitator"] or [group.created_by]
                told = dict.fromkeys(facilitators, _facilitator_note(group, days))
            else:
                offers = {role: _rematch_offer(group, role) for role in ("mentor", "mentee", "peer")}
                told = {member.user_id: offers[member.role] for member in members if member.role in offers}
            payloads: dict[int, dict[str, Any]] = {}
            for user_id, message in told.items():
                clock = clocks.get((group.guild_id, user_id), MemberClock("UTC"))
                if (at := moments.get(clock)) is None:
                    at = moments[clock] = nudge_moment(now, clock)
                if (payload := payloads.get(id(message))) is None:
                    payload = payloads[id(message)] = message.to_json()
                rows.append(_dm(group, user_id, stage, now, message, at, payload))
            group.rescue_stage, group.rescue_at = stage, now
        await enqueue_rows(session, rows)

    async def still_wanted(self, keys: list[str]) -> set[str]:
        """Return which rescue DMs (outbox keys) are still worth sending.

        A DM waits for its reader's daytime. Meanwhile the group may have come back to life
        (which starts the rescue over) or its member been paused or left: then it is not sent.
        The facilitator's note may go to the coordinator who created the group, who is no member.
        """
        parsed = {key: tuple(int(part) for part in key.split(":")[1:4]) for key in keys}
        members = {(group_id, user_id) for group_id, user_id, stage in parsed.values() if stage != 2}
        async with self._db.reading() as session:
            taking_part = await still_taking_part(session, members)
            found = await session.execute(
                select(Group.id, Group.rescue_stage).where(
                    Group.id.in_({group_id for group_id, _, _ in parsed.values()})
                )
            )
            stages = dict(found.all())
        return {
            key
            for key, (group_id, user_id, stage) in parsed.items()
            if stages.get(group_id, 0) >= stage and (stage == 2 or (group_id, user_id) in taking_part)
        }

    async def _clocks(
        self,
        session: AsyncSession,
        groups: Sequence[Group],
        members_of: dict[int, list[Row[tuple[int, int, str]]]],
    ) -> dict[tuple[int, int], MemberClock]:
        """Return the clock of everyone these groups' DMs may go to, by (server, member)."""
        people: dict[int, set[int]] = {}
        for group in groups:
            people.setdefault(group.guild_id, set()).add(group.created_by)
            people[group.guild_id].update(m.user_id for m in members_of.get(group.id, []))
        clocks: dict[tuple[int, int], MemberClock] = {}
        for guild_id, user_ids in people.items():
            found = await member_clocks(session, self._settings, guild_id, sorted(user_ids))
            clocks.update(((guild_id, user_id), clock) for user_id, clock in found.items())
        return clocks


def _dm(
    group: Group,
    user_id: int,
    stage: int,
    now: datetime,
    message: OutgoingMessage,
    at: datetime,
    payload: dict[str, Any],
) -> dict[str, object]:
    return outbox_row(
        key=f"rescue:{group.id}:{user_id}:{stage}:{now:%Y%m%d}",
        target=Target("dm", user_id),
        message=message,
        now=now,
        not_before=at,
        guild_id=group.guild_id,
        payload=payload,
    )


def _members_nudge(group: Group, days: int) -> OutgoingMessage:
    text = (
        f"**{verbatim(group.name)}** has been quiet for {days} days. "
        "Finding time is the hardest part of distance mentoring — a two-line hello in the group's "
        "channel, or answering a check-in, keeps it going."
    )
    return OutgoingMessage(cards=(Card(title="Your group misses you", description=text),))


def _facilitator_note(group: Group, days: int) -> OutgoingMessage:
    text = (
        f"**{verbatim(group.name)}** has shown no activity for {days} days "
        "(no messages in its channel, check-in answers or goal updates), even after a nudge to its "
        "members. A personal word from you may help. "
        "Only you see this."
    )
    return OutgoingMessage(cards=(Card(title="A group has gone quiet", description=text),))


def _rematch_offer(group: Group, role: str) -> OutgoingMessage:
    text = (
        f"**{verbatim(group.name)}** has been quiet for a long while. "
        "That happens — schedules change. If you'd like a fresh match, press the button "
        "(or use `/match optin`); a coordinator will propose one."
    )
    return OutgoingMessage(
        cards=(Card(title="Would a new match help?", description=text),),
        buttons=(Button(f"match:again:{group.guild_id}:{role}", "Find me a new match", "primary"),),
    )
