"""Group rituals on a cadence: scheduled discussions and confidentiality reminders.

A schedule falls on one weekday every N weeks (the group's meeting cadence by default) at the
moment of that day when most members are awake. A sweep claims each occurrence by writing its
day into the schedule before acting, so two sweeps, or two processes, never run it twice. A
reminder is an outbox message in the claiming unit of work; a discussion opens a thread after
the claim commits, taking the group's queued prompt or the next one in the library's rotation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Discussion, DiscussionSchedule, Group, QueuedPrompt
from bot.db.upsert import locked_row
from bot.domain.cadence import candidate_days, due_occurrence, first_day, next_occurrence
from bot.domain.discussions import next_in_rotation
from bot.errors import DomainError, Invalid, Unavailable
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.scheduling.claims import claim_day
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.discussions.service import DiscussionService, reminder_message
from bot.services.groups import GroupService, GroupView
from bot.services.groups.ground_rules import rules_of
from bot.services.profiles import group_clocks
from bot.services.prompt_library import prompts_in, resolve_in
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

KINDS = ("discussion", "reminder")
EVERY_WEEKS_MAX = 12
QUEUE_MAX = 25


@dataclass(frozen=True)
class ScheduleView:
    """One of a group's schedules."""

    kind: str
    every_weeks: int
    weekday: int
    duration_hours: int | None
    next_at: datetime


@dataclass(frozen=True)
class Rituals:
    """A group's schedules, its queue of prompts, and the prompt the next discussion would take."""

    group_name: str
    schedules: tuple[ScheduleView, ...]
    queue: tuple[str, ...]
    next_prompt: str | None


