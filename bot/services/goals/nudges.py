"""Gentle accountability on a schedule: stale-goal nudges, due-date reminders, weekly wins.

One sweep runs every 15 minutes, a slice of goals or groups at a time. Each message is recorded
in the outbox under a key that names its occasion (the stretch of silence, the due date, the
week), so a sweep that runs twice — or in two processes — sends it once. Times are the member's
own: nudges arrive in their daytime and outside quiet hours; the weekly digest goes out at the
moment of the chosen weekday when most of the group is awake.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Goal, GoalMilestone, GoalUpdate, Group
from bot.domain.goals import Clock as MemberClock
from bot.domain.goals import (
    GoalFact,
    WeeklyWins,
    best_weekly_moment,
    is_stale,
    nudge_moment,
    select_weekly_wins,
)
from bot.domain.text import clip
from bot.messaging import Button, Card, Field, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services.goals.due import due_goals, due_reminders_still_wanted, remind_due
from bot.services.groups.queries import still_taking_part
from bot.services.profiles import group_clocks, member_clock
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

SWEEP_EVERY = timedelta(minutes=15)
SLICE = 50  # goals or groups swept in one unit of work (each costs a few queries)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class GoalNudges:
    """The goals sweep: a periodic job over the goals and groups of this process's servers."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        scheduler: SchedulingEngine,
        *,
        stale_after_days: int = 10,
        due_reminder_days: int = 2,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler
        self._stale_days = stale_after_days
        self._due_days = due_reminder_days
        # Each group's weekly-wins moment, by its members' clocks and the day: the hourly sweep asks
        # for the same one all day, and groups with the same clocks share it.
        self._wins_moments: dict[tuple[tuple[MemberClock, ...], int, date], datetime] = {}
        # Periodic, a slice to a unit of work: 10,000 groups' weekly wins or a wave of stale
        # goals must not hold the database for the whole sweep. Each message is keyed by its
        # occasion and each row marked, so running again (or in two processes) sends it once.
        scheduler.add_periodic("goals", SWEEP_EVERY.total_seconds(), self.run_sweep)

    async def run_sweep(self) -> None:
        """Enqueue every nudge, reminder and weekly digest whose time has come, slice by slice."""
        now = self._clock.now()
        steps = (
            (self._stale(now, select(Goal.id)), self._nudge_stale),
            (self._due(now, select(Goal.id)), self._remind_due),
            (self._wins_groups(select(Group.id)), self._weekly_wins),
        )
        for ids_query, step in steps:
            async with self._db.reading() as session:
                ids = list(await session.scalars(ids_query))
            for first in range(0, len(ids), SLICE):
                async with self._db.transaction() as session:
                    await step(session, now, ids[first : first + SLICE])
        self._scheduler.run_soon("outbox")

    async def sweep(self, session: AsyncSession, now: datetime) -> None:
        """Run the whole sweep in one unit of work (a small program, or a test)."""
        await self._nudge_stale(session, now)
        await self._remind_due(session, now)
        await self._weekly_wins(session, now)

    def _mine(self, guild_id: ColumnElement[int]) -> ColumnElement[bool]:
        """Only the servers on this process's shards."""
        return self._scheduler.scope.clause(guild_id)

    def _stale(self, now: datetime, query: Select[Any]) -> Select[Any]:
        since = now - timedelta(days=self._stale_days)
        return query.where(Goal.status == "active", Goal.last_activity_at <= since, self._mine(Goal.guild_id))

    def _due(self, now: datetime, query: Select[Any]) -> Select[Any]:
        return due_goals(query, now, self._due_days).where(self._mine(Goal.guild_id))

    def _wins_groups(self, query: Select[Any]) -> Select[Any]:
        return query.where(
            Group.archived_at.is_(None),
            Group.wins_weekday.is_not(None),
            Group.home_channel_id.is_not(None),
            self._mine(Group.guild_id),
        )

    # -- stale goals and due dates --------------------------------------------------------

    async def _nudge_stale(self, session: AsyncSession, now: datetime, ids: list[int] | None = None) -> None:
        goals = (await session.scalars(_only(self._stale(now, select(Goal)), Goal.id, ids))).all()
        for goal in goals:
            if not is_stale(goal.last_activity_at, now, self._stale_days):
                continue
            if (
                goal.nudged_at is not None
                and goal.nudged_at >= goal.last_activity_at
                and not is_stale(goal.nudged_at, now, self._stale_days)
            ):
                continue  # one nudge per stretch of silence
            if goal.group_id is not None and not await still_taking_part(
                session, {(goal.group_id, goal.owner_id)}
            ):
                continue  # paused in the goal's group (or gone from it): no nudges meanwhile
            clock = await self._clock_of(session, goal.guild_id, goal.owner_id)
            goal.nudged_at = now
            await enqueue(
                session,
                key=f"goal-nudge:{goal.id}:{now:%Y%m%d%H%M}",
                target=Target("dm", goal.owner_id),
                message=_nudge(goal, (now - goal.last_activity_at).days),
                now=now,
                not_before=nudge_moment(now, clock),
                guild_id=goal.guild_id,
            )

    async def nudges_still_wanted(self, keys: list[str]) -> set[str]:
        """Return which stale-goal nudges (outbox keys) are still worth sending.

        A nudge waits for its owner's daytime; a goal updated, closed or paused meanwhile, or an
        owner paused in (or gone from) the goal's group, gets none.
        """
        goal_of = {key: int(key.split(":")[1]) for key in keys}
        async with self._db.reading() as session:
            goals = {
                goal.id: goal
                for goal in await session.scalars(select(Goal).where(Goal.id.in_(set(goal_of.values()))))
            }
            taking_part = await still_taking_part(
                session, {(g.group_id, g.owner_id) for g in goals.values() if g.group_id is not None}
            )
        return {
            key
            for key, goal_id in goal_of.items()
            if (goal := goals.get(goal_id)) is not None
            and goal.status == "active"
            and goal.nudged_at is not None
            and goal.last_activity_at <= goal.nudged_at
            and (goal.group_id is None or (goal.group_id, goal.owner_id) in taking_part)
        }

    async def _remind_due(self, session: AsyncSession, now: datetime, ids: list[int] | None = None) -> None:
        goals = (await session.scalars(_only(self._due(now, select(Goal)), Goal.id, ids))).all()
        for goal in goals:
            await remind_due(session, self._settings, goal, now, self._due_days)

    async def due_reminders_still_wanted(self, keys: list[str]) -> set[str]:
        """Return which due-date reminders (outbox keys) are still worth sending (see ``due.py``)."""
        async with self._db.reading() as session:
            return await due_reminders_still_wanted(session, self._settings, keys, self._clock.now())

    # -- weekly wins ----------------------------------------------------------------------

    async def _weekly_wins(self, session: AsyncSession, now: datetime, ids: list[int] | None = None) -> None:
        groups = (await session.scalars(_only(self._wins_groups(select(Group)), Group.id, ids))).all()
        for group in groups:
            assert group.wins_weekday is not None
            clocks = await group_clocks(session, self._settings, group.guild_id, group.id)
            moment = await self._wins_moment(clocks, group.wins_weekday, now.date())
            if not moment <= now < moment + timedelta(days=1):
                continue
            wins = await _wins_of(session, group.id, moment - timedelta(days=7), moment)
            if wins.is_empty():
                continue
            await enqueue(
                session,
                key=f"goal-wins:{group.id}:{moment:%G-W%V}",
                target=Target("channel", group.home_channel_id),  # type: ignore[arg-type]
                message=wins_message(group.name, wins),
                now=now,
                guild_id=group.guild_id,
            )

    async def _wins_moment(self, clocks: list[MemberClock], weekday: int, day: date) -> datetime:
        """Return ``best_weekly_moment`` for these clocks, computed off the event loop once a day.

        It tries every quarter hour of a day and a half on every member's clock: milliseconds per
        group, which in slices of groups held the event loop (and members' commands) for long.
        """
        key = (tuple(clocks), weekday, day)
        if (moment := self._wins_moments.get(key)) is None:
            moment = await asyncio.to_thread(best_weekly_moment, clocks, weekday, day)
            if len(self._wins_moments) >= 10_000:
                self._wins_moments.clear()  # a new day's keys replace the old ones
            self._wins_moments[key] = moment
        return moment

    async def _clock_of(self, session: AsyncSession, guild_id: int, user_id: int) -> MemberClock:
        return MemberClock(*await member_clock(session, self._settings, guild_id, user_id))


