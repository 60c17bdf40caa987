"""The cycle report: intake, matching, pulses over time, closing ratings and outcomes — counts only.

No member's words are in it (their hopes, notes and comments stay in the places coordinators
read them one by one), and nobody's answers reach the research export through it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import ClosingSurvey, CycleApplication, Group, GroupMember, ProgramCycle, RelationshipPulse
from bot.domain.cycles import NEXT_STEPS, OUTCOMES
from bot.errors import Invalid, NotFound
from bot.services.actors import Actor
from bot.services.reports import ProgramReport, compute_report
from bot.services.settings import SettingsService

CHOICES_MAX = 25


@dataclass(frozen=True)
class PulseRound:
    """One round of the relationship pulse across the cycle's groups."""

    day: int  # the match's day it was asked on (30, 90, …)
    asked: int
    answered: int
    mean: float | None


@dataclass(frozen=True)
class CycleReport:
    """A cycle's figures."""

    name: str
    starts_on: date
    ends_on: date
    applications: dict[str, int]  # by status
    roles: dict[str, int]  # applications by role
    groups: int
    matched_members: int
    pulses: tuple[PulseRound, ...]
    surveys_asked: int
    surveys_answered: int
    rating_mean: float | None
    outcomes: dict[str, int] = field(default_factory=dict)  # outcome key -> members who ticked it
    next_steps: dict[str, int] = field(default_factory=dict)
    ended_early: int = 0


class CycleReports:
    """Builds cycle reports for coordinators."""

    def __init__(self, db: Database, clock: Clock, settings: SettingsService) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings

    async def choices(self, guild_id: int, typed: str) -> list[tuple[int, str]]:
        """Return the server's cycles (newest first) whose name contains ``typed``."""
        async with self._db.reading() as session:
            rows = await session.execute(
                select(ProgramCycle.id, ProgramCycle.name, ProgramCycle.starts_on)
                .where(ProgramCycle.guild_id == guild_id)
                .order_by(ProgramCycle.starts_on.desc())
            )
            found = [
                (cycle_id, f"{name} ({starts_on:%b %Y})")
                for cycle_id, name, starts_on in rows.all()
                if typed.casefold() in name.casefold()
            ]
        return found[:CHOICES_MAX]

    async def program_report(self, guild_id: int, actor: Actor, cycle_id: int) -> tuple[str, ProgramReport]:
        """Return the program report of a cycle's groups over the cycle so far (coordinators only)."""
        await self._settings.require_coordinator(guild_id, actor, "see program reports")
        async with self._db.reading() as session:
            cycle = await session.get(ProgramCycle, cycle_id)
            zone = ZoneInfo((await self._settings.get_in(session, guild_id)).default_timezone)
        if cycle is None or cycle.guild_id != guild_id:
            raise NotFound("No such cycle here; pick one from the list as you type.")
        now = self._clock.now() + timedelta(microseconds=1)  # [start, end) includes this very moment
        start = datetime.combine(cycle.starts_on, time(), zone)
        if start >= now:
            raise Invalid(f"{cycle.name} has not started yet: there is nothing to count.")
        end = min(now, datetime.combine(cycle.ends_on + timedelta(days=1), time(), zone))
        return cycle.name, await compute_report(self._db, guild_id, start, end, cycle_id=cycle.id)

    async def report(self, guild_id: int, actor: Actor, cycle_id: int | None = None) -> CycleReport:
        """Return a cycle's figures (the latest cycle begun if none is named); coordinators only."""
        await self._settings.require_coordinator(guild_id, actor, "see a cycle's report")
        async with self._db.reading() as session:
            query = select(ProgramCycle).where(ProgramCycle.guild_id == guild_id)
            if cycle_id is not None:
                query = query.where(ProgramCycle.id == cycle_id)
            else:
                today = self._clock.now().date()
                query = query.where(ProgramCycle.starts_on <= today).order_by(ProgramCycle.starts_on.desc())
            cycle = await session.scalar(query.limit(1))
            if cycle is None:
                raise NotFound("No such cycle here; pick one from the list as you type.")
            applications = dict(
                (
                    await session.execute(
                        select(CycleApplication.status, func.count())
                        .where(CycleApplication.cycle_id == cycle.id)
                        .group_by(CycleApplication.status)
                    )
                ).all()
            )
            roles = dict(
                (
                    await session.execute(
                        select(CycleApplication.role, func.count())
                        .where(CycleApplication.cycle_id == cycle.id)
                        .group_by(CycleApplication.role)
                    )
                ).all()
            )
            groups = await session.scalar(select(func.count()).where(Group.cycle_id == cycle.id)) or 0
            matched = (
                await session.scalar(
                    select(func.count(func.distinct(GroupMember.user_id)))
                    .join(Group, Group.id == GroupMember.group_id)
                    .where(Group.cycle_id == cycle.id)
                )
                or 0
            )
            pulse_rows = (
                await session.execute(
                    select(
                        RelationshipPulse.round,
                        func.count(),
                        func.count(RelationshipPulse.score),
                        func.avg(RelationshipPulse.score),
                    )
                    .join(Group, Group.id == RelationshipPulse.group_id)
                    .where(Group.cycle_id == cycle.id)
                    .group_by(RelationshipPulse.round)
                    .order_by(RelationshipPulse.round)
                )
            ).all()
            surveys = list(
                await session.scalars(select(ClosingSurvey).where(ClosingSurvey.cycle_id == cycle.id))
            )
        answered = [s for s in surveys if s.answered_at is not None]
        ratings = [s.rating for s in answered if s.rating is not None]
        return CycleReport(
            cycle.name,
            cycle.starts_on,
            cycle.ends_on,
            {k: int(v) for k, v in applications.items()},
            {k: int(v) for k, v in roles.items()},
            int(groups),
            int(matched),
            tuple(
                PulseRound(
                    30 + round_ * cycle.pulse_every_days, int(asked), int(done), float(mean) if mean else None
                )
                for round_, asked, done, mean in pulse_rows
            ),
            len(surveys),
            len(answered),
            sum(ratings) / len(ratings) if ratings else None,
            dict(Counter(o for s in answered for o in s.outcomes or ())),
            dict(Counter(s.next_step for s in answered if s.next_step)),
            sum(1 for s in surveys if s.end_reason),
        )


