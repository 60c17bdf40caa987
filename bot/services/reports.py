"""Program reports: counts and rates per group over a period — never any content."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, case, distinct, func, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import (
    CheckinDelivery,
    CoffeeDraw,
    CoffeeMatch,
    CoffeeMatchMember,
    Discussion,
    Goal,
    GoalUpdate,
    Group,
    GroupMember,
    Meeting,
    MeetingAttendance,
    Participation,
)
from bot.db.types import UTCDateTime
from bot.errors import Invalid
from bot.services.actors import Actor
from bot.services.groups import GroupService
from bot.services.settings import SettingsService

ALL_GROUPS = "All groups"
MAX_DAYS = 3650
PROGRESS_KINDS = ("progress", "milestone", "done")
# A chart reads well with up to about this many points a line: longer periods use longer steps.
MAX_POINTS = 27  # a year in two-week steps


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class _Rates:
    """The two rates a report shows, from the counts of a dataclass that has them."""

    checkins_delivered: int
    checkins_answered: int
    attendance_recorded: int
    attended: int

    @property
    def checkin_response_rate(self) -> float | None:
        """Answered check-ins out of those delivered (None when none were delivered)."""
        return _rate(self.checkins_answered, self.checkins_delivered)

    @property
    def attendance_rate(self) -> float | None:
        """Members who came out of those whose attendance was recorded (None when none was)."""
        return _rate(self.attended, self.attendance_recorded)


@dataclass(frozen=True)
class GroupFigures(_Rates):
    """One group's (or all groups') figures over the period."""

    group_id: int | None
    name: str
    members: int
    checkins_delivered: int
    checkins_answered: int
    goals_set: int
    goals_progressed: int
    goals_completed: int
    discussions: int
    discussion_participants: int
    meetings: int
    attendance_recorded: int
    attended: int


@dataclass(frozen=True)
class StepFigures(_Rates):
    """The counts behind one group's rates in one step of the period (a week, or a few)."""

    checkins_delivered: int = 0
    checkins_answered: int = 0
    attendance_recorded: int = 0
    attended: int = 0


@dataclass(frozen=True)
class GroupSeries:
    """One group's (or all groups') figures step by step over the period."""

    group_id: int | None
    name: str
    steps: tuple[StepFigures, ...]


@dataclass(frozen=True)
class ProgramReport:
    """A server's figures over [start, end): per group, all groups, and server-wide coffee."""

    guild_id: int
    start: datetime
    end: datetime
    groups: tuple[GroupFigures, ...]
    total: GroupFigures
    coffee_pairs: int
    coffee_pairs_met: int
    # Rates over time: step i covers [step_starts[i], step_starts[i] + step); the last may be shorter.
    step: timedelta = timedelta(weeks=1)
    step_starts: tuple[datetime, ...] = ()
    series: tuple[GroupSeries, ...] = ()  # one per group, in the order of ``groups``
    total_series: GroupSeries | None = None


class ReportService:
    """Computes program reports for coordinators and facilitators."""

    def __init__(self, db: Database, clock: Clock, program: SettingsService, groups: GroupService) -> None:
        self._db = db
        self._clock = clock
        self._program = program
        self._groups = groups

    async def program_report(self, guild_id: int, actor: Actor, days: int = 90) -> ProgramReport:
        """Return every group's figures over the last ``days`` days (coordinators only)."""
        await self._program.require_coordinator(guild_id, actor, "see program reports")
        start, end = self._period(days)
        return await self.compute(guild_id, start, end)

    async def group_report(
        self, guild_id: int, actor: Actor, ref: str | int, days: int = 90
    ) -> ProgramReport:
        """Return one group's figures over the last ``days`` days (its facilitators and coordinators)."""
        group = await self._groups.require_manager(guild_id, actor, ref, "see this group's report")
        start, end = self._period(days)
        return await self.compute(guild_id, start, end, group_id=group.id)

    def _period(self, days: int) -> tuple[datetime, datetime]:
        if not 1 <= days <= MAX_DAYS:
            raise Invalid(f"Choose a period of 1 to {MAX_DAYS} days.")
        # [start, end) should include this very moment (a clock may not have moved since).
        end = self._clock.now() + timedelta(microseconds=1)
        return end - timedelta(days=days), end

    async def compute(
        self, guild_id: int, start: datetime, end: datetime, *, group_id: int | None = None
    ) -> ProgramReport:
        """Return the figures over [start, end) for every group of the server, or just one."""
        return await compute_report(self._db, guild_id, start, end, group_id=group_id)


