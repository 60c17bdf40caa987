"""Goals: set, milestones, progress, done, drop; partners who are told and can cheer.

Visibility is checked here and nowhere else: a private goal is its owner's alone; a
"partners" goal is also seen by its partners; a "group" goal by the members of its group.
Coordinators and facilitators get no exception — private means private.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Goal, GoalMilestone, GoalPartner, GoalUpdate, GroupMember
from bot.domain.goals import (
    MILESTONES_MAX,
    REFLECTION_MAX,
    WHY_MAX,
    can_see,
    check_note,
    check_progress,
    check_title,
    check_visibility,
    parse_due_date,
    progress_from_milestones,
    streak,
)
from bot.errors import Conflict, Invalid, NotAllowed, NotFound
from bot.messaging import Button, Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services.activity import record_group_activity
from bot.services.actors import Actor
from bot.services.groups import GroupService
from bot.services.profiles import member_clock
from bot.services.settings import SettingsService

PARTNERS_MAX = 5


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


class GoalService:
    """Every use case of goals and accountability partners."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler

    # -- creating and changing (the owner only) ---------------------------------------------

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
                    f"You can only set goals in groups you belong to, and you're not in “{group.name}”."
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
            await self._tell_partners(session, goal, f"reached a milestone: **{milestone.title}**", now)
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
        async with self._db.transaction() as session:
            goal = await session.get(Goal, goal_id)
        if goal is None or goal.owner_id != user_id:
            raise NotFound("That goal no longer exists.")
        return goal.guild_id

    # -- partners -------------------------------------------------------------------------

    async def add_partner(self, guild_id: int, owner: Actor, goal_ref: str, partner_id: int) -> GoalView:
        """Name an accountability partner from the goal's group; they are told."""
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
                                f"<@{goal.owner_id}> asked you to keep them company on **{goal.title}**. "
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
            text = f"<@{user_id}> cheered you on for **{goal.title}** 👏" + (f"\n> {note}" if note else "")
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
                    cards=(Card(title=goal.title, description=f"<@{goal.owner_id}> {what}."),),
                    buttons=(Button(f"goal:cheer:{goal.id}", "Cheer 👏", "success"),),
                ),
                now=now,
                guild_id=goal.guild_id,
            )

    # -- reading --------------------------------------------------------------------------

    async def show(self, guild_id: int, viewer: Actor, goal_ref: str) -> GoalView:
        """Return a goal the viewer may see."""
        async with self._db.transaction() as session:
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
        """Return the goals the viewer may see, filtered by owner, group or title."""
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
        statement = select(Goal).where(Goal.guild_id == guild_id, mine_or_shared)
        # A partner sees "partners" goals; nobody but the owner sees private ones.
        statement = statement.where((Goal.owner_id == viewer.user_id) | (Goal.visibility != "private"))
        if owner_id is not None:
            statement = statement.where(Goal.owner_id == owner_id)
        if group_id is not None:
            statement = statement.where(Goal.group_id == group_id)
        if query.strip():
            statement = statement.where(
                func.lower(Goal.title).contains(query.strip().lower(), autoescape=True)
            )
        if not include_closed:
            statement = statement.where(Goal.status.in_(("active", "paused")))
        statement = statement.order_by(Goal.status != "active", Goal.created_at.desc()).limit(limit)
        async with self._db.reading() as session:
            return await _views(session, list(await session.scalars(statement)))

    async def streak(self, guild_id: int, user_id: int) -> int:
        """Return how many of the member's own calendar days in a row they worked on their goals."""
        async with self._db.transaction() as session:
            moments = await session.scalars(
                select(GoalUpdate.created_at).where(
                    GoalUpdate.guild_id == guild_id,
                    GoalUpdate.author_id == user_id,
                    GoalUpdate.kind.in_(("progress", "milestone", "done", "note")),
                    GoalUpdate.created_at >= self._clock.now() - timedelta(days=400),
                )
            )
            zone = await self._zone(session, guild_id, user_id)
            return streak(list(moments), zone, self._clock.now())

    async def _own_goal(
        self, session: AsyncSession, guild_id: int, owner: Actor, ref: str, *, allow_closed: bool = False
    ) -> Goal:
        goal = await _find(session, guild_id, ref, for_update=True)
        if goal.owner_id != owner.user_id:
            if await _may_see(session, goal, owner.user_id):
                raise NotAllowed("Only the goal's owner can change it; as a partner you can cheer it on.")
            raise NotFound(_not_found(ref))
        if goal.status in ("done", "dropped") and not allow_closed:
            raise Invalid(f"“{goal.title}” is {goal.status}; make it active again to change it.")
        return goal

    async def _today(self, session: AsyncSession, guild_id: int, user_id: int) -> date:
        return self._clock.now().astimezone(ZoneInfo(await self._zone(session, guild_id, user_id))).date()

    async def _zone(self, session: AsyncSession, guild_id: int, user_id: int) -> str:
        return (await member_clock(session, self._settings, guild_id, user_id))[0]


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
    if text.isdecimal() and len(text) <= 18:
        statement = statement.where(GoalMilestone.id == int(text))
    else:
        statement = statement.where(func.lower(GoalMilestone.title) == text.lower())
    # Two milestones may share a title: take the first in the list, not whichever the database
    # happens to return first (PostgreSQL moves a row each time it is updated).
    found = (await session.scalars(statement.order_by(GoalMilestone.position))).first()
    if found is None:
        raise NotFound("No such milestone on this goal; pick one from the list as you type.")
    return found


async def _milestone_counts(session: AsyncSession, goal_id: int) -> tuple[int, int]:
    rows = (
        await session.scalars(select(GoalMilestone.done_at).where(GoalMilestone.goal_id == goal_id))
    ).all()
    return sum(d is not None for d in rows), len(rows)


async def _view(session: AsyncSession, goal: Goal) -> GoalView:
    [view] = await _views(session, [goal])
    return view


async def _views(session: AsyncSession, goals: list[Goal]) -> list[GoalView]:
    """Return the goals' views with their milestones and partners (two queries for all of them)."""
    ids = [goal.id for goal in goals]
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
