"""Members' data rights: see what is stored, take a copy, erase it; and the server-wide clean-ups.

What each table holds about a member, and how it is erased, is declared in
:mod:`bot.services.privacy_rules`; this service adds what a member sees (a plain summary, an
export written for people rather than tables) and what happens on its own: a server's data is
deleted a grace period after the bot was removed from it, and old check-in answers and
participation counts are deleted when the configuration says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.encryption import ring_of
from bot.db.engine import Database
from bot.db.models import (
    CheckinAnswer,
    CheckinDelivery,
    CoffeeAvoidance,
    CoffeeDraw,
    CoffeeMatch,
    CoffeeMatchMember,
    CoffeeParticipant,
    CoffeeSitOut,
    Discussion,
    Goal,
    GoalMilestone,
    GoalPartner,
    GoalUpdate,
    Group,
    GroupMember,
    GuildRecord,
    MatchOptIn,
    MemberProfile,
    ModerationRecord,
    Participation,
)
from bot.errors import NotAllowed
from bot.scheduling.engine import JobSpec, Occurrence, SchedulingEngine
from bot.services.actors import Actor
from bot.services.checkins import CheckinAnswerService
from bot.services.groups import GroupService
from bot.services.privacy_rules import (
    RECORDS,
    Erasure,
    count_guild,
    delete_guild,
    erase,
    new_tombstone,
    records,
)
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
EXPORT_FORMAT = "mentorbot-export/1"
# The export's sections written by hand below; privacy_rules names one for every exported column.
EXPORT_SECTIONS = (
    "profile",
    "groups",
    "matching",
    "checkins",
    "goals",
    "coffee",
    "discussions",
    "moderation",
)


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


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did: rows deleted and rows pseudonymised, by table."""

    deleted: int
    pseudonymised: int
    by_table: dict[str, int]