async def compute_report(
    db: Database,
    guild_id: int,
    start: datetime,
    end: datetime,
    *,
    group_id: int | None = None,
    cycle_id: int | None = None,
) -> ProgramReport:
    """Return the figures over [start, end) for the server's groups (one, or a cycle's), no rights checked."""
    async with db.reading() as session:  # long aggregate queries: beside the writer, not in its way
        query = select(Group.id, Group.name).where(
            Group.guild_id == guild_id,
            Group.created_at < end,
            or_(Group.archived_at.is_(None), Group.archived_at >= start),
        )
        if group_id is not None:
            query = query.where(Group.id == group_id)
        if cycle_id is not None:
            query = query.where(Group.cycle_id == cycle_id)
        rows = (await session.execute(query.order_by(Group.name))).all()
        some = group_id is not None or cycle_id is not None  # only these groups, not the whole server
        groups = tuple(
            [await _figures(session, guild_id, start, end, [gid], gid, name) for gid, name in rows]
        )
        ids = [gid for gid, _ in rows]
        # A program report's total also counts goals set outside any group.
        total = await _figures(session, guild_id, start, end, ids if some else None, None, ALL_GROUPS)
        if not some:
            pairs, met = await _coffee(session, guild_id, start, end)
        else:
            pairs = met = 0
        step = step_for(start, end)
        steps = _step_count(start, end, step)
        counts = await _steps(session, guild_id, start, end, step, ids if some else None)
    series = tuple(GroupSeries(gid, name, _series(counts, gid, steps)) for gid, name in rows)
    total_series = GroupSeries(None, ALL_GROUPS, _series(counts, None, steps))
    return ProgramReport(
        guild_id,
        start,
        end,
        groups,
        total,
        pairs,
        met,
        step=step,
        step_starts=tuple(start + i * step for i in range(steps)),
        series=series,
        total_series=total_series,
    )


