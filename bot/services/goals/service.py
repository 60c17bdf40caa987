"""The goal service: reading goals (as visibility allows) on top of changing them and partners."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Goal, GoalPartner, GoalUpdate, GroupMember
from bot.domain.goals import streak
from bot.errors import NotFound
from bot.services.actors import Actor
from bot.services.goals.changes import GoalChanges
from bot.services.goals.queries import _find, _may_see, _not_found
from bot.services.goals.views import GoalView, _view, _views


class GoalService(GoalChanges):
    """Every use case of goals and accountability partners."""

    async def show(self, guild_id: int, viewer: Actor, goal_ref: str) -> GoalView:
        """Return a goal the viewer may see."""
        async with self._db.reading() as session:
            goal = await _find(session, guild_id, goal_ref)
            if not await _may_see(session, goal, viewer.user_id):
                raise NotFound(_not_found(goal_ref))
            return await _view(session, goal)

    async def visible(
        self,
        guild_id: int,
        viewer: Actor,
        *,
        owner_id: int | None = None,
        group_id: int | None = None,
        query: str = "",
        include_closed: bool = True,
        limit: int = 25,
    ) -> list[GoalView]:
        """Return the goals the viewer may see, filtered by owner, group or title.

        Titles are encrypted at rest (with a data key), so the title search runs here, over the
        titles of the goals the viewer may see (a member's own and their groups': few).
        """
        async with self._db.reading() as session:
            return await self._visible_in(
                session, guild_id, viewer, owner_id, group_id, query, include_closed, limit
            )

    async def own_goals(self, guild_id: int, viewer: Actor, *, limit: int = 25) -> tuple[list[GoalView], int]:
        """Return the viewer's own goals and their streak (see :meth:`streak`), read together."""
        async with self._db.reading() as session:
            goals = await self._visible_in(session, guild_id, viewer, viewer.user_id, None, "", True, limit)
            return goals, await self._streak_in(session, guild_id, viewer.user_id)

    async def streak(self, guild_id: int, user_id: int) -> int:
        """Return how many of the member's own calendar days in a row they worked on their goals."""
        async with self._db.reading() as session:
            return await self._streak_in(session, guild_id, user_id)

    async def _visible_in(
        self,
        session: AsyncSession,
        guild_id: int,
        viewer: Actor,
        owner_id: int | None,
        group_id: int | None,
        query: str,
        include_closed: bool,
        limit: int,
    ) -> list[GoalView]:
        mine_or_shared = or_(
            Goal.owner_id == viewer.user_id,
            Goal.id.in_(select(GoalPartner.goal_id).where(GoalPartner.user_id == viewer.user_id)),
            (Goal.visibility == "group")
            & Goal.group_id.in_(
                select(GroupMember.group_id).where(
                    GroupMember.guild_id == guild_id,
                    GroupMember.user_id == viewer.user_id,
                    GroupMember.left_at.is_(None),
                )
            ),
        )
        # A partner sees "partners" goals; nobody but the owner sees private ones.
        conditions = [
            Goal.guild_id == guild_id,
            mine_or_shared,
            (Goal.owner_id == viewer.user_id) | (Goal.visibility != "private"),
        ]
        if owner_id is not None:
            conditions.append(Goal.owner_id == owner_id)
        if group_id is not None:
            conditions.append(Goal.group_id == group_id)
        if not include_closed:
            conditions.append(Goal.status.in_(("active", "paused")))
        order = (Goal.status != "active", Goal.created_at.desc())
        if needle := query.strip().casefold():
            titles = await session.execute(select(Goal.id, Goal.title).where(*conditions))
            conditions.append(Goal.id.in_([i for i, title in titles if needle in title.casefold()]))
        goals = await session.scalars(select(Goal).where(*conditions).order_by(*order).limit(limit))
        return await _views(session, list(goals))

    async def _streak_in(self, session: AsyncSession, guild_id: int, user_id: int) -> int:
        now = self._clock.now()
        moments = list(
            await session.scalars(
                select(GoalUpdate.created_at).where(
                    GoalUpdate.guild_id == guild_id,
                    GoalUpdate.author_id == user_id,
                    GoalUpdate.kind.in_(("progress", "milestone", "done", "note")),
                    GoalUpdate.created_at >= now - timedelta(days=400),
                )
            )
        )
        if not moments:
            return 0  # no work on goals: no need to read the member's clock
        return streak(moments, await self._zone(session, guild_id, user_id), now)
