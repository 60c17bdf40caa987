"""Read-only views for the coordinator dashboard: who may see what, and the figures it shows.

Rights are the slash commands' own: a coordinator (``SettingsService.is_coordinator``) sees the
whole program; a facilitator sees only the groups they facilitate (the rule of
``GroupService.require_manager``); anyone else is refused. Only counts, times and ids leave
here: never a check-in answer, a note, or who wrote anonymously.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import (
    CheckinDelivery,
    Group,
    GroupMember,
    GuildRecord,
    MatchOptIn,
    Meeting,
    MeetingAttendance,
)
from bot.domain.groups import Role
from bot.errors import NotAllowed
from bot.services.actors import Actor
from bot.services.groups import GroupService, GroupView
from bot.services.privacy.research import research_csv, research_rows
from bot.services.profiles import member_clocks, profiles_of
from bot.services.settings import SettingsService

PARTICIPATION_DAYS = 90
# What each step of the rescue of a quiet group means (Group.rescue_stage).
RESCUE_STEPS = {1: "members nudged", 2: "facilitator told", 3: "rematch offered"}


@dataclass(frozen=True)
class Access:
    """What a person may see of one server on the dashboard."""

    guild_id: int
    coordinator: bool
    facilitated: frozenset[int]  # the groups they facilitate

    def may_see(self, group_id: int) -> bool:
        """Tell whether this person may see a group's page."""
        return self.coordinator or group_id in self.facilitated


@dataclass(frozen=True)
class GroupLine:
    """A group in the program overview: counts and the rescue's state, nothing said in it."""

    id: int
    name: str
    kind: str
    members: int
    quiet_since: datetime
    rescue_stage: int
    rescue_at: datetime | None

    @property
    def rescue_step(self) -> str | None:
        """Return what the rescue of this quiet group has done so far, or None."""
        return RESCUE_STEPS.get(self.rescue_stage)


@dataclass(frozen=True)
class ProgramOverview:
    """The groups a person may see, and those the rescue sweep flagged."""

    groups: tuple[GroupLine, ...]
    opted_in: int | None  # members waiting to be matched (coordinators only)

    @property
    def attention(self) -> tuple[GroupLine, ...]:
        """Return the groups the rescue sweep is working on, furthest along first."""
        flagged = [g for g in self.groups if g.rescue_stage > 0]
        return tuple(sorted(flagged, key=lambda g: (-g.rescue_stage, g.quiet_since)))

    def by_kind(self) -> dict[str, list[GroupLine]]:
        """Return the groups by mentoring model."""
        kinds: dict[str, list[GroupLine]] = {}
        for line in self.groups:
            kinds.setdefault(line.kind, []).append(line)
        return kinds


@dataclass(frozen=True)
class RosterLine:
    """A member of a group with their clock and how much they took part (counts only)."""

    user_id: int
    role: Role
    zone: str
    zone_is_default: bool  # they never set theirs: the server's default is assumed
    local_now: datetime
    agreed: bool
    paused: bool
    checkins_sent: int
    checkins_answered: int
    meetings_recorded: int
    meetings_attended: int


@dataclass(frozen=True)
class Roster:
    """A group's current members over the last ``days`` days."""

    group: GroupView
    days: int
    members: tuple[RosterLine, ...]


