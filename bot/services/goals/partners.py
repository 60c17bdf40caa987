"""Accountability partners: added by a goal's owner, told of its progress, free to cheer it on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Goal, GoalPartner, GoalUpdate, GroupMember
from bot.domain.goals import check_note
from bot.errors import Conflict, Invalid, NotFound
from bot.messaging import Button, Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.services.actors import Actor
from bot.services.goals.access import GoalAccess
from bot.services.goals.queries import _is_partner
from bot.services.goals.views import GoalView, _view
from bot.services.verbatim import verbatim

PARTNERS_MAX = 5


class GoalIsPrivate(Conflict):
    """A partner was named on a goal only its owner sees: nothing changed, and nobody was told."""

    title = "This goal is seen by only you"

    def __init__(self, goal_id: int, partner_id: int) -> None:
        super().__init__(
            f"A partner sees the goal and hears of its progress, so I haven't told <@{partner_id}> "
            "anything. To name a partner, first make the goal visible to you and your partners."
        )
        self.goal_id = goal_id
        self.partner_id = partner_id


class GoalPartners(GoalAccess):
    """Add partners, cheer, tell partners (a part of :class:`GoalService`)."""

    async def add_partner(
        self, guild_id: int, owner: Actor, goal_ref: str, partner_id: int, *, show_to_partners: bool = False
    ) -> GoalView:
        """Name an accountability partner from the goal's group; they are told.

        A goal seen by only its owner gets no partner (:class:`GoalIsPrivate`) unless the owner
        chose ``show_to_partners``: then it becomes visible to them and their partners first.
        """
        now = self._clock.now()
        async with self._db.transaction() as session:
            goal = await self._own_goal(session, guild_id, owner, goal_ref)
            if partner_id == owner.user_id:
                raise Invalid("You can't be your own accountability partner.")
            if goal.group_id is None:
                raise Invalid("Partners come from the goal's group: set the goal in a group first.")
            member = await session.scalar(
                select(GroupMember.id).where(
                    GroupMember.group_id == goal.group_id,
                    GroupMember.user_id == partner_id,
                    GroupMember.left_at.is_(None),
                )
            )
            if member is None:
                raise Invalid(
                    f"<@{partner_id}> is not in this goal's group; partners come from the same group."
                )
            partners = set(
                await session.scalars(select(GoalPartner.user_id).where(GoalPartner.goal_id == goal.id))
            )
            if partner_id in partners:
                raise Conflict(f"<@{partner_id}> is already a partner on this goal.")
            if len(partners) >= PARTNERS_MAX:
                raise Invalid(f"A goal can have at most {PARTNERS_MAX} partners.")
            if goal.visibility == "private":
                if not show_to_partners:
                    raise GoalIsPrivate(goal.id, partner_id)
                goal.visibility = "partners"
            session.add(GoalPartner(goal_id=goal.id, user_id=partner_id, guild_id=guild_id))
            await enqueue(
                session,
                key=f"goal-partner:{goal.id}:{partner_id}:{now.isoformat()}",
                target=Target("dm", partner_id),
                message=OutgoingMessage(
                    cards=(
                        Card(
                            title="You're an accountability partner",
                            description=(
                                f"<@{goal.owner_id}> asked you to keep them company on "
                                f"**{verbatim(goal.title)}**. "
                                "You'll hear about their progress and can cheer them on."
                            ),
                        ),
                    )
                ),
                now=now,
                guild_id=guild_id,
            )
            await session.flush()
            view = await _view(session, goal)
        self._scheduler.run_soon("outbox")
        return view

    async def cheer(self, user_id: int, goal_id: int, note: str | None = None) -> GoalView:
        """Cheer a goal as its partner (optionally with a short note); the owner is told."""
        note = check_note(note or "")
        now = self._clock.now()
        async with self._db.transaction() as session:
            goal = await session.get(Goal, goal_id)
            if goal is None or not await _is_partner(session, goal.id, user_id):
                raise NotFound("That goal isn't one you're a partner on.")
            update = GoalUpdate(
                goal_id=goal.id,
                guild_id=goal.guild_id,
                author_id=user_id,
                kind="cheer",
                note=note,
                created_at=now,
            )
            session.add(update)
            await session.flush()
            text = f"<@{user_id}> cheered you on for **{verbatim(goal.title)}** 👏" + (
                f"\n> {verbatim(note)}" if note else ""
            )
            await enqueue(
                session,
                key=f"goal-cheer:{update.id}",
                target=Target("dm", goal.owner_id),
                message=OutgoingMessage(cards=(Card(title="A cheer for you", description=text),)),
                now=now,
                guild_id=goal.guild_id,
            )
            view = await _view(session, goal)
        self._scheduler.run_soon("outbox")
        return view

    async def _tell_partners(self, session: AsyncSession, goal: Goal, what: str, now: datetime) -> None:
        if goal.visibility == "private":
            return  # nobody else hears of a goal only its owner sees (partners named before it was hidden)
        await session.flush()  # the update just added gets its id, which names this news
        occasion = await session.scalar(select(func.max(GoalUpdate.id)).where(GoalUpdate.goal_id == goal.id))
        partners = list(
            await session.scalars(select(GoalPartner.user_id).where(GoalPartner.goal_id == goal.id))
        )
        for partner_id in partners:
            await enqueue(
                session,
                key=f"goal-news:{occasion}:{partner_id}",
                target=Target("dm", partner_id),
                message=OutgoingMessage(
                    cards=(Card(title=verbatim(goal.title), description=f"<@{goal.owner_id}> {what}."),),
                    buttons=(Button(f"goal:cheer:{goal.id}", "Cheer 👏", "success"),),
                ),
                now=now,
                guild_id=goal.guild_id,
            )
