"""What the goal service returns: plain, frozen views of goals and their milestones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Goal, GoalMilestone, GoalPartner


@dataclass(frozen=True)
class MilestoneView:
    """A milestone as shown."""

    id: int
    title: str
    done: bool


@dataclass(frozen=True)
class GoalView:
    """A goal as shown to someone allowed to see it."""

    id: int
    owner_id: int
    title: str
    why: str | None
    horizon: str
    visibility: str
    group_id: int | None
    due_date: date | None
    progress: int
    status: str
    reflection: str | None
    milestones: tuple[MilestoneView, ...]
    partner_ids: tuple[int, ...]
    last_activity_at: datetime


async def _view(session: AsyncSession, goal: Goal) -> GoalView:
    [view] = await _views(session, [goal])
    return view


async def _views(session: AsyncSession, goals: list[Goal]) -> list[GoalView]:
    """Return the goals' views with their milestones and partners (two queries for all of them)."""
    ids = [goal.id for goal in goals]
    if not ids:
        return []  # most members have no goals: no need to look for milestones and partners
    milestones: dict[int, list[GoalMilestone]] = {}
    for m in await session.scalars(
        select(GoalMilestone).where(GoalMilestone.goal_id.in_(ids)).order_by(GoalMilestone.position)
    ):
        milestones.setdefault(m.goal_id, []).append(m)
    partners: dict[int, list[int]] = {}
    for goal_id, user_id in await session.execute(
        select(GoalPartner.goal_id, GoalPartner.user_id).where(GoalPartner.goal_id.in_(ids))
    ):
        partners.setdefault(goal_id, []).append(user_id)
    return [_view_of(goal, milestones.get(goal.id, []), partners.get(goal.id, [])) for goal in goals]


def _view_of(goal: Goal, milestones: list[GoalMilestone], partners: list[int]) -> GoalView:
    return GoalView(
        id=goal.id,
        owner_id=goal.owner_id,
        title=goal.title,
        why=goal.why,
        horizon=goal.horizon,
        visibility=goal.visibility,
        group_id=goal.group_id,
        due_date=goal.due_date,
        progress=goal.progress,
        status=goal.status,
        reflection=goal.reflection,
        milestones=tuple(MilestoneView(m.id, m.title, m.done_at is not None) for m in milestones),
        partner_ids=tuple(sorted(partners)),
        last_activity_at=goal.last_activity_at,
    )
