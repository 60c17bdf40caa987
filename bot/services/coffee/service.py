"""Coffee pairings: every few weeks, opted-in members are paired to meet someone new.

This module is what members and coordinators do: set up, opt in and out, pause, skip, keep a
private do-not-pair list, look back, answer "did you meet?", and count. The rounds themselves
are drawn by :mod:`bot.services.coffee.rounds`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import (
    CoffeeAvoidance,
    CoffeeDraw,
    CoffeeMatch,
    CoffeeMatchMember,
    CoffeeParticipant,
    CoffeeProgram,
    CoffeeSitOut,
)
from bot.db.upsert import insert_ignore, locked_row
from bot.domain.cadence import first_day, next_occurrence
from bot.errors import Conflict, Invalid, NotAllowed, NotFound
from bot.services.actors import Actor
from bot.services.coffee.rounds import eligible_members, participant_in
from bot.services.settings import SettingsService

EVERY_WEEKS_MAX = 12
PAUSE_WEEKS_MAX = 26


@dataclass(frozen=True)
class ProgramView:
    """A server's coffee pairings as members and coordinators see them."""

    channel_id: int
    every_weeks: int
    weekday: int
    no_repeat_rounds: int
    active: bool
    next_round_at: datetime | None
    participants: int


@dataclass(frozen=True)
class MemberStatus:
    """Where a member stands with coffee pairings."""

    program: ProgramView
    joined: bool
    paused_until: datetime | None
    skip_next: bool


@dataclass(frozen=True)
class PastCoffee:
    """One of a member's past pairings."""

    day: date
    partners: tuple[int, ...]
    thread_id: int | None
    met: bool | None  # True when anyone in the pair said they met


@dataclass(frozen=True)
class CoffeeStats:
    """How coffee pairings are going in a server: counts only."""

    participants: int
    paused: int
    rounds: int
    pairs: int
    pairs_met: int
    answered: int
    sit_outs: int