class DashboardService:
    """The dashboard's read-only queries, with rights checked here."""

    def __init__(self, db: Database, clock: Clock, program: SettingsService, groups: GroupService) -> None:
        self._db = db
        self._clock = clock
        self._program = program
        self._groups = groups

    async def servers_of(self, guild_ids: Iterable[int]) -> set[int]:
        """Return which of these servers the bot is in (or was, with data kept)."""
        ids = list(guild_ids)[:500]
        async with self._db.reading() as session:
            found = await session.scalars(
                select(GuildRecord.guild_id).where(
                    GuildRecord.guild_id.in_(ids), GuildRecord.left_at.is_(None)
                )
            )
            return set(found)

    async def access(self, guild_id: int, actor: Actor) -> Access:
        """Return what ``actor`` may see here; NotAllowed for all but coordinators and facilitators."""
        coordinator = await self._program.is_coordinator(guild_id, actor)
        async with self._db.reading() as session:
            facilitated = frozenset(
                await session.scalars(
                    select(GroupMember.group_id)
                    .join(Group, Group.id == GroupMember.group_id)
                    .where(
                        GroupMember.guild_id == guild_id,
                        GroupMember.user_id == actor.user_id,
                        GroupMember.role == "facilitator",
                        GroupMember.left_at.is_(None),
                        Group.archived_at.is_(None),
                    )
                )
            )
        if not coordinator and not facilitated:
            raise NotAllowed("Only coordinators and facilitators can use the dashboard of this server.")
        return Access(guild_id, coordinator, facilitated)

    async def program(self, guild_id: int, actor: Actor, cycle_id: int | None = None) -> ProgramOverview:
        """Return the active groups ``actor`` may see (a facilitator: their own), of one cycle if given."""
        access = await self.access(guild_id, actor)
        members = (
            select(func.count())
            .where(GroupMember.group_id == Group.id, GroupMember.left_at.is_(None))
            .correlate(Group)
            .scalar_subquery()
        )
        query = (
            select(Group, members)
            .where(Group.guild_id == guild_id, Group.archived_at.is_(None))
            .order_by(Group.name_key)
        )
        if not access.coordinator:
            query = query.where(Group.id.in_(sorted(access.facilitated)))
        if cycle_id is not None:
            query = query.where(Group.cycle_id == cycle_id)
        async with self._db.reading() as session:
            rows = (await session.execute(query)).all()
            opted_in = None
            if access.coordinator:
                opted_in = await session.scalar(
                    select(func.count()).select_from(MatchOptIn).where(MatchOptIn.guild_id == guild_id)
                )
        lines = tuple(
            GroupLine(
                g.id,
                g.name,
                g.kind,
                int(n),
                g.last_activity_at or g.created_at,
                g.rescue_stage,
                g.rescue_at,
            )
            for g, n in rows
        )
        return ProgramOverview(lines, opted_in)

    async def roster(
        self, guild_id: int, actor: Actor, group_id: int, days: int = PARTICIPATION_DAYS
    ) -> Roster:
        """Return a group's members with their zones, local times and participation counts."""
        group = await self._groups.require_manager(guild_id, actor, group_id, "see the dashboard of")
        now = self._clock.now()
        since = now - timedelta(days=days)
        ids = [m.user_id for m in group.members]
        async with self._db.reading() as session:
            clocks = await member_clocks(session, self._program, guild_id, ids)
            own = {uid for uid, p in (await profiles_of(session, guild_id, ids)).items() if p.timezone}
            checkins = {
                uid: (int(sent), int(answered or 0))
                for uid, sent, answered in await session.execute(
                    select(
                        CheckinDelivery.user_id,
                        func.count(),
                        func.sum(case((CheckinDelivery.status == "answered", 1), else_=0)),
                    )
                    .where(
                        CheckinDelivery.group_id == group.id,
                        CheckinDelivery.sent_at.is_not(None),
                        CheckinDelivery.due_at >= since,
                    )
                    .group_by(CheckinDelivery.user_id)
                )
            }
            meetings = {
                uid: (int(recorded), int(came or 0))
                for uid, recorded, came in await session.execute(
                    select(
                        MeetingAttendance.user_id,
                        func.count(),
                        func.sum(case((MeetingAttendance.attended.is_(True), 1), else_=0)),
                    )
                    .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
                    .where(
                        Meeting.group_id == group.id,
                        Meeting.status == "confirmed",
                        Meeting.starts_at >= since,
                        MeetingAttendance.attended.is_not(None),
                    )
                    .group_by(MeetingAttendance.user_id)
                )
            }
        lines = []
        for member in group.members:
            zone = clocks[member.user_id].zone
            sent, answered = checkins.get(member.user_id, (0, 0))
            recorded, attended = meetings.get(member.user_id, (0, 0))
            lines.append(
                RosterLine(
                    member.user_id,
                    member.role,
                    zone,
                    member.user_id not in own,
                    now.astimezone(ZoneInfo(zone)),
                    member.agreed,
                    member.paused,
                    sent,
                    answered,
                    recorded,
                    attended,
                )
            )
        order = {"facilitator": 0, "mentor": 1}
        lines.sort(key=lambda line: (order.get(line.role, 2), line.user_id))
        return Roster(group, days, tuple(lines))

    async def viewer_zone(self, guild_id: int, user_id: int) -> tuple[str, bool]:
        """Return the zone to show times in for this person here, and whether it is their own."""
        async with self._db.reading() as session:
            clock = (await member_clocks(session, self._program, guild_id, [user_id]))[user_id]
            profile = (await profiles_of(session, guild_id, [user_id])).get(user_id)
        return clock.zone, profile is not None and profile.timezone is not None

    async def research_export(
        self,
        guild_id: int,
        actor: Actor,
        start: datetime,
        end: datetime,
        key: str,
        cycle_id: int | None = None,
    ) -> str:
        """Return research.csv as `mentorbot report --research` writes it, of one cycle's groups if given."""
        await self._program.require_coordinator(guild_id, actor, "download the research export")
        rows = await research_rows(self._db, guild_id, start, end, key, cycle_id=cycle_id)
        return research_csv(rows, start, end)
