"""Program cycles: a coordinator opens, shows and closes them; every member sees where they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import GuildSettings, ProgramCycle
from bot.db.upsert import locked_row
from bot.domain.cycles import NAME_MAX, Position, check_dates, midpoint, parse_day, parse_kickoff, position
from bot.domain.timezones import local_now, resolve_zone
from bot.errors import Conflict, Invalid, NotFound
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.audit import record_program_action
from bot.services.cycles.carry import carry_over
from bot.services.profiles import member_clock
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim


@dataclass(frozen=True)
class CycleView:
    """A cycle as shown: its days, its kick-off, and where the asking member's today falls."""

    id: int
    name: str
    starts_on: date
    ends_on: date
    midpoint: date
    kickoff_at: datetime | None
    closed_at: datetime | None
    position: Position


@dataclass(frozen=True)
class CycleOverview:
    """The cycle running or next (None: none planned), and the one after it if planned."""

    current: CycleView | None
    next: CycleView | None


class CycleService:
    """Opens, shows and closes a server's program cycles (one at a time)."""

    def __init__(
        self, db: Database, clock: Clock, settings: SettingsService, scheduler: SchedulingEngine | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler

    async def member_today(self, guild_id: int, user_id: int) -> date:
        """Return today's date in the member's time zone (the server's default if unset)."""
        async with self._db.reading() as session:
            zone, _ = await member_clock(session, self._settings, guild_id, user_id)
        return local_now(zone, self._clock.now()).date()

    async def open(
        self,
        guild_id: int,
        actor: Actor,
        *,
        name: str,
        starts: str,
        ends: str,
        kickoff: str | None = None,
        pulse_every_days: int = 60,
        recognition_role_id: int | None = None,
        via: str = "discord",
    ) -> CycleView:
        """Open a cycle from ``starts`` to ``ends`` (days); it may not overlap another cycle."""
        await self._settings.require_coordinator(guild_id, actor, "open a program cycle")
        name = " ".join(name.split())
        if not 14 <= pulse_every_days <= 180:
            raise Invalid("The pulse comes every 14 to 180 days.")
        if not name or len(name) > NAME_MAX:
            raise Invalid(f"A cycle's name has 1–{NAME_MAX} characters.")
        starts_on, ends_on = parse_day(starts, "start"), parse_day(ends, "end")
        async with self._db.reading() as session:
            zone, _ = await member_clock(session, self._settings, guild_id, actor.user_id)
        now = self._clock.now()
        check_dates(starts_on, ends_on, local_now(zone, now).date())
        kickoff_at = None
        if kickoff:
            kickoff_at = parse_kickoff(kickoff, resolve_zone(zone))
            if kickoff_at < now:
                raise Invalid("The kick-off is in the past: pick a time still to come.")
            if not starts_on <= kickoff_at.date() <= ends_on:
                raise Invalid("The kick-off falls outside the cycle: pick a day from its start to its end.")
        async with self._db.transaction() as session:
            await locked_row(session, GuildSettings, guild_id)  # one cycle opened at a time per server
            for other in await open_cycles(session, guild_id):
                if other.starts_on <= ends_on and starts_on <= other.ends_on:
                    raise Conflict(
                        f"“{verbatim(other.name)}” runs from {other.starts_on:%d %b %Y} "
                        f"to {other.ends_on:%d %b %Y}: "
                        "cycles run one after another. Start this one after it ends, or close it first "
                        "(`/program cycle close`)."
                    )
            row = ProgramCycle(
                guild_id=guild_id,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                kickoff_at=kickoff_at,
                pulse_every_days=pulse_every_days,
                recognition_role_id=recognition_role_id,
                created_by=actor.user_id,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            settings = await self._settings.get_in(session, guild_id)
            await carry_over(session, row, now, settings.default_timezone)
            await record_program_action(
                session,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="open_cycle",
                summary=f"opened the program cycle “{verbatim(name)}” ({starts_on} to {ends_on})",
                details={"cycle_id": row.id, "via": via},
                modlog_channel_id=settings.modlog_channel_id,
                now=now,
            )
        self._wake_outbox()
        return _view(row, local_now(zone, now).date())

    async def overview(self, guild_id: int, user_id: int) -> CycleOverview:
        """Return the cycle running (or next) and the one after it, seen from the member's today."""
        today = await self.member_today(guild_id, user_id)
        async with self._db.reading() as session:
            cycles = [c for c in await open_cycles(session, guild_id) if c.ends_on >= today]
        views = [_view(c, today) for c in cycles[:2]]
        return CycleOverview(views[0] if views else None, views[1] if len(views) > 1 else None)

    async def close(self, guild_id: int, actor: Actor, *, via: str = "discord") -> CycleView:
        """Close the cycle running (or, if none runs, the next one planned: a cancellation)."""
        await self._settings.require_coordinator(guild_id, actor, "close a program cycle")
        today = await self.member_today(guild_id, actor.user_id)
        now = self._clock.now()
        async with self._db.transaction() as session:
            await locked_row(session, GuildSettings, guild_id)
            cycles = [c for c in await open_cycles(session, guild_id) if c.ends_on >= today]
            if not cycles:
                raise NotFound("No cycle is running or planned; open one with `/program cycle open`.")
            row = cycles[0]
            row.closed_at, row.closed_by = now, actor.user_id
            settings = await self._settings.get_in(session, guild_id)
            await record_program_action(
                session,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="close_cycle",
                summary=f"closed the program cycle “{verbatim(row.name)}”",
                details={"cycle_id": row.id, "via": via},
                modlog_channel_id=settings.modlog_channel_id,
                now=now,
            )
        self._wake_outbox()
        return _view(row, today)

    def _wake_outbox(self) -> None:
        if self._scheduler is not None:
            self._scheduler.run_soon("outbox")  # the moderation log's post


async def open_cycles(session: AsyncSession, guild_id: int) -> list[ProgramCycle]:
    """Return the server's cycles not closed by hand, earliest first."""
    rows = await session.scalars(
        select(ProgramCycle)
        .where(ProgramCycle.guild_id == guild_id, ProgramCycle.closed_at.is_(None))
        .order_by(ProgramCycle.starts_on, ProgramCycle.id)
    )
    return list(rows.all())


async def current_cycle(session: AsyncSession, guild_id: int, today: date) -> ProgramCycle | None:
    """Return the cycle running on ``today`` (not closed), if any."""
    for cycle in await open_cycles(session, guild_id):
        if cycle.starts_on <= today <= cycle.ends_on:
            return cycle
    return None


def _view(row: ProgramCycle, today: date) -> CycleView:
    return CycleView(
        row.id,
        row.name,
        row.starts_on,
        row.ends_on,
        midpoint(row.starts_on, row.ends_on),
        row.kickoff_at,
        row.closed_at,
        position(row.starts_on, row.ends_on, today),
    )