class CoffeeService:
    """Coffee pairings for a server: setup, opting in and out, rounds and follow-ups."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings

    # -- coordinators ---------------------------------------------------------------------

    async def configure(
        self,
        guild_id: int,
        actor: Actor,
        channel_id: int,
        *,
        every_weeks: int = 2,
        weekday: int = 0,
        no_repeat_rounds: int = 6,
    ) -> ProgramView:
        """Set up (or change) the server's coffee pairings (coordinators)."""
        await self._settings.require_coordinator(guild_id, actor, "set up coffee pairings")
        if not 1 <= every_weeks <= EVERY_WEEKS_MAX:
            raise Invalid(f"Rounds can be every 1 to {EVERY_WEEKS_MAX} weeks.")
        if not 0 <= weekday <= 6:
            raise Invalid("Choose a day of the week.")
        if not 0 <= no_repeat_rounds <= 52:
            raise Invalid("Choose 0 to 52 rounds before the same two people can meet again.")
        now = self._clock.now()
        # The first round is never on the day of setup: members need time to join, and a round whose
        # moment has already passed today would be drawn with whoever had joined in the first minute.
        anchor = first_day(weekday, now.date() + timedelta(days=1))
        async with self._db.transaction() as session:
            row = await locked_row(
                session,
                CoffeeProgram,
                guild_id,
                channel_id=channel_id,
                anchor_day=anchor,
                created_by=actor.user_id,
                created_at=now,
            )
            row.channel_id, row.every_weeks, row.weekday = channel_id, every_weeks, weekday
            row.no_repeat_rounds, row.active = no_repeat_rounds, True
            row.anchor_day = anchor
            row.created_by = actor.user_id
            await session.flush()
            return await self._view(session, row, now)

    async def stop(self, guild_id: int, actor: Actor) -> None:
        """Stop drawing rounds (members stay opted in for when it starts again)."""
        await self._settings.require_coordinator(guild_id, actor, "stop coffee pairings")
        async with self._db.transaction() as session:
            row = await _program(session, guild_id)
            row.active = False

    async def stats(self, guild_id: int, actor: Actor) -> CoffeeStats:
        """Return the server's coffee numbers (coordinators; never who said what)."""
        await self._settings.require_coordinator(guild_id, actor, "see coffee statistics")
        now = self._clock.now()
        async with self._db.transaction() as session:
            await _program(session, guild_id)
            participants = await _count(session, select(CoffeeParticipant).where(participant_in(guild_id)))
            paused = await _count(
                session,
                select(CoffeeParticipant).where(
                    participant_in(guild_id), CoffeeParticipant.paused_until > now
                ),
            )
            rounds = await _count(session, select(CoffeeDraw).where(CoffeeDraw.guild_id == guild_id))
            pairs = await _count(session, select(CoffeeMatch).where(CoffeeMatch.guild_id == guild_id))
            answers = select(CoffeeMatchMember.match_id, CoffeeMatchMember.met).join(
                CoffeeMatch, CoffeeMatch.id == CoffeeMatchMember.match_id
            )
            answers = answers.where(CoffeeMatch.guild_id == guild_id, CoffeeMatchMember.met.is_not(None))
            said: dict[int, set[str]] = defaultdict(set)
            for match_id, met in (await session.execute(answers)).all():
                said[match_id].add(met)
            sit_outs = await _count(
                session,
                select(CoffeeSitOut)
                .join(CoffeeDraw, CoffeeDraw.id == CoffeeSitOut.draw_id)
                .where(CoffeeDraw.guild_id == guild_id),
            )
        met = sum("yes" in answers_ for answers_ in said.values())
        return CoffeeStats(participants, paused, rounds, pairs, met, len(said), sit_outs)

    # -- members --------------------------------------------------------------------------

    async def status(self, guild_id: int, user_id: int) -> MemberStatus:
        """Return the program and where the member stands in it."""
        now = self._clock.now()
        async with self._db.reading() as session:
            program = await self._view(session, await _program(session, guild_id), now)
            row = await session.get(CoffeeParticipant, (guild_id, user_id))
        if row is None:
            return MemberStatus(program, False, None, False)
        paused = row.paused_until if row.paused_until and row.paused_until > now else None
        return MemberStatus(program, True, paused, row.skip_next)

    async def join(self, guild_id: int, user_id: int) -> MemberStatus:
        """Opt in to coffee pairings (or come back from a pause)."""
        async with self._db.transaction() as session:
            program = await _program(session, guild_id)
            if not program.active:
                raise Invalid("Coffee pairings are paused in this server; a coordinator can restart them.")
            row = await session.get(CoffeeParticipant, (guild_id, user_id), with_for_update=True)
            if row is None:
                values = {"guild_id": guild_id, "user_id": user_id, "joined_at": self._clock.now()}
                if not await insert_ignore(session, CoffeeParticipant.__table__, values):
                    raise Conflict("You're already in the coffee pairings.")  # a double click
            elif row.paused_until is None and not row.skip_next:
                raise Conflict("You're already in the coffee pairings.")
            else:
                row.paused_until, row.skip_next = None, False
        return await self.status(guild_id, user_id)

    async def leave(self, guild_id: int, user_id: int) -> None:
        """Opt out of coffee pairings (your past pairings stay in your history)."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(CoffeeParticipant).where(
                    participant_in(guild_id), CoffeeParticipant.user_id == user_id
                )
            )
            if not result.rowcount:
                raise NotFound("You're not in the coffee pairings.")

    async def pause(self, guild_id: int, user_id: int, weeks: int) -> datetime:
        """Sit out the rounds of the next ``weeks`` weeks; return when the pause ends."""
        if not 1 <= weeks <= PAUSE_WEEKS_MAX:
            raise Invalid(f"Pause for 1 to {PAUSE_WEEKS_MAX} weeks.")
        until = self._clock.now() + timedelta(weeks=weeks)
        async with self._db.transaction() as session:
            row = await _participant(session, guild_id, user_id)
            row.paused_until = until
        return until

    async def skip_next(self, guild_id: int, user_id: int) -> datetime | None:
        """Sit out the next round only; return when it is."""
        async with self._db.transaction() as session:
            row = await _participant(session, guild_id, user_id)
            row.skip_next = True
        return (await self.status(guild_id, user_id)).program.next_round_at

    async def avoid(self, guild_id: int, user_id: int, other_id: int) -> None:
        """Never pair the member with ``other_id`` (private: the other person is never told)."""
        if other_id == user_id:
            raise Invalid("You can't be paired with yourself anyway.")
        async with self._db.transaction() as session:
            await insert_ignore(
                session,
                CoffeeAvoidance.__table__,
                {
                    "guild_id": guild_id,
                    "user_id": user_id,
                    "other_id": other_id,
                    "created_at": self._clock.now(),
                },
            )

    async def allow(self, guild_id: int, user_id: int, other_id: int) -> bool:
        """Take someone off the member's do-not-pair list; return whether they were on it."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(CoffeeAvoidance).where(
                    CoffeeAvoidance.guild_id == guild_id,
                    CoffeeAvoidance.user_id == user_id,
                    CoffeeAvoidance.other_id == other_id,
                )
            )
            return bool(result.rowcount)

    async def history(self, guild_id: int, user_id: int, limit: int = 10) -> list[PastCoffee]:
        """Return the member's latest pairings, newest first."""
        async with self._db.reading() as session:
            mine = (
                await session.execute(
                    select(CoffeeMatch, CoffeeDraw.day)
                    .join(CoffeeDraw, CoffeeDraw.id == CoffeeMatch.draw_id)
                    .join(CoffeeMatchMember, CoffeeMatchMember.match_id == CoffeeMatch.id)
                    .where(CoffeeMatch.guild_id == guild_id, CoffeeMatchMember.user_id == user_id)
                    .order_by(CoffeeDraw.number.desc())
                    .limit(limit)
                )
            ).all()
            past = []
            for match, day in mine:
                members = (
                    await session.execute(
                        select(CoffeeMatchMember.user_id, CoffeeMatchMember.met).where(
                            CoffeeMatchMember.match_id == match.id
                        )
                    )
                ).all()
                answers = {met for _, met in members if met is not None}
                met = True if "yes" in answers else (False if answers else None)
                partners = tuple(member for member, _ in members if member != user_id)
                past.append(PastCoffee(day, partners, match.thread_id, met))
            return past

    async def answer_met(self, user_id: int, match_id: int, met: bool) -> None:
        """Record a pair member's answer to "did you meet?" (they can change it)."""
        async with self._db.transaction() as session:
            row = await session.get(CoffeeMatchMember, (match_id, user_id), with_for_update=True)
            if row is None:
                raise NotAllowed("This question is for the members of this coffee pair.")
            row.met, row.answered_at = ("yes" if met else "no"), self._clock.now()

    async def _view(self, session: AsyncSession, row: CoffeeProgram, now: datetime) -> ProgramView:
        eligible = await eligible_members(session, self._settings, row.guild_id, now)
        upcoming = None
        if row.active:
            clocks = [member.clock for member in eligible]
            upcoming = next_occurrence(
                clocks, row.weekday, row.every_weeks, row.anchor_day, now, last_day=row.last_day
            )
        participants = await _count(session, select(CoffeeParticipant).where(participant_in(row.guild_id)))
        return ProgramView(
            row.channel_id,
            row.every_weeks,
            row.weekday,
            row.no_repeat_rounds,
            row.active,
            upcoming,
            participants,
        )


async def _count(session: AsyncSession, query) -> int:  # noqa: ANN001 - any select
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0


async def _program(session: AsyncSession, guild_id: int) -> CoffeeProgram:
    row = await session.get(CoffeeProgram, guild_id)
    if row is None:
        raise NotFound(
            "Coffee pairings aren't set up in this server yet; a coordinator can run `/coffee setup`."
        )
    return row


async def _participant(session: AsyncSession, guild_id: int, user_id: int) -> CoffeeParticipant:
    row = await session.get(CoffeeParticipant, (guild_id, user_id), with_for_update=True)
    if row is None:
        raise NotFound("You're not in the coffee pairings; `/coffee join` to take part.")
    return row