def step_for(start: datetime, end: datetime) -> timedelta:
    """Return the step of a report's time series: a week, or whole weeks so it has at most MAX_POINTS."""
    weeks = -(-(end - start) // timedelta(weeks=1))
    return timedelta(weeks=max(1, -(-weeks // MAX_POINTS)))


def _step_count(start: datetime, end: datetime, step: timedelta) -> int:
    return max(1, -(-(end - start) // step))


class _StepOf(FunctionElement[int]):
    """The number of whole steps from ``start`` to a moment (SQL: the database does the bucketing)."""

    type = Integer()
    inherit_cache = True


@compiles(_StepOf, "sqlite")
def _step_of_sqlite(element: _StepOf, compiler: SQLCompiler, **kw: object) -> str:
    moment, start, days = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST((julianday({moment}) - julianday({start})) / {days} AS INTEGER)"


@compiles(_StepOf)
def _step_of_default(element: _StepOf, compiler: SQLCompiler, **kw: object) -> str:
    moment, start, days = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"CAST(floor(extract(epoch from ({moment} - CAST({start} AS TIMESTAMP WITH TIME ZONE)))"
        f" / ({days} * 86400.0)) AS INTEGER)"
    )


def _step_of(moment: ColumnElement[datetime], start: datetime, step: timedelta) -> _StepOf:
    # The step's days are written into the statement (an int: nothing to escape), so both
    # databases read a plain number.
    return _StepOf(moment, literal(start, UTCDateTime()), literal_column(str(int(step.days))))


StepCounts = dict[tuple[int | None, int], StepFigures]


async def _steps(
    session: AsyncSession,
    guild_id: int,
    start: datetime,
    end: datetime,
    step: timedelta,
    ids: list[int] | None,
) -> StepCounts:
    """Return check-in and attendance counts per (group, step), summed by the database."""
    delivered_step = _step_of(CheckinDelivery.due_at, start, step).label("step")
    checkins = (
        await session.execute(
            select(
                CheckinDelivery.group_id,
                delivered_step,
                func.count(),
                func.sum(case((CheckinDelivery.status == "answered", 1), else_=0)),
            )
            .where(
                CheckinDelivery.guild_id == guild_id,
                _in(CheckinDelivery.group_id, ids),
                CheckinDelivery.due_at >= start,
                CheckinDelivery.due_at < end,
                CheckinDelivery.sent_at.is_not(None),
            )
            .group_by(CheckinDelivery.group_id, delivered_step)
        )
    ).all()
    met_step = _step_of(Meeting.starts_at, start, step).label("step")
    attendance = (
        await session.execute(
            select(
                Meeting.group_id,
                met_step,
                func.count(),
                func.sum(case((MeetingAttendance.attended.is_(True), 1), else_=0)),
            )
            .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
            .where(
                Meeting.guild_id == guild_id,
                _in(Meeting.group_id, ids),
                Meeting.status == "confirmed",
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
                MeetingAttendance.attended.is_not(None),
            )
            .group_by(Meeting.group_id, met_step)
        )
    ).all()
    counts: StepCounts = {}
    for gid, index, sent, answered in checkins:
        for key in ((gid, int(index)), (None, int(index))):
            old = counts.get(key, StepFigures())
            counts[key] = replace(
                old,
                checkins_delivered=old.checkins_delivered + int(sent),
                checkins_answered=old.checkins_answered + int(answered or 0),
            )
    for gid, index, recorded, came in attendance:
        for key in ((gid, int(index)), (None, int(index))):
            old = counts.get(key, StepFigures())
            counts[key] = replace(
                old,
                attendance_recorded=old.attendance_recorded + int(recorded),
                attended=old.attended + int(came or 0),
            )
    return counts


def _series(counts: StepCounts, group_id: int | None, steps: int) -> tuple[StepFigures, ...]:
    return tuple(counts.get((group_id, i), StepFigures()) for i in range(steps))


def _in(column: ColumnElement[int] | object, ids: list[int] | None) -> ColumnElement[bool]:
    return column.in_(ids) if ids is not None else column.is_not(None)  # type: ignore[attr-defined,no-any-return]


async def _count(session: AsyncSession, query: object) -> int:
    return int((await session.execute(query)).scalar_one() or 0)  # type: ignore[call-overload]


async def _figures(
    session: AsyncSession,
    guild_id: int,
    start: datetime,
    end: datetime,
    ids: list[int] | None,
    group_id: int | None,
    name: str,
) -> GroupFigures:
    """Count one set of groups (``ids``), or the whole server when ``ids`` is None."""
    members = await _count(
        session,
        select(func.count(distinct(GroupMember.user_id))).where(
            GroupMember.guild_id == guild_id,
            _in(GroupMember.group_id, ids),
            GroupMember.joined_at < end,
            or_(GroupMember.left_at.is_(None), GroupMember.left_at >= start),
        ),
    )
    deliveries = select(func.count()).where(
        CheckinDelivery.guild_id == guild_id,
        _in(CheckinDelivery.group_id, ids),
        CheckinDelivery.due_at >= start,
        CheckinDelivery.due_at < end,
        CheckinDelivery.sent_at.is_not(None),
    )
    delivered = await _count(session, deliveries)
    answered = await _count(session, deliveries.where(CheckinDelivery.status == "answered"))
    goal_scope = [Goal.guild_id == guild_id]
    if ids is not None:
        goal_scope.append(Goal.group_id.in_(ids))
    goals_set = await _count(
        session, select(func.count()).where(*goal_scope, Goal.created_at >= start, Goal.created_at < end)
    )
    progressed = await _count(
        session,
        select(func.count(distinct(GoalUpdate.goal_id)))
        .join(Goal, Goal.id == GoalUpdate.goal_id)
        .where(
            *goal_scope,
            GoalUpdate.kind.in_(PROGRESS_KINDS),
            GoalUpdate.created_at >= start,
            GoalUpdate.created_at < end,
        ),
    )
    completed = await _count(
        session,
        select(func.count()).where(
            *goal_scope, Goal.status == "done", Goal.completed_at >= start, Goal.completed_at < end
        ),
    )
    held = [
        Discussion.guild_id == guild_id,
        _in(Discussion.group_id, ids),
        Discussion.started_at >= start,
        Discussion.started_at < end,
    ]
    discussions = await _count(session, select(func.count()).select_from(Discussion).where(*held))
    participants = await _count(
        session,
        select(func.count(distinct(Participation.user_id)))
        .join(Discussion, Discussion.id == Participation.discussion_id)
        .where(*held, Participation.messages > 0),
    )
    met = [
        Meeting.guild_id == guild_id,
        _in(Meeting.group_id, ids),
        Meeting.status == "confirmed",
        Meeting.starts_at >= start,
        Meeting.starts_at < end,
    ]
    meetings = await _count(session, select(func.count()).select_from(Meeting).where(*met))
    recorded = (
        select(func.count())
        .select_from(MeetingAttendance)
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .where(*met, MeetingAttendance.attended.is_not(None))
    )
    attendance_recorded = await _count(session, recorded)
    attended = await _count(session, recorded.where(MeetingAttendance.attended.is_(True)))
    return GroupFigures(
        group_id=group_id,
        name=name,
        members=members,
        checkins_delivered=delivered,
        checkins_answered=answered,
        goals_set=goals_set,
        goals_progressed=progressed,
        goals_completed=completed,
        discussions=discussions,
        discussion_participants=participants,
        meetings=meetings,
        attendance_recorded=attendance_recorded,
        attended=attended,
    )


async def _coffee(session: AsyncSession, guild_id: int, start: datetime, end: datetime) -> tuple[int, int]:
    """Return the coffee pairs drawn in the period and how many said they met."""
    drawn = (
        select(CoffeeMatch.id)
        .join(CoffeeDraw, CoffeeDraw.id == CoffeeMatch.draw_id)
        .where(CoffeeMatch.guild_id == guild_id, CoffeeDraw.drawn_at >= start, CoffeeDraw.drawn_at < end)
    )
    pairs = await _count(session, select(func.count()).select_from(drawn.subquery()))
    met = await _count(
        session,
        select(func.count(distinct(CoffeeMatchMember.match_id))).where(
            CoffeeMatchMember.match_id.in_(drawn), CoffeeMatchMember.met == "yes"
        ),
    )
    return pairs, met


CSV_COLUMNS = (
    "group",
    "members",
    "checkins_delivered",
    "checkins_answered",
    "checkin_response_rate",
    "goals_set",
    "goals_progressed",
    "goals_completed",
    "discussions_held",
    "discussion_participants",
    "meetings_held",
    "attendance_recorded",
    "attended",
    "attendance_rate",
    "coffee_pairs",
    "coffee_pairs_met",
)


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def _cell(text: str) -> str:
    """Keep a spreadsheet from running a group's name as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(report: ProgramReport) -> str:
    """Render the report as CSV: one row per group, then an "All groups" row (rates in percent)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for figures in (*report.groups, report.total):
        is_total = figures.group_id is None
        writer.writerow(
            (
                _cell(figures.name),
                figures.members,
                figures.checkins_delivered,
                figures.checkins_answered,
                _percent(figures.checkin_response_rate),
                figures.goals_set,
                figures.goals_progressed,
                figures.goals_completed,
                figures.discussions,
                figures.discussion_participants,
                figures.meetings,
                figures.attendance_recorded,
                figures.attended,
                _percent(figures.attendance_rate),
                # Coffee pairs are server-wide, so only the total row has them.
                report.coffee_pairs if is_total else "",
                report.coffee_pairs_met if is_total else "",
            )
        )
    return out.getvalue()
