"""A member's data export: everything the bot stores about them in a server, written for people.

Sections are written by hand for readability; the rows of every table with a user id follow
under ``records`` (:func:`bot.services.privacy.rules.records`), so nothing is left out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
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
    MatchOptIn,
    MemberProfile,
    ModerationRecord,
    Participation,
)
from bot.services.privacy.rules import RECORDS, records

EXPORT_FORMAT = "mentorbot-export/1"
# The export's sections written by hand below; rules.py names one for every exported column.
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


class DataExport:
    """The export of one member's data in one server (a part of :class:`PrivacyService`)."""

    _db: Database
    _clock: Clock

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


async def _group_names(session: AsyncSession, guild_id: int) -> dict[int, str]:
    return dict((await session.execute(select(Group.id, Group.name).where(Group.guild_id == guild_id))).all())


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