def _only(query: Select[Any], id_column: ColumnElement[int], ids: list[int] | None) -> Select[Any]:
    """Narrow ``query`` to a slice of ids, locked (a second process skips rows being swept)."""
    if ids is not None:
        query = query.where(id_column.in_(ids))
    return query.with_for_update(skip_locked=True)


async def _wins_of(session: AsyncSession, group_id: int, start: datetime, end: datetime) -> WeeklyWins:
    """Collect the facts of the group's shared goals for the week (counts and titles, no notes)."""
    goals = (
        await session.scalars(select(Goal).where(Goal.group_id == group_id, Goal.visibility == "group"))
    ).all()
    facts = []
    for goal in goals:
        milestones = (
            await session.scalars(
                select(GoalMilestone.title).where(
                    GoalMilestone.goal_id == goal.id,
                    GoalMilestone.done_at >= start,
                    GoalMilestone.done_at < end,
                )
            )
        ).all()
        first = await session.scalar(
            select(GoalUpdate.progress_before)
            .where(
                GoalUpdate.goal_id == goal.id,
                GoalUpdate.created_at >= start,
                GoalUpdate.progress_before.is_not(None),
            )
            .order_by(GoalUpdate.created_at)
            .limit(1)
        )
        facts.append(
            GoalFact(
                goal_id=goal.id,
                owner_id=goal.owner_id,
                title=goal.title,
                visibility=goal.visibility,  # type: ignore[arg-type]
                completed_at=goal.completed_at,
                milestones_done_in_week=tuple(milestones),
                progress_before=first if first is not None else goal.progress,
                progress_now=goal.progress,
                last_activity=goal.last_activity_at,
                stalled=goal.status == "active" and end - goal.last_activity_at > timedelta(days=14),
            )
        )
    return select_weekly_wins(facts, start, end)


