"""The de-identified research export: counts per opted-in member and group, under keyed pseudonyms.

Only members who chose ``/privacy research on`` appear. A row holds a pseudonym for the member
and one for the group (HMAC-SHA256 with the operator's research key, so the same key gives the
same pseudonyms run after run, and nobody without the key can test which member is which), the
group's kind, and counts and rates: never free text, never a Discord id, never a name.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select, true

from bot.db.engine import Database
from bot.db.models import (
    CheckinDelivery,
    Discussion,
    Goal,
    GoalUpdate,
    Group,
    GroupMember,
    Meeting,
    MeetingAttendance,
    MemberProfile,
    Participation,
)
from bot.errors import Invalid
from bot.services.reports import PROGRESS_KINDS

PSEUDONYM_HEX = 16  # 64 bits: no collision in any program's lifetime


def pseudonym(key: str, kind: str, guild_id: int, object_id: int) -> str:
    """Return the stable keyed pseudonym of a member (``kind`` "m") or a group ("g") in a server."""
    digest = hmac.new(key.encode(), f"{kind}:{guild_id}:{object_id}".encode(), hashlib.sha256)
    return f"{kind}-{digest.hexdigest()[:PSEUDONYM_HEX]}"


@dataclass(frozen=True)
class ResearchRow:
    """One opted-in member's counts in one group over the period (pseudonyms only)."""

    member: str
    group: str
    group_kind: str
    checkins_sent: int
    checkins_answered: int
    goals_set: int
    goals_progressed: int
    goals_completed: int
    meetings_recorded: int
    meetings_attended: int
    discussions_participated: int


def _scalar(query: object) -> ColumnElement[int]:
    return func.coalesce(query.scalar_subquery(), 0)  # type: ignore[attr-defined,no-any-return]


async def research_rows(
    db: Database, guild_id: int, start: datetime, end: datetime, key: str, *, cycle_id: int | None = None
) -> list[ResearchRow]:
    """Return the counts of every opted-in member in every group (or a cycle's) during [start, end)."""
    if not key:
        raise Invalid("The research export needs a key (privacy.research_key or MENTORBOT_RESEARCH_KEY).")
    member = (
        select(GroupMember.group_id, GroupMember.user_id, Group.kind)
        .join(Group, Group.id == GroupMember.group_id)
        .join(
            MemberProfile,
            and_(
                MemberProfile.guild_id == GroupMember.guild_id, MemberProfile.user_id == GroupMember.user_id
            ),
        )
        .where(
            GroupMember.guild_id == guild_id,
            MemberProfile.research_opt_in.is_(True),
            GroupMember.joined_at < end,
            or_(GroupMember.left_at.is_(None), GroupMember.left_at >= start),
            true() if cycle_id is None else Group.cycle_id == cycle_id,
        )
        .distinct()
        .subquery()
    )
    gid, uid = member.c.group_id, member.c.user_id
    sent = select(func.count()).where(
        CheckinDelivery.guild_id == guild_id,
        CheckinDelivery.group_id == gid,
        CheckinDelivery.user_id == uid,
        CheckinDelivery.due_at >= start,
        CheckinDelivery.due_at < end,
        CheckinDelivery.sent_at.is_not(None),
    )
    owned = (Goal.guild_id == guild_id, Goal.group_id == gid, Goal.owner_id == uid)
    held = (
        Meeting.group_id == gid,
        Meeting.status == "confirmed",
        Meeting.starts_at >= start,
        Meeting.starts_at < end,
        MeetingAttendance.user_id == uid,
        MeetingAttendance.attended.is_not(None),
    )
    recorded = (
        select(func.count())
        .select_from(MeetingAttendance)
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
    )
    query = select(
        gid,
        uid,
        member.c.kind,
        _scalar(sent),
        _scalar(sent.where(CheckinDelivery.status == "answered")),
        _scalar(select(func.count()).where(*owned, Goal.created_at >= start, Goal.created_at < end)),
        _scalar(
            select(func.count(distinct(GoalUpdate.goal_id)))
            .join(Goal, Goal.id == GoalUpdate.goal_id)
            .where(
                *owned,
                GoalUpdate.kind.in_(PROGRESS_KINDS),
                GoalUpdate.created_at >= start,
                GoalUpdate.created_at < end,
            )
        ),
        _scalar(
            select(func.count()).where(
                *owned, Goal.status == "done", Goal.completed_at >= start, Goal.completed_at < end
            )
        ),
        _scalar(recorded.where(*held)),
        _scalar(recorded.where(*held, MeetingAttendance.attended.is_(True))),
        _scalar(
            select(func.count())
            .select_from(Participation)
            .join(Discussion, Discussion.id == Participation.discussion_id)
            .where(
                Discussion.group_id == gid,
                Discussion.started_at >= start,
                Discussion.started_at < end,
                Participation.user_id == uid,
                Participation.messages > 0,
            )
        ),
    )
    async with db.reading() as session:
        rows = (await session.execute(query)).all()
    found = [
        ResearchRow(
            pseudonym(key, "m", guild_id, user_id),
            pseudonym(key, "g", guild_id, group_id),
            kind,
            *(int(count) for count in counts),
        )
        for group_id, user_id, kind, *counts in rows
    ]
    # Sorted by pseudonym: the order says nothing about ids or when someone joined.
    return sorted(found, key=lambda row: (row.group, row.member))


RESEARCH_COLUMNS = (
    "member",
    "group",
    "group_kind",
    "period_start",
    "period_end",
    "checkins_sent",
    "checkins_answered",
    "checkin_response_rate",
    "goals_set",
    "goals_progressed",
    "goals_completed",
    "meetings_recorded",
    "meetings_attended",
    "attendance_rate",
    "discussions_participated",
)


def _percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}" if whole else ""


def research_csv(rows: list[ResearchRow], start: datetime, end: datetime) -> str:
    """Render the research rows as CSV (rates in percent; empty when there was nothing to count)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESEARCH_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.member,
                row.group,
                row.group_kind,
                start.date().isoformat(),
                (end - timedelta(microseconds=1)).date().isoformat(),  # the last day counted
                row.checkins_sent,
                row.checkins_answered,
                _percent(row.checkins_answered, row.checkins_sent),
                row.goals_set,
                row.goals_progressed,
                row.goals_completed,
                row.meetings_recorded,
                row.meetings_attended,
                _percent(row.meetings_attended, row.meetings_recorded),
                row.discussions_participated,
            )
        )
    return out.getvalue()
