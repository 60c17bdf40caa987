"""The privacy service: a member's summary, export and erasure, and the server-wide clean-ups."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.encryption import ring_of
from bot.db.engine import Database
from bot.db.models import (
    CheckinAnswer,
    CheckinDelivery,
    CoffeeAvoidance,
    CoffeeMatch,
    CoffeeMatchMember,
    CoffeeParticipant,
    Discussion,
    Goal,
    GoalPartner,
    GoalUpdate,
    Group,
    GroupMember,
    MatchOptIn,
    MemberProfile,
    ModerationRecord,
    Participation,
)
from bot.scheduling.engine import SchedulingEngine
from bot.services.checkins import CheckinAnswerService
from bot.services.groups import GroupService
from bot.services.privacy.export import DataExport
from bot.services.privacy.retention import Retention
from bot.services.settings import SettingsService


@dataclass(frozen=True)
class DataSummary:
    """What the bot stores about a member in one server: counts and labels, never the content."""

    profile_fields: tuple[str, ...]  # e.g. "time zone", "bio": the ones that are set
    groups: tuple[str, ...]  # current groups
    past_groups: int
    agreements: int  # ground rules agreed to
    checkins_received: int
    answers: dict[str, int]  # by visibility: private | facilitators | group
    goals: dict[str, int]  # by visibility: private | partners | group
    goal_notes_on_others: int
    partner_of: int
    coffee_joined: bool
    coffee_pairings: int
    do_not_pair: int
    discussions: int
    messages_counted: int
    moderation_about_you: int
    reports_made: int
    matching: str | None
    research_opt_in: bool
    encrypted: bool
    answer_retention_days: int
    participation_retention_days: int


class PrivacyService(Retention, DataExport):
    """Show, export and erase a member's data; purge servers the bot left; apply retention."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        answers: CheckinAnswerService,
        scheduler: SchedulingEngine,
        *,
        anonymity_secret: str = "",
        answer_retention_days: int = 0,
        participation_retention_days: int = 0,
        guild_grace_days: int = 30,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._answers = answers
        self._secret = anonymity_secret
        self._encrypted = ring_of(db.engine.dialect) is not None
        self._answer_days = answer_retention_days
        self._participation_days = participation_retention_days
        self._grace = timedelta(days=guild_grace_days)
        self._tasks: set[asyncio.Task[None]] = set()
        self._schedule(scheduler)

    async def summary(self, guild_id: int, user_id: int) -> DataSummary:
        """Return what the bot stores about the member here, as counts and labels."""
        async with self._db.reading() as session:
            profile = await session.get(MemberProfile, (guild_id, user_id))
            memberships = (
                await session.execute(
                    select(GroupMember, Group.name)
                    .join(Group, Group.id == GroupMember.group_id)
                    .where(GroupMember.guild_id == guild_id, GroupMember.user_id == user_id)
                )
            ).all()
            answers = Counter(
                (
                    await session.scalars(
                        select(CheckinAnswer.visibility).where(
                            CheckinAnswer.guild_id == guild_id, CheckinAnswer.user_id == user_id
                        )
                    )
                ).all()
            )
            goals = Counter(
                (
                    await session.scalars(
                        select(Goal.visibility).where(Goal.guild_id == guild_id, Goal.owner_id == user_id)
                    )
                ).all()
            )
            participation = (
                await session.execute(
                    select(func.count(), func.coalesce(func.sum(Participation.messages), 0))
                    .join(Discussion, Discussion.id == Participation.discussion_id)
                    .where(Discussion.guild_id == guild_id, Participation.user_id == user_id)
                )
            ).one()
            optin = await session.get(MatchOptIn, (guild_id, user_id))
            summary = DataSummary(
                profile_fields=_profile_fields(profile),
                groups=tuple(name for m, name in memberships if m.left_at is None),
                past_groups=sum(1 for m, _ in memberships if m.left_at is not None),
                agreements=sum(1 for m, _ in memberships if m.agreed_at is not None),
                checkins_received=await _count(
                    session,
                    CheckinDelivery,
                    CheckinDelivery.guild_id == guild_id,
                    CheckinDelivery.user_id == user_id,
                    CheckinDelivery.status != "scheduled",
                ),
                answers=dict(answers),
                goals=dict(goals),
                goal_notes_on_others=await _count(
                    session,
                    GoalUpdate,
                    GoalUpdate.guild_id == guild_id,
                    GoalUpdate.author_id == user_id,
                    GoalUpdate.goal_id.not_in(select(Goal.id).where(Goal.owner_id == user_id)),
                ),
                partner_of=await _count(
                    session, GoalPartner, GoalPartner.guild_id == guild_id, GoalPartner.user_id == user_id
                ),
                coffee_joined=await session.get(CoffeeParticipant, (guild_id, user_id)) is not None,
                coffee_pairings=await _count(
                    session,
                    CoffeeMatchMember,
                    CoffeeMatchMember.user_id == user_id,
                    CoffeeMatchMember.match_id.in_(
                        select(CoffeeMatch.id).where(CoffeeMatch.guild_id == guild_id)
                    ),
                ),
                do_not_pair=await _count(
                    session,
                    CoffeeAvoidance,
                    CoffeeAvoidance.guild_id == guild_id,
                    CoffeeAvoidance.user_id == user_id,
                ),
                discussions=participation[0],
                messages_counted=int(participation[1]),
                moderation_about_you=await _count(
                    session,
                    ModerationRecord,
                    ModerationRecord.guild_id == guild_id,
                    ModerationRecord.target_id == user_id,
                    ModerationRecord.action != "report",
                ),
                reports_made=await _count(
                    session,
                    ModerationRecord,
                    ModerationRecord.guild_id == guild_id,
                    ModerationRecord.actor_id == user_id,
                    ModerationRecord.action == "report",
                ),
                matching=optin.wants if optin else None,
                research_opt_in=bool(profile and profile.research_opt_in),
                encrypted=self._encrypted,
                answer_retention_days=self._answer_days,
                participation_retention_days=self._participation_days,
            )
        return summary


async def _count(session: AsyncSession, model: type, *conditions: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def _profile_fields(profile: MemberProfile | None) -> tuple[str, ...]:
    if profile is None:
        return ()
    fields = {
        "time zone": profile.timezone,
        "quiet hours": profile.quiet_start_minute is not None,
        "career stage": profile.career_stage,
        "interests": profile.interests,
        "bio": profile.bio,
        "DM settings": True,
    }
    return tuple(name for name, value in fields.items() if value)