def wins_message(group_name: str, wins: WeeklyWins) -> OutgoingMessage:
    """Build the weekly wins digest: celebrate, summarise, and mention stalled goals kindly."""
    fields: list[Field] = []
    if wins.completed:
        fields.append(
            Field("🎉 Completed", _lines(f"<@{f.owner_id}> — {verbatim(f.title)}" for f in wins.completed))
        )
    if wins.milestones:
        fields.append(
            Field(
                "✅ Milestones",
                _lines(f"<@{f.owner_id}> — {verbatim(m)} ({verbatim(f.title)})" for f, m in wins.milestones),
            )
        )
    if wins.progressed:
        fields.append(
            Field(
                "📈 Progress",
                _lines(
                    f"<@{f.owner_id}> — {verbatim(f.title)}: {f.progress_before}% → {f.progress_now}%"
                    for f in wins.progressed
                ),
            )
        )
    if wins.stalled:
        fields.append(
            Field(
                "🌱 Quiet for a while",
                _lines(f"<@{f.owner_id}> — {verbatim(f.title)}: a small step counts" for f in wins.stalled),
            )
        )
    return OutgoingMessage(
        cards=(Card(title=f"Weekly wins · {verbatim(group_name)}", fields=tuple(fields), color=0x3BA55C),)
    )


def _lines(items: Sequence[str] | object) -> str:
    text = "\n".join(items)  # type: ignore[arg-type]
    return clip(text, 1024, at="\n")


def _buttons(goal_id: int) -> tuple[Button, ...]:
    return (
        Button(f"goal:touch:{goal_id}:update", "Update now", "primary"),
        Button(f"goal:touch:{goal_id}:still", "Still on it"),
        Button(f"goal:touch:{goal_id}:pause", "Pause"),
    )


def _nudge(goal: Goal, quiet_days: int) -> OutgoingMessage:
    text = (
        f"It's been {quiet_days} days since you touched **{verbatim(goal.title)}** ({goal.progress}%). "
        "No pressure — a one-line update keeps it alive, and pausing is fine too."
    )
    return OutgoingMessage(
        cards=(Card(title="How's your goal going?", description=text),), buttons=_buttons(goal.id)
    )