class PrivacyService:
    """Show, export and erase a member's data; purge servers the bot left; apply retention."""

    name = "privacy"

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
        scheduler.add_handler("privacy.guilds", self._purge_job)
        scheduler.add_handler("privacy.retention", self._retention_job)
        scheduler.add_source(self)

    # -- seeing -----------------------------------------------------------------------------

    async def summary(self, guild_id: int, user_id: int) -> DataSummary:
        """Return what the bot stores about the member here, as counts and labels."""
        async with self._db.transaction() as session:
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

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Return all the member's data in this server as JSON-ready data (nothing others kept private)."""
        now = self._clock.now()
        async with self._db.reading() as session:
            data: dict[str, Any] = {
                "format": EXPORT_FORMAT,
                "about": (
                    "Everything this bot stores about you in one Discord server. Discord ids are strings; "
                    "'erased member' stands for someone who had their data erased."
                ),
                "server_id": str(guild_id),
                "user_id": str(user_id),
                "exported_at": now.isoformat(),
            }
            for section in EXPORT_SECTIONS:
                data[section] = await getattr(self, f"_export_{section}")(session, guild_id, user_id)
            data[RECORDS] = {
                table: [_plain_row(row) for row in rows]
                for table, rows in (await records(session, guild_id, user_id)).items()
            }
        return data

    # -- erasing --------------------------------------------------------------------------

    async def erase(self, guild_id: int, user_id: int) -> ErasureReport:
        """Erase the member's personal data in this server; counts and audit records keep a pseudonym."""
        erasure = Erasure(guild_id, user_id, new_tombstone(), self._clock.now(), self._secret)
        async with self._db.transaction() as session:
            await erase(session, erasure)
        await self._tidy_discord(erasure)
        deleted = sum(n for k, n in erasure.counts.items() if k.endswith("deleted"))
        pseudonymised = sum(n for k, n in erasure.counts.items() if k.endswith("pseudonymised"))
        log.info(
            "erased a member's data in guild %s: %d rows deleted, %d pseudonymised",
            guild_id,
            deleted,
            pseudonymised,
        )
        return ErasureReport(deleted, pseudonymised, {k: n for k, n in erasure.counts.items() if n})

    async def check_erase_member(
        self, guild_id: int, actor: Actor, user_id: int, *, still_in_server: bool
    ) -> None:
        """Raise unless ``actor`` may erase the data of ``user_id`` (a coordinator; someone who left)."""
        await self._settings.require_coordinator(guild_id, actor, "erase a member's data")
        if user_id == actor.user_id:
            raise NotAllowed("Use `/privacy erase` for your own data.")
        if still_in_server:
            raise NotAllowed(
                f"<@{user_id}> is still a member of this server: members erase their own data with "
                "`/privacy erase`. Coordinators can erase the data of people who have left."
            )

    async def erase_member(
        self, guild_id: int, actor: Actor, user_id: int, *, still_in_server: bool
    ) -> ErasureReport:
        """Erase the data of someone who left the server (coordinators)."""
        await self.check_erase_member(guild_id, actor, user_id, still_in_server=still_in_server)
        report = await self.erase(guild_id, user_id)
        log.info("coordinator %s erased a former member's data in guild %s", actor.user_id, guild_id)
        return report

    async def _tidy_discord(self, erasure: Erasure) -> None:
        """Take down the member's shared answers and close the homes they could see (best effort)."""
        notifier, homes = self._answers.notifier, self._groups.homes
        for channel_id, message_id in erasure.take_down:
            if notifier is None:
                break
            try:
                await notifier.delete(channel_id, message_id)
            except Exception:
                log.warning(
                    "could not take down message %s in channel %s after an erasure", message_id, channel_id
                )
        for home in erasure.revoke:
            if homes is None:
                break
            try:
                await homes.revoke(erasure.guild_id, home, erasure.user_id)
            except Exception:
                log.warning(
                    "could not close home %s after an erasure in guild %s", home.channel_id, erasure.guild_id
                )

    # -- servers the bot left, and retention -------------------------------------------------

    async def load(self, session: AsyncSession) -> list[JobSpec]:
        """Declare the hourly purge of servers the bot left and, if configured, the daily retention."""
        specs = [
            JobSpec(
                "privacy:guilds", "privacy.guilds", IntervalTrigger(hours=1, start_date=_EPOCH, timezone=UTC)
            )
        ]
        if self._answer_days or self._participation_days:
            specs.append(
                JobSpec(
                    "privacy:retention",
                    "privacy.retention",
                    IntervalTrigger(days=1, start_date=_EPOCH + timedelta(hours=3), timezone=UTC),
                )
            )
        return specs

    async def _purge_job(self, session: AsyncSession, occurrence: Occurrence) -> None:
        await self.purge_left_guilds(session, occurrence.now)

    async def purge_left_guilds(self, session: AsyncSession, now: datetime) -> list[int]:
        """Delete the data of every server the bot left more than the grace period ago."""
        due = (
            await session.scalars(
                select(GuildRecord.guild_id).where(
                    GuildRecord.left_at.is_not(None), GuildRecord.left_at <= now - self._grace
                )
            )
        ).all()
        for guild_id in due:
            deleted = await delete_guild(session, guild_id)
            log.info("purged guild %s after its grace period: %d rows", guild_id, sum(deleted.values()))
        return list(due)

    async def _retention_job(self, session: AsyncSession, occurrence: Occurrence) -> None:
        await self.apply_retention(session, occurrence.now)

    async def apply_retention(self, session: AsyncSession, now: datetime) -> dict[str, int]:
        """Delete answers and participation counts older than configured; return how many."""
        done = {"answers": 0, "participation": 0}
        if self._answer_days:
            old = CheckinAnswer.created_at < now - timedelta(days=self._answer_days)
            shared = (
                await session.execute(
                    select(CheckinAnswer.shared_channel_id, CheckinAnswer.shared_message_id).where(
                        old, CheckinAnswer.shared_message_id.is_not(None)
                    )
                )
            ).all()
            done["answers"] = (await session.execute(delete(CheckinAnswer).where(old))).rowcount or 0
            if shared and self._answers.notifier is not None:
                # Posts shared with a group go too: after this unit of work, never holding its lock.
                posts = Erasure(0, 0, 0, now, take_down=[(c, m) for c, m in shared if c])
                task = asyncio.get_running_loop().create_task(self._tidy_discord(posts))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        if self._participation_days:
            closed = select(Discussion.id).where(
                Discussion.closed_at < now - timedelta(days=self._participation_days)
            )
            result = await session.execute(
                delete(Participation).where(Participation.discussion_id.in_(closed))
            )
            done["participation"] = result.rowcount or 0
        if any(done.values()):
            log.info("retention deleted %d answers and %d participation counts", *done.values())
        return done

    # -- the export's sections ------------------------------------------------------------------

    async def _export_profile(
        self, session: AsyncSession, guild_id: int, user_id: int
    ) -> dict[str, Any] | None:
        row = await session.get(MemberProfile, (guild_id, user_id))
        if row is None:
            return None
        return {
            "time_zone": row.timezone,
            "quiet_hours": _quiet(row.quiet_start_minute, row.quiet_end_minute),
            "career_stage": row.career_stage,
            "interests": list(row.interests or ()),
            "bio": row.bio,
            "dms_allowed": row.dm_allowed,
            "dms_refused_since": _when(row.dm_blocked_at),
            "checkins_paused_until": _when(row.checkins_paused_until),
            "research_use_allowed": row.research_opt_in,
            "created_at": _when(row.created_at),
            "updated_at": _when(row.updated_at),
        }

    async def _export_groups(
        self, session: AsyncSession, guild_id: int, user_id: int
    ) -> list[dict[str, Any]]:
        rows = await session.execute(
            select(GroupMember, Group)
            .join(Group, Group.id == GroupMember.group_id)
            .where(GroupMember.guild_id == guild_id, GroupMember.user_id == user_id)
            .order_by(GroupMember.joined_at)
        )
        return [
            {
                "group": group.name,
                "group_id": group.id,
                "kind": group.kind,
                "role": m.role,
                "joined_at": _when(m.joined_at),
                "left_at": _when(m.left_at),
                "paused_at": _when(m.paused_at),
                "agreed_to_ground_rules_at": _when(m.agreed_at),
                "ground_rules_version_agreed": m.agreed_version,
                "last_wrote_in_home_at": _when(m.last_active_at),
            }
            for m, group in rows.all()
        ]

    async def _export_matching(
        self, session: AsyncSession, guild_id: int, user_id: int
    ) -> dict[str, Any] | None:
        row = await session.get(MatchOptIn, (guild_id, user_id))
        return {"wants": row.wants, "opted_in_at": _when(row.opted_in_at)} if row else None

    async def _export_checkins(self, session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
        names = await _group_names(session, guild_id)
        deliveries = (
            await session.scalars(
                select(CheckinDelivery)
                .where(CheckinDelivery.guild_id == guild_id, CheckinDelivery.user_id == user_id)
                .order_by(CheckinDelivery.due_at)
            )
        ).all()
        answers = {
            a.delivery_id: a
            for a in (
                await session.scalars(
                    select(CheckinAnswer).where(
                        CheckinAnswer.guild_id == guild_id, CheckinAnswer.user_id == user_id
                    )
                )
            ).all()
        }
        return {
            "deliveries": [
                {
                    "group": names.get(d.group_id),
                    "round_date": d.round_date.isoformat(),
                    "due_at": _when(d.due_at),
                    "status": d.status,
                    "answered_at": _when(d.answered_at),
                }
                for d in deliveries
            ],
            "answers": [
                {
                    "group": names.get(a.group_id),
                    "round_date": next(
                        (d.round_date.isoformat() for d in deliveries if d.id == a.delivery_id), None
                    ),
                    "answers": a.answers,
                    "shared_with": a.visibility,
                    "created_at": _when(a.created_at),
                    "updated_at": _when(a.updated_at),
                }
                for a in answers.values()
            ],
        }

    async def _export_goals(self, session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
        names = await _group_names(session, guild_id)
        goals = (
            await session.scalars(
                select(Goal)
                .where(Goal.guild_id == guild_id, Goal.owner_id == user_id)
                .order_by(Goal.created_at)
            )
        ).all()
        own = []
        for goal in goals:
            milestones = (
                await session.scalars(
                    select(GoalMilestone)
                    .where(GoalMilestone.goal_id == goal.id)
                    .order_by(GoalMilestone.position)
                )
            ).all()
            updates = (
                await session.scalars(
                    select(GoalUpdate).where(GoalUpdate.goal_id == goal.id).order_by(GoalUpdate.created_at)
                )
            ).all()
            partners = (
                await session.scalars(select(GoalPartner.user_id).where(GoalPartner.goal_id == goal.id))
            ).all()
            own.append(
                {
                    "goal_id": goal.id,
                    "title": goal.title,
                    "why": goal.why,
                    "term": goal.horizon,
                    "visible_to": goal.visibility,
                    "group": names.get(goal.group_id) if goal.group_id else None,
                    "due_date": _when(goal.due_date),
                    "progress": goal.progress,
                    "status": goal.status,
                    "reflection": goal.reflection,
                    "created_at": _when(goal.created_at),
                    "completed_at": _when(goal.completed_at),
                    "milestones": [{"title": m.title, "done_at": _when(m.done_at)} for m in milestones],
                    "partners": [_who(p) for p in partners],
                    # Partners' cheers and notes on your goal: you were sent each of them.
                    "updates": [
                        {
                            "kind": u.kind,
                            "by": "you" if u.author_id == user_id else _who(u.author_id),
                            "progress_before": u.progress_before,
                            "progress_after": u.progress_after,
                            "note": u.note,
                            "at": _when(u.created_at),
                        }
                        for u in updates
                    ],
                }
            )
        supported = (
            await session.execute(
                select(Goal)
                .join(GoalPartner, GoalPartner.goal_id == Goal.id)
                .where(GoalPartner.guild_id == guild_id, GoalPartner.user_id == user_id)
            )
        ).scalars()
        notes = (
            await session.scalars(
                select(GoalUpdate).where(
                    GoalUpdate.guild_id == guild_id,
                    GoalUpdate.author_id == user_id,
                    GoalUpdate.goal_id.not_in([g.id for g in goals]),
                )
            )
        ).all()
        return {
            "your_goals": own,
            # Goals you were named partner of: the owner and, unless the goal is private, its title.
            "goals_you_support": [
                {
                    "goal_id": g.id,
                    "owner": _who(g.owner_id),
                    "title": g.title if g.visibility != "private" else None,
                }
                for g in supported
            ],
            "your_notes_on_others_goals": [
                {"goal_id": u.goal_id, "kind": u.kind, "note": u.note, "at": _when(u.created_at)}
                for u in notes
            ],
        }

    async def _export_coffee(self, session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
        participant = await session.get(CoffeeParticipant, (guild_id, user_id))
        avoided = (
            await session.scalars(
                select(CoffeeAvoidance.other_id).where(
                    CoffeeAvoidance.guild_id == guild_id, CoffeeAvoidance.user_id == user_id
                )
            )
        ).all()
        matches = (
            await session.execute(
                select(CoffeeMatch, CoffeeDraw.day, CoffeeMatchMember.met)
                .join(CoffeeDraw, CoffeeDraw.id == CoffeeMatch.draw_id)
                .join(CoffeeMatchMember, CoffeeMatchMember.match_id == CoffeeMatch.id)
                .where(CoffeeMatch.guild_id == guild_id, CoffeeMatchMember.user_id == user_id)
                .order_by(CoffeeDraw.number)
            )
        ).all()
        pairs = defaultdict(list)
        if matches:
            # Your partners: you met them in the pair's thread. Their answers stay theirs.
            rows = await session.execute(
                select(CoffeeMatchMember.match_id, CoffeeMatchMember.user_id).where(
                    CoffeeMatchMember.match_id.in_([m.id for m, _, _ in matches]),
                    CoffeeMatchMember.user_id != user_id,
                )
            )
            for match_id, other in rows.all():
                pairs[match_id].append(_who(other))
        sat_out = (
            await session.execute(
                select(CoffeeDraw.day, CoffeeSitOut.reason)
                .join(CoffeeDraw, CoffeeDraw.id == CoffeeSitOut.draw_id)
                .where(CoffeeDraw.guild_id == guild_id, CoffeeSitOut.user_id == user_id)
            )
        ).all()
        return {
            "taking_part": None
            if participant is None
            else {
                "joined_at": _when(participant.joined_at),
                "paused_until": _when(participant.paused_until),
                "skipping_next_round": participant.skip_next,
            },
            "do_not_pair_list": [_who(other) for other in avoided],
            "pairings": [
                {
                    "day": day.isoformat(),
                    "with": pairs[match.id],
                    "thread_id": str(match.thread_id) if match.thread_id else None,
                    "you_said_you_met": met,
                }
                for match, day, met in matches
            ],
            "rounds_sat_out": [{"day": day.isoformat(), "reason": reason} for day, reason in sat_out],
        }

    async def _export_discussions(
        self, session: AsyncSession, guild_id: int, user_id: int
    ) -> list[dict[str, Any]]:
        names = await _group_names(session, guild_id)
        rows = await session.execute(
            select(Discussion, Participation.messages)
            .join(Participation, Participation.discussion_id == Discussion.id)
            .where(Discussion.guild_id == guild_id, Participation.user_id == user_id)
            .order_by(Discussion.started_at)
        )
        return [
            {
                "group": names.get(d.group_id),
                "thread_id": str(d.thread_id),
                "prompt": d.prompt,
                "started_at": _when(d.started_at),
                "closed_at": _when(d.closed_at),
                "your_messages_counted": messages,
            }
            for d, messages in rows.all()
        ]

    async def _export_moderation(self, session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
        names = await _group_names(session, guild_id)
        rows = (
            await session.scalars(
                select(ModerationRecord)
                .where(
                    ModerationRecord.guild_id == guild_id,
                    (ModerationRecord.actor_id == user_id) | (ModerationRecord.target_id == user_id),
                )
                .order_by(ModerationRecord.created_at)
            )
        ).all()
        about, reports, actions = [], [], []
        for r in rows:
            group = names.get(r.group_id) if r.group_id else None
            if r.actor_id == user_id and r.action == "report":
                link = r.details.get("jump_url")
                reports.append(
                    {
                        "about": _who(r.target_id),
                        "group": group,
                        "note": r.reason,
                        "message": link,
                        "at": _when(r.created_at),
                    }
                )
            elif r.actor_id == user_id:
                actions.append(
                    {
                        "action": r.action,
                        "member": _who(r.target_id),
                        "group": group,
                        "reason": r.reason,
                        "at": _when(r.created_at),
                    }
                )
            elif r.action != "report":
                # Actions about you, with the reason you were told; who reported you is never shown.
                about.append(
                    {"action": r.action, "group": group, "reason": r.reason, "at": _when(r.created_at)}
                )
        return {"actions_about_you": about, "reports_you_made": reports, "actions_you_took": actions}


# -- helpers ------------------------------------------------------------------------------------


async def _count(session: AsyncSession, model: type, *conditions: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


async def _group_names(session: AsyncSession, guild_id: int) -> dict[int, str]:
    return dict((await session.execute(select(Group.id, Group.name).where(Group.guild_id == guild_id))).all())


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


def _quiet(start: int | None, end: int | None) -> str | None:
    if start is None or end is None:
        return None
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _when(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _who(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return "erased member" if user_id < 0 else str(user_id)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)  # a Discord id: JSON numbers that big lose digits in JavaScript
    return value


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in row.items()}


async def purge_guild(db: Database, guild_id: int) -> dict[str, int]:
    """Delete everything stored about one server now (``mentorbot data purge-guild``)."""
    async with db.transaction() as session:
        return await delete_guild(session, guild_id)


async def guild_data(db: Database, guild_id: int) -> tuple[dict[str, int], datetime | None, bool]:
    """Return rows per table held about a server, when the bot left it, and whether it is known."""
    async with db.transaction() as session:
        record = await session.get(GuildRecord, guild_id)
        return await count_guild(session, guild_id), (record.left_at if record else None), record is not None