def cycle_csv(report: CycleReport) -> str:
    """Return the report's figures as CSV rows: section, item, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "value"])
    writer.writerow(["cycle", "name", report.name])
    writer.writerow(["cycle", "starts_on", report.starts_on.isoformat()])
    writer.writerow(["cycle", "ends_on", report.ends_on.isoformat()])
    for status in ("pending", "accepted", "waitlisted", "declined", "matched"):
        writer.writerow(["applications", status, report.applications.get(status, 0)])
    for role in ("mentor", "mentee", "peer"):
        writer.writerow(["applications by role", role, report.roles.get(role, 0)])
    writer.writerow(["matching", "groups", report.groups])
    writer.writerow(["matching", "members matched", report.matched_members])
    for pulse in report.pulses:
        writer.writerow([f"pulse day {pulse.day}", "asked", pulse.asked])
        writer.writerow([f"pulse day {pulse.day}", "answered", pulse.answered])
        writer.writerow([f"pulse day {pulse.day}", "mean", "" if pulse.mean is None else f"{pulse.mean:.2f}"])
    writer.writerow(["closing survey", "asked", report.surveys_asked])
    writer.writerow(["closing survey", "answered", report.surveys_answered])
    mean = report.rating_mean
    writer.writerow(["closing survey", "mean rating", "" if mean is None else f"{mean:.2f}"])
    writer.writerow(["closing survey", "matches ended early", report.ended_early])
    for key, label in OUTCOMES.items():
        writer.writerow(["outcomes", label, report.outcomes.get(key, 0)])
    for key, label in NEXT_STEPS.items():
        writer.writerow(["next", label, report.next_steps.get(key, 0)])
    return out.getvalue()
