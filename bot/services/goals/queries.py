"""Finding a goal or a milestone, and the one visibility check: who may see a goal."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Goal, GoalMilestone, GoalPartner, GroupMember
from bot.domain.goals import can_see
from bot.errors import NotFound


async def _find(session: AsyncSession, guild_id: int, ref: str | int, *, for_update: bool = False) -> Goal:
    text = str(ref).strip()
    if not text.isdecimal() or len(text) > 18:
        raise NotFound(_not_found(ref))
    statement = select(Goal).where(Goal.guild_id == guild_id, Goal.id == int(text))
    if for_update:
        statement = statement.with_for_update()
    goal = (await session.scalars(statement)).first()
    if goal is None:
        raise NotFound(_not_found(ref))
    return goal


def _not_found(ref: str | int) -> str:
    return f"No goal “{str(ref)[:60]}” that you can see. Pick one from the list as you type (`/goal list`)."


async def _is_partner(session: AsyncSession, goal_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(GoalPartner.user_id).where(GoalPartner.goal_id == goal_id, GoalPartner.user_id == user_id)
    )
    return found is not None


async def _may_see(session: AsyncSession, goal: Goal, user_id: int) -> bool:
    """Apply the domain's visibility rule, looking up only the facts it needs."""
    is_owner = goal.owner_id == user_id
    if is_owner or goal.visibility == "private":
        return is_owner
    is_partner = await _is_partner(session, goal.id, user_id)
    in_group = False
    if goal.visibility == "group" and goal.group_id is not None and not is_partner:
        in_group = (
            await session.scalar(
                select(GroupMember.id).where(
                    GroupMember.group_id == goal.group_id,
                    GroupMember.user_id == user_id,
                    GroupMember.left_at.is_(None),
                )
            )
        ) is not None
    return can_see(goal.visibility, is_owner=is_owner, is_partner=is_partner, in_group=in_group)  # type: ignore[arg-type]


async def _milestone(session: AsyncSession, goal_id: int, ref: str | int) -> GoalMilestone:
    text = str(ref).strip()
    statement = select(GoalMilestone).where(GoalMilestone.goal_id == goal_id)
    # Two milestones may share a title: take the first in the list, not whichever the database
    # happens to return first (PostgreSQL moves a row each time it is updated).
    listed = (await session.scalars(statement.order_by(GoalMilestone.position))).all()
    if text.isdecimal() and len(text) <= 18:
        found = next((m for m in listed if m.id == int(text)), None)
    else:  # by title, compared here: titles are encrypted at rest
        found = next((m for m in listed if m.title.casefold() == text.casefold()), None)
    if found is None:
        raise NotFound("No such milestone on this goal; pick one from the list as you type.")
    return found


async def _milestone_counts(session: AsyncSession, goal_id: int) -> tuple[int, int]:
    rows = (
        await session.scalars(select(GoalMilestone.done_at).where(GoalMilestone.goal_id == goal_id))
    ).all()
    return sum(d is not None for d in rows), len(rows)
