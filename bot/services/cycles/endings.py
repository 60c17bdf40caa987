"""A good ending: closing surveys, thanks in the home, archiving, and carry-over into the next cycle.

When a cycle ends (the day after its last day, by the server's default time zone, or when a
coordinator closes it), every member of its groups gets a closing survey by DM in their daytime
and each home is thanked; a week later the groups are archived (history kept). A member may
also end their match early, with a reason only coordinators see: the group is archived at once
and its members get the survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import ClosingSurvey, Group, GroupMember, ProgramCycle
from bot.domain.cycles import NEXT_STEPS
from bot.domain.goals import nudge_moment
from bot.domain.text import clip
from bot.domain.timezones import local_now
from bot.errors import Conflict, Invalid, NotFound
from bot.messaging.message import Button, Card, OutgoingMessage
from bot.messaging.outbox import enqueue
from bot.messaging.ports import Target
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.cycles.carry import carry_over
from bot.services.cycles.outcomes import outcomes_of
from bot.services.groups import GroupService
from bot.services.profiles import member_clocks
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

ARCHIVE_AFTER = timedelta(days=7)  # the home stays open a week to say goodbye
COMMENT_MAX = 1000
REASON_MAX = 500
SWEEP_SECONDS = 3600


@dataclass(frozen=True)
class OpenSurvey:
    """A closing survey waiting for its member."""

    id: int
    cycle_name: str
    outcomes: dict[str, str]  # the program's outcomes to tick, key to label


class RoleGiver(Protocol):
    """Gives a member a server role on Discord."""

    async def give_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> bool:
        """Give the role; return False when Discord refuses."""
        ...


class Endings:
    """Ends cycles and matches well."""

    roles: RoleGiver | None = None  # set by the runtime (bot/discord/recognition.py)

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler
        if scheduler is not None:
            scheduler.add_periodic("cycle-endings", SWEEP_SECONDS, self.run_due)

    async def run_due(self) -> None:
        """End the cycles whose time is up, and archive their groups a week later (periodic)."""
        now = self._clock.now()
        scope = self._scheduler.scope.clause(ProgramCycle.guild_id) if self._scheduler else true()
        recognised: list[tuple[int, int, int, str]] = []  # guild, member, role, cycle name
        async with self._db.transaction() as session:
            cycles = await session.scalars(select(ProgramCycle).where(ProgramCycle.ended_at.is_(None), scope))
            for cycle in cycles:
                zone = (await self._settings.get_in(session, cycle.guild_id)).default_timezone
                if cycle.closed_at is None and local_now(zone, now).date() <= cycle.ends_on:
                    continue
                cycle.ended_at = now
                groups = await session.scalars(
                    select(Group).where(Group.cycle_id == cycle.id, Group.archived_at.is_(None))
                )
                for group in groups:
                    members = await self._close_group(session, cycle, group, now, ended_by=None)
                    if (
                        cycle.recognition_role_id is not None and cycle.closed_at is None
                    ):  # completed, not cut short
                        recognised += [
                            (cycle.guild_id, m, cycle.recognition_role_id, cycle.name) for m in members
                        ]
            due = (
                await session.execute(
                    select(Group.guild_id, Group.id, ProgramCycle.created_by)
                    .join(ProgramCycle, ProgramCycle.id == Group.cycle_id)
                    .where(
                        Group.archived_at.is_(None),
                        ProgramCycle.ended_at.is_not(None),
                        ProgramCycle.ended_at <= now - ARCHIVE_AFTER,
                        scope,
                    )
                )
            ).all()
        for guild_id, group_id, opener in due:
            # On behalf of the coordinator who opened the cycle (the audit log names them).
            await self._groups.archive(guild_id, Actor(opener, is_admin=True), group_id)
        if self.roles is not None:
            for guild_id, user_id, role_id, name in recognised:
                await self.roles.give_role(guild_id, user_id, role_id, f"completed the program cycle {name}")
        self._wake()

    async def end_match(self, guild_id: int, user_id: int, group_id: int, reason: str) -> str:
        """End one's match early (a reason only coordinators see): surveys go out, the group is archived."""
        reason = reason.strip()
        if not reason or len(reason) > REASON_MAX:
            raise Invalid(f"Say why, in up to {REASON_MAX} characters (only coordinators see it).")
        now = self._clock.now()
        async with self._db.transaction() as session:
            group = await session.get(Group, group_id, with_for_update=True)
            member = await session.scalar(
                select(GroupMember.id).where(
                    GroupMember.group_id == group_id,
                    GroupMember.user_id == user_id,
                    GroupMember.left_at.is_(None),
                )
            )
            if group is None or group.guild_id != guild_id or member is None or group.archived_at is not None:
                raise NotFound("That's not a match you're in.")
            cycle = await session.get(ProgramCycle, group.cycle_id) if group.cycle_id else None
            if cycle is None:
                raise Invalid("Only a match made in a program cycle can be ended here; ask a coordinator.")
            await self._close_group(session, cycle, group, now, ended_by=(user_id, reason))
            name, opener = group.name, cycle.created_by
        await self._groups.archive(guild_id, Actor(opener, is_admin=True), group_id)
        self._wake()
        return name

    async def _close_group(
        self,
        session: AsyncSession,
        cycle: ProgramCycle,
        group: Group,
        now: datetime,
        *,
        ended_by: tuple[int, str] | None,
    ) -> list[int]:
        """Ask the group's members for the closing survey and thank them; return who was asked."""
        members = (
            await session.execute(
                select(GroupMember.user_id, GroupMember.role).where(
                    GroupMember.group_id == group.id,
                    GroupMember.left_at.is_(None),
                    GroupMember.paused_at.is_(None),  # a member on a pause hears nothing of the group
                )
            )
        ).all()
        clocks = await member_clocks(session, self._settings, group.guild_id, [m for m, _ in members])
        for user_id, role in members:
            if await session.scalar(
                select(ClosingSurvey.id).where(
                    ClosingSurvey.cycle_id == cycle.id,
                    ClosingSurvey.group_id == group.id,
                    ClosingSurvey.user_id == user_id,
                )
            ):
                continue
            survey = ClosingSurvey(
                cycle_id=cycle.id,
                group_id=group.id,
                guild_id=group.guild_id,
                user_id=user_id,
                role=role,
                asked_at=now,
                outcomes=[],
                end_reason=ended_by[1] if ended_by and ended_by[0] == user_id else None,
            )
            session.add(survey)
            await session.flush()
            await enqueue(
                session,
                key=f"survey:{survey.id}",
                target=Target("dm", user_id),
                message=_survey_dm(survey.id, cycle.name, group.name, early=ended_by is not None),
                now=now,
                not_before=nudge_moment(now, clocks[user_id]),
                guild_id=group.guild_id,
            )
        if group.home_channel_id is not None:
            people = " ".join(f"<@{m}>" for m, _ in members)
            text = (
                f"This match has ended. Thank you, {people}, for the time you gave each other."
                if ended_by
                else f"**{verbatim(cycle.name)}** has ended. Thank you, {people}, for the time you gave "
                "each other. "
                "Your closing survey is in your DMs. This space stays open for a week to say goodbye; "
                "then it is archived (its history is kept)."
            )
            await enqueue(
                session,
                key=f"cycle-thanks:{cycle.id}:{group.id}",
                target=Target("channel", group.home_channel_id),
                message=OutgoingMessage(
                    cards=(Card(title=clip(f"Thank you · {verbatim(group.name)}", 256), description=text),)
                ),
                now=now,
                guild_id=group.guild_id,
            )
        return [user_id for user_id, _ in members]

    async def open_survey(
        self, user_id: int, survey_id: int | None = None, guild_id: int | None = None
    ) -> OpenSurvey:
        """Return the closing survey to answer: this one, or the member's latest open one in a server."""
        async with self._db.reading() as session:
            query = (
                select(ClosingSurvey, ProgramCycle.name)
                .join(ProgramCycle, ProgramCycle.id == ClosingSurvey.cycle_id)
                .where(ClosingSurvey.user_id == user_id)
            )
            if survey_id is not None:
                query = query.where(ClosingSurvey.id == survey_id)
            else:
                query = query.where(ClosingSurvey.guild_id == guild_id, ClosingSurvey.answered_at.is_(None))
            found = (await session.execute(query.order_by(ClosingSurvey.asked_at.desc()).limit(1))).first()
            if found is None:
                raise NotFound("You have no closing survey to answer.")
            survey, name = found
            outcomes = await outcomes_of(session, survey.guild_id)
        if survey.answered_at is not None:
            raise Conflict("You already answered this survey — thank you.")
        return OpenSurvey(survey.id, name, outcomes)

    async def answer(
        self,
        user_id: int,
        survey_id: int,
        *,
        rating: int,
        outcomes: list[str],
        next_step: str,
        comment: str = "",
    ) -> str:
        """Record the closing survey; "match me again" joins the next cycle's intake. Return the next step."""
        if not 1 <= rating <= 5:
            raise Invalid("Rate the cycle from 1 to 5.")
        if next_step not in NEXT_STEPS:
            raise Invalid("Choose what comes next.")
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            raise Invalid(f"Keep the comment to {COMMENT_MAX} characters.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            survey = await session.get(ClosingSurvey, survey_id, with_for_update=True)
            if survey is None or survey.user_id != user_id:
                raise NotFound("That survey isn't yours.")
            if survey.answered_at is not None:
                raise Conflict("You already answered this survey — thank you.")
            known = await outcomes_of(session, survey.guild_id)
            if any(o not in known for o in outcomes):
                raise Invalid("The program's outcomes changed meanwhile: open the survey again.")
            survey.rating, survey.outcomes, survey.next_step = rating, sorted(set(outcomes)), next_step
            survey.comment, survey.answered_at = comment or None, now
            await session.flush()
            if next_step == "again":
                cycle = await session.get(ProgramCycle, survey.cycle_id)
                assert cycle is not None
                upcoming = await session.scalar(
                    select(ProgramCycle)
                    .where(
                        ProgramCycle.guild_id == survey.guild_id,
                        ProgramCycle.starts_on > cycle.starts_on,
                        or_(ProgramCycle.closed_at.is_(None)),
                    )
                    .order_by(ProgramCycle.starts_on)
                    .limit(1)
                )
                if upcoming is not None:
                    zone = (await self._settings.get_in(session, survey.guild_id)).default_timezone
                    await carry_over(session, upcoming, now, zone)
        return next_step

    def _wake(self) -> None:
        if self._scheduler is not None:
            self._scheduler.run_soon("outbox")


def _survey_dm(survey_id: int, cycle_name: str, group_name: str, *, early: bool) -> OutgoingMessage:
    how = (
        f"Your match in **{verbatim(group_name)}** has ended."
        if early
        else f"**{verbatim(cycle_name)}** has ended."
    )
    return OutgoingMessage(
        cards=(
            Card(
                title=clip(f"Closing survey · {verbatim(cycle_name)}", 256),
                description=(
                    f"{how} Thank you for taking part. How was it, what did you get out of it, and what "
                    "would you like next? Only the coordinators see your answers."
                ),
            ),
        ),
        buttons=(Button(f"survey:answer:{survey_id}", "Answer", "primary"),),
    )