class DiscussionSchedules:
    """Schedules discussions and reminders, and runs them when their moment comes."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        discussions: DiscussionService,
        scheduler: SchedulingEngine,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._discussions = discussions
        self._scheduler = scheduler

    async def set(
        self,
        guild_id: int,
        actor: Actor,
        group_ref: str,
        kind: str,
        weekday: int,
        every_weeks: int | None = None,
        duration_hours: int | None = None,
    ) -> ScheduleView:
        """Schedule a group's discussions or reminders (its facilitators and coordinators)."""
        if kind not in KINDS:
            raise Invalid(f"Schedule discussions or reminders, not “{kind[:20]}”.")
        group = await self._groups.require_manager(guild_id, actor, group_ref, f"schedule {kind}s in")
        every = every_weeks or group.meeting_every_weeks or 1
        if not 1 <= every <= EVERY_WEEKS_MAX:
            raise Invalid(f"Choose every 1 to {EVERY_WEEKS_MAX} weeks.")
        if not 0 <= weekday <= 6:
            raise Invalid("Choose a day of the week.")
        if duration_hours is not None and not 1 <= duration_hours <= 24 * 14:
            raise Invalid("A discussion can run from 1 hour to 14 days.")
        _require_home(group, kind)
        now = self._clock.now()
        async with self._db.transaction() as session:
            row = await locked_row(
                session,
                DiscussionSchedule,
                (group.id, kind),
                guild_id=guild_id,
                every_weeks=every,
                weekday=weekday,
                anchor_day=first_day(weekday, now.date()),
                created_by=actor.user_id,
                created_at=now,
            )
            row.every_weeks, row.weekday, row.duration_hours = every, weekday, duration_hours
            row.anchor_day = first_day(weekday, now.date())
            row.created_by, row.created_at = actor.user_id, now
            return await self._view(session, row, now)

    async def stop(self, guild_id: int, actor: Actor, group_ref: str, kind: str) -> bool:
        """Stop a group's scheduled discussions or reminders; return whether there was a schedule."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, f"stop {kind}s in")
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(DiscussionSchedule).where(
                    DiscussionSchedule.group_id == group.id, DiscussionSchedule.kind == kind
                )
            )
            return bool(result.rowcount)

    async def show(self, guild_id: int, actor: Actor, group_ref: str) -> Rituals:
        """Return a group's schedules, its queue and the next prompt (facilitators and coordinators)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "see the schedules of")
        now = self._clock.now()
        async with self._db.reading() as session:
            rows = (
                await session.scalars(
                    select(DiscussionSchedule)
                    .where(DiscussionSchedule.group_id == group.id)
                    .order_by(DiscussionSchedule.kind)
                )
            ).all()
            views = tuple([await self._view(session, row, now) for row in rows])
            queue = tuple(prompt for _, prompt in await _queue(session, group.id))
            upcoming = queue[0] if queue else await _rotation(session, guild_id, group.id)
        return Rituals(group.name, views, queue, upcoming)

    async def enqueue_prompt(self, guild_id: int, actor: Actor, group_ref: str, prompt: str) -> int:
        """Line a prompt up for the group's next scheduled discussions; return its place in the queue."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "plan discussions in")
        async with self._db.transaction() as session:
            text = await resolve_in(session, guild_id, prompt)
            count = await session.scalar(
                select(func.count()).select_from(QueuedPrompt).where(QueuedPrompt.group_id == group.id)
            )
            if count >= QUEUE_MAX:
                raise Invalid(f"The queue holds at most {QUEUE_MAX} prompts.")
            session.add(
                QueuedPrompt(
                    group_id=group.id, prompt=text, added_by=actor.user_id, added_at=self._clock.now()
                )
            )
            return count + 1

    async def clear_queue(self, guild_id: int, actor: Actor, group_ref: str) -> int:
        """Empty the group's queue of prompts; return how many were removed."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "plan discussions in")
        async with self._db.transaction() as session:
            result = await session.execute(delete(QueuedPrompt).where(QueuedPrompt.group_id == group.id))
            return result.rowcount or 0

    async def run_due(self) -> int:
        """Run every schedule whose moment has come (a periodic job); return how many ran."""
        now = self._clock.now()
        openings: list[tuple[DiscussionSchedule, tuple[int, str] | None, date | None]] = []
        ran = 0
        async with self._db.transaction() as session:
            rows = (
                await session.execute(
                    select(DiscussionSchedule, Group)
                    .join(Group, Group.id == DiscussionSchedule.group_id)
                    .where(Group.archived_at.is_(None), self._scheduler.scope.clause(Group.guild_id))
                )
            ).all()
            for row, group in rows:
                if not candidate_days(
                    row.weekday, row.every_weeks, row.anchor_day, now, last_day=row.last_day
                ):
                    continue  # not its day: no need to read the members' zones
                clocks = await group_clocks(session, self._settings, row.guild_id, group.id)
                due = due_occurrence(
                    clocks, row.weekday, row.every_weeks, row.anchor_day, now, last_day=row.last_day
                )
                claimed_before = row.last_day
                if due is None or not await claim_day(session, row, due[0]):
                    continue
                ran += 1
                if row.kind == "reminder":
                    await _post_reminder(session, group, due[0], now)
                else:
                    queue = await _queue(session, group.id)
                    openings.append((row, queue[0] if queue else None, claimed_before))
        for row, queued, claimed_before in openings:
            await self._open(row, queued, claimed_before)
        if ran:
            self._scheduler.run_soon("outbox")
        return ran

    async def _open(
        self, row: DiscussionSchedule, queued: tuple[int, str] | None, claimed_before: date | None
    ) -> None:
        try:
            group = await self._groups.view_of(row.guild_id, row.group_id)
            async with self._db.transaction() as session:
                prompt = queued[1] if queued else await _rotation(session, row.guild_id, row.group_id)
            if prompt is None:
                raise Invalid("The prompt library is empty: add prompts with `/discuss prompts add`.")
            await self._discussions.open(group, prompt, row.duration_hours, started_by=row.created_by)
        except Unavailable:
            # Discord is out of reach (its servers not sent yet): give the day back, the next sweep opens it.
            log.info("scheduled discussion of group %s waits for Discord", row.group_id)
            async with self._db.transaction() as session:
                await session.execute(
                    update(DiscussionSchedule)
                    .where(
                        DiscussionSchedule.group_id == row.group_id,
                        DiscussionSchedule.kind == row.kind,
                        DiscussionSchedule.last_day == row.last_day,
                    )
                    .values(last_day=claimed_before)
                )
            return
        except DomainError as error:
            log.info("scheduled discussion of group %s did not open: %s", row.group_id, error)
            async with self._db.transaction() as session:
                await enqueue(
                    session,
                    key=f"discussion-failed:{row.group_id}:{row.last_day}",
                    target=Target("dm", row.created_by),
                    message=OutgoingMessage(
                        cards=(Card(title="A scheduled discussion did not open", description=str(error)),)
                    ),
                    now=self._clock.now(),
                    guild_id=row.guild_id,
                )
            return
        if queued is not None:
            async with self._db.transaction() as session:
                await session.execute(delete(QueuedPrompt).where(QueuedPrompt.id == queued[0]))

    async def _view(self, session: AsyncSession, row: DiscussionSchedule, now: datetime) -> ScheduleView:
        clocks = await group_clocks(session, self._settings, row.guild_id, row.group_id)
        upcoming = next_occurrence(
            clocks, row.weekday, row.every_weeks, row.anchor_day, now, last_day=row.last_day
        )
        return ScheduleView(row.kind, row.every_weeks, row.weekday, row.duration_hours, upcoming)


async def _post_reminder(session: AsyncSession, group: Group, day: date, now: datetime) -> None:
    if group.home_channel_id is None:
        return  # the home went away after scheduling; /group home sets a new one
    rules, _ = await rules_of(session, group.id)
    await enqueue(
        session,
        key=f"confidential:{group.id}:{day}",
        target=Target("channel", group.home_channel_id),
        message=reminder_message(group.name, rules),
        now=now,
        guild_id=group.guild_id,
    )


async def _queue(session: AsyncSession, group_id: int) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(QueuedPrompt.id, QueuedPrompt.prompt)
        .where(QueuedPrompt.group_id == group_id)
        .order_by(QueuedPrompt.id)
    )
    return [(row_id, prompt) for row_id, prompt in rows.all()]


async def _rotation(session: AsyncSession, guild_id: int, group_id: int) -> str | None:
    used = (
        await session.scalars(
            select(Discussion.prompt).where(Discussion.group_id == group_id).order_by(Discussion.started_at)
        )
    ).all()
    chosen = next_in_rotation(await prompts_in(session, guild_id), used)
    return chosen.text if chosen else None


def _require_home(group: GroupView, kind: str) -> None:
    if group.home is None:
        raise Invalid(f"“{group.name}” has no home to post in yet (see `/group home`).")
    if kind == "discussion" and group.home.kind == "linked_thread":
        raise Invalid(f"“{group.name}” needs a home channel for discussion threads (see `/group home`).")
