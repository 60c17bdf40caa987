"""Setting and changing goals (their owner only): milestones, progress, done, drop; each change recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Goal, GoalMilestone, GoalUpdate
from bot.domain.goals import (
    MILESTONES_MAX,
    REFLECTION_MAX,
    WHY_MAX,
    check_note,
    check_progress,
    check_title,
    check_visibility,
    parse_due_date,
    progress_from_milestones,
)
from bot.errors import Conflict, Invalid, NotAllowed, NotFound
from bot.services.activity import record_group_activity
from bot.services.actors import Actor
from bot.services.goals.partners import GoalPartners
from bot.services.goals.queries import _milestone, _milestone_counts
from bot.services.goals.views import GoalView, _view
from bot.services.verbatim import verbatim


class GoalChanges(GoalPartners):
    """What a goal's owner does to it (a part of :class:`GoalService`)."""

    async def set_goal(
        self,
        guild_id: int,
        owner: Actor,
        *,
        title: str,
        why: str | None = None,
        due: str | None = None,
        visibility: str = "private",
        horizon: str = "short",
        group_ref: str | None = None,
    ) -> GoalView:
        """Set a new goal."""
        title = check_title(title)
        why = check_note(why or "", limit=WHY_MAX, what="why it matters")
        visibility = check_visibility(visibility)
        if horizon not in ("short", "long"):
            raise Invalid("A goal is short-term or long-term.")
        group_id = None
        if group_ref:
            group = await self._groups.get(guild_id, owner, group_ref)
            if group.role_of(owner.user_id) is None:
                raise NotAllowed(
                    "You can only set goals in groups you belong to, "
                    f"and you're not in “{verbatim(group.name)}”."
                )
            group_id = group.id
        if visibility == "group" and group_id is None:
            raise Invalid("A goal shared with a group needs the group: choose it in the `group` option.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            due_date = (
                parse_due_date(due, today=await self._today(session, guild_id, owner.user_id))
                if due
                else None
            )
            goal = Goal(
                guild_id=guild_id,
                owner_id=owner.user_id,
                group_id=group_id,
                title=title,
                why=why,
                horizon=horizon,
                visibility=visibility,
                due_date=due_date,
                progress=0,
                status="active",
                created_at=now,
                last_activity_at=now,
            )
            session.add(goal)
            await session.flush()
            return await _view(session, goal)

    async def add_milestone(self, guild_id: int, owner: Actor, goal_ref: str, title: str) -> GoalView:
        """Add a milestone at the end of the goal's list."""
        title = check_title(title)
        async with self._db.transaction() as session:
            goal = await self._own_goal(session, guild_id, owner, goal_ref)
            count = await session.scalar(select(func.count()).where(GoalMilestone.goal_id == goal.id)) or 0
            if count >= MILESTONES_MAX:
                raise Invalid(f"A goal can have at most {MILESTONES_MAX} milestones.")
            session.add(GoalMilestone(goal_id=goal.id, title=title, position=count))
            goal.last_activity_at = self._clock.now()
            await session.flush()
            return await _view(session, goal)

    async def check_milestone(
        self, guild_id: int, owner: Actor, goal_ref: str, milestone_ref: str
    ) -> GoalView:
        """Tick a milestone off; progress follows the milestones; partners hear of it."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            goal = await self._own_goal(session, guild_id, owner, goal_ref)
            milestone = await _milestone(session, goal.id, milestone_ref)
            if milestone.done_at is not None:
                raise Conflict(f"“{milestone.title}” is already done.")
            milestone.done_at = now
            await session.flush()
            done, total = await _milestone_counts(session, goal.id)
            before, goal.progress = goal.progress, progress_from_milestones(done, total)
            await _record_event(
                session,
                goal,
                now,
                author_id=owner.user_id,
                kind="milestone",
                before=before,
                note=milestone.title,
            )
            await self._tell_partners(
                session, goal, f"reached a milestone: **{verbatim(milestone.title)}**", now
            )
            view = await _view(session, goal)
        self._scheduler.run_soon("outbox")
        return view

    async def move_milestone(
        self, guild_id: int, owner: Actor, goal_ref: str, milestone_ref: str, position: int
    ) -> GoalView:
        """Move a milestone to a position (1 = first)."""
        async with self._db.transaction() as session:
            goal = await self._own_goal(session, guild_id, owner, goal_ref)
            milestone = await _milestone(session, goal.id, milestone_ref)
            ordered = list(
                await session.scalars(
                    select(GoalMilestone)
                    .where(GoalMilestone.goal_id == goal.id)
                    .order_by(GoalMilestone.position)
                )
            )
            if not 1 <= position <= len(ordered):
                raise Invalid(f"Choose a position from 1 to {len(ordered)}.")
            ordered.remove(milestone)
            ordered.insert(position - 1, milestone)
            for index, item in enumerate(ordered):
                item.position = index
            await session.flush()
            return await _view(session, goal)

    async def update(
        self,
        guild_id: int,
        owner: Actor,
        goal_ref: str,
        *,
        progress: int | None = None,
        note: str | None = None,
    ) -> GoalView:
        """Record progress (a percentage) and/or a note; partners hear of it."""
        if progress is not None:
            progress = check_progress(progress)
        note = check_note(note or "")
        if progress is None and note is None:
            raise Invalid("Give your progress (0–100) or a short note.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            goal = await self._own_goal(session, guild_id, owner, goal_ref)
            before = goal.progress
            if progress is not None:
                goal.progress = progress
            if goal.status == "paused":
                goal.status = "active"
            await _record_event(
                session, goal, now, author_id=owner.user_id, kind="progress", before=before, note=note
            )
            await self._tell_partners(session, goal, f"updated their progress to **{goal.progress}%**", now)
            view = await _view(session, goal)
        self._scheduler.run_soon("outbox")
        return view

    async def complete(
        self, guild_id: int, owner: Actor, goal_ref: str, reflection: str | None = None
    ) -> GoalView:
        """Mark the goal done, with a short reflection; partners hear of it."""
        reflection = check_note(reflection or "", limit=REFLECTION_MAX, what="reflection")
        now = self._clock.now()
        async with self._db.transaction() as session:
            goal = await self._own_goal(session, guild_id, owner, goal_ref)
            before = goal.progress
            goal.status, goal.progress, goal.reflection = "done", 100, reflection
            goal.completed_at = now
            await _record_event(session, goal, now, author_id=owner.user_id, kind="done", before=before)
            await self._tell_partners(session, goal, "completed their goal 🎉", now)
            view = await _view(session, goal)
        self._scheduler.run_soon("outbox")
        return view

    async def set_status(self, guild_id: int, owner: Actor, goal_ref: str, status: str) -> GoalView:
        """Drop, pause or resume a goal."""
        if status not in ("dropped", "paused", "active"):
            raise Invalid("A goal can be dropped, paused or made active again.")
        async with self._db.transaction() as session:
            goal = await self._own_goal(session, guild_id, owner, goal_ref, allow_closed=status == "active")
            goal.status = status
            goal.last_activity_at = self._clock.now()
            return await _view(session, goal)

    async def touch(self, user_id: int, goal_id: int) -> GoalView:
        """Say "still on it" from a nudge: the goal counts as active again, without a progress change."""
        async with self._db.transaction() as session:
            goal = await session.get(Goal, goal_id, with_for_update=True)
            if goal is None or goal.owner_id != user_id:
                raise NotFound("That goal no longer exists.")
            now = self._clock.now()
            await _record_event(session, goal, now, author_id=user_id, kind="note")
            return await _view(session, goal)

    async def guild_of(self, user_id: int, goal_id: int) -> int:
        """Return the server of the user's own goal (buttons in DMs carry no server)."""
        async with self._db.reading() as session:
            goal = await session.get(Goal, goal_id)
        if goal is None or goal.owner_id != user_id:
            raise NotFound("That goal no longer exists.")
        return goal.guild_id


async def _record_event(
    session: AsyncSession,
    goal: Goal,
    now: datetime,
    *,
    author_id: int,
    kind: str,
    before: int | None = None,
    note: str | None = None,
) -> None:
    """Record what the owner did to a goal: its history, its last activity and its group's."""
    goal.last_activity_at = now
    await record_group_activity(session, goal.group_id, now)
    session.add(
        GoalUpdate(
            goal_id=goal.id,
            guild_id=goal.guild_id,
            author_id=author_id,
            kind=kind,
            progress_before=before,
            progress_after=goal.progress if before is not None else None,
            note=note,
            created_at=now,
        )
    )
