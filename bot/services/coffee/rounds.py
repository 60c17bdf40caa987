"""Coffee rounds: drawn when their moment comes, opened as private threads, followed up.

A sweep (every minute) does three things in turn:

1. **Draw** a round when its moment comes: the round's day is claimed in the program row and the
   pairs, trios and sit-outs are written in that same unit of work, so a round is drawn once.
   Members who could not be paired are told why by DM (through the outbox).
2. **Open** a private thread for every pair that has none yet, outside the unit of work (Discord
   calls); the thread id is saved pair by pair, so a crash resumes where it stopped. If the
   coffee channel is gone or a permission is missing, the pairs are told by DM who their partner
   is, and whoever set coffee up is told what to fix, once a round.
3. **Follow up** near the round's end: "did you meet?" with buttons, in each pair's thread.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from discord.utils import format_dt
from sqlalchemy import ColumnElement, func, select, update
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
    GroupMember,
)
from bot.domain.cadence import candidate_days, due_occurrence
from bot.domain.coffee import CoffeeMember, PastPairing, pair_for_coffee
from bot.domain.coffee_intro import (
    Introduced,
    Moments,
    describe,
    follow_up_after,
    icebreaker,
    propose_moments,
    shared_interests,
)
from bot.domain.goals import nudge_moment
from bot.domain.moments import WAKING
from bot.domain.timezones import format_minutes
from bot.errors import DomainError, Unavailable
from bot.messaging import Button, Card, Field, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.scheduling.claims import claim_day
from bot.scheduling.engine import SchedulingEngine
from bot.services.discussions.service import DiscussionSpaces
from bot.services.profiles import member_clocks, profiles_of
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

log = logging.getLogger(__name__)

OPEN_WITHIN = timedelta(days=7)  # pairs whose thread is still missing after this are left alone


class CoffeeRounds:
    """The coffee sweep: draws, threads and follow-ups."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        scheduler: SchedulingEngine,
        spaces: DiscussionSpaces | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler
        self.spaces = spaces  # set by the runtime

    async def run_due(self) -> int:
        """Draw due rounds, open missing threads, send due follow-ups; return rounds drawn."""
        drawn = await self._draw_due()
        await self._open_threads()
        await self._follow_up()
        self._scheduler.run_soon("outbox")
        return drawn

    async def _draw_due(self) -> int:
        now = self._clock.now()
        drawn = 0
        async with self._db.transaction() as session:
            programs = (
                await session.scalars(
                    select(CoffeeProgram).where(
                        CoffeeProgram.active, self._scheduler.scope.clause(CoffeeProgram.guild_id)
                    )
                )
            ).all()
            for program in programs:
                days = candidate_days(
                    program.weekday, program.every_weeks, program.anchor_day, now, last_day=program.last_day
                )
                if not days:
                    continue
                eligible = await eligible_members(session, self._settings, program.guild_id, now)
                due = due_occurrence(
                    [member.clock for member in eligible],
                    program.weekday,
                    program.every_weeks,
                    program.anchor_day,
                    now,
                    last_day=program.last_day,
                )
                if due is None or not await claim_day(session, program, due[0]):
                    continue
                await self._draw(session, program, eligible, due[0], now)
                drawn += 1
        return drawn

    async def _draw(
        self,
        session: AsyncSession,
        program: CoffeeProgram,
        eligible: list[CoffeeMember],
        day: date,
        now: datetime,
    ) -> None:
        guild_id = program.guild_id
        number = (
            await session.scalar(select(func.max(CoffeeDraw.number)).where(CoffeeDraw.guild_id == guild_id))
            or 0
        ) + 1
        result = pair_for_coffee(
            eligible,
            round_number=number,
            seed=f"{guild_id}:{number}",
            on=day,
            history=await _history(session, guild_id),
            no_repeat_rounds=program.no_repeat_rounds,
            do_not_pair=await _avoidances(session, guild_id),
        )
        draw = CoffeeDraw(
            guild_id=guild_id,
            number=number,
            day=day,
            drawn_at=now,
            follow_up_at=now + follow_up_after(program.every_weeks),
        )
        session.add(draw)
        await session.flush()
        for group in result.groups:
            match = CoffeeMatch(draw_id=draw.id, guild_id=guild_id)
            session.add(match)
            await session.flush()
            session.add_all(CoffeeMatchMember(match_id=match.id, user_id=user) for user in group.members)
        clocks = {member.user_id: member.clock for member in eligible}
        for left_out in result.unpaired:
            session.add(CoffeeSitOut(draw_id=draw.id, user_id=left_out.user_id, reason=left_out.reason))
            await enqueue(
                session,
                key=f"coffee-sitout:{draw.id}:{left_out.user_id}",
                target=Target("dm", left_out.user_id),
                message=_sit_out_message(left_out.reason),
                now=now,
                not_before=nudge_moment(now, clocks[left_out.user_id]),  # in their daytime
                guild_id=guild_id,
            )
        # The members who skipped this round are back in the next one.
        await session.execute(
            update(CoffeeParticipant)
            .where(participant_in(guild_id), CoffeeParticipant.skip_next)
            .values(skip_next=False)
        )
        log.info("coffee round %s of guild %s: %s pairs", number, guild_id, len(result.groups))

    async def _open_threads(self) -> None:
        now = self._clock.now()
        async with self._db.reading() as session:
            pending = (
                await session.execute(
                    select(CoffeeMatch.id, CoffeeDraw.number, CoffeeDraw.follow_up_at, CoffeeProgram)
                    .join(CoffeeDraw, CoffeeDraw.id == CoffeeMatch.draw_id)
                    .join(CoffeeProgram, CoffeeProgram.guild_id == CoffeeMatch.guild_id)
                    .where(
                        CoffeeMatch.thread_id.is_(None),
                        CoffeeMatch.failure.is_(None),
                        self._scheduler.scope.clause(CoffeeMatch.guild_id),
                        CoffeeDraw.drawn_at > now - OPEN_WITHIN,
                    )
                    .order_by(CoffeeMatch.id)
                )
            ).all()
        failed: dict[int, str] = {}  # guild -> why, so one missing channel isn't tried for every pair
        for index, (match_id, number, follow_up_at, program) in enumerate(pending):
            if program.guild_id in failed:
                await self._give_up(match_id, program, failed[program.guild_id])
                continue
            async with self._db.transaction() as session:
                members = await _match_members(session, match_id)
                intro = await self._intro(session, program.guild_id, members, number, index, follow_up_at)
            try:
                thread_id = await self._spaces().open_thread(
                    program.guild_id, program.channel_id, "☕ Coffee", intro, members, private=True
                )
            except Unavailable as error:
                log.info("coffee threads of guild %s wait for Discord: %s", program.guild_id, error)
                return  # the next sweep opens them; nobody is told anything is gone
            except DomainError as error:
                failed[program.guild_id] = str(error)
                await self._give_up(match_id, program, str(error))
                continue
            async with self._db.transaction() as session:
                await session.execute(
                    update(CoffeeMatch).where(CoffeeMatch.id == match_id).values(thread_id=thread_id)
                )

    async def _give_up(self, match_id: int, program: CoffeeProgram, why: str) -> None:
        """Tell the pair by DM who their partner is, and the coordinator what to fix (once a round)."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            match = await session.get(CoffeeMatch, match_id, with_for_update=True)
            assert match is not None
            match.failure = why[:200]
            members = await _match_members(session, match_id)
            daytime = await self._daytime(session, program.guild_id, members, now)
            for user_id in members:
                others = ", ".join(f"<@{other}>" for other in members if other != user_id)
                text = (
                    f"This round you're paired with {others} for a coffee chat. I couldn't open a "
                    "thread for you, so say hello by DM and find 20 minutes for a call."
                )
                await enqueue(
                    session,
                    key=f"coffee-dm-intro:{match_id}:{user_id}",
                    target=Target("dm", user_id),
                    message=OutgoingMessage(cards=(Card(title="☕ Your coffee pairing", description=text),)),
                    now=now,
                    not_before=daytime[user_id],
                    guild_id=program.guild_id,
                )
            await enqueue(
                session,
                key=f"coffee-failed:{match.draw_id}",
                target=Target("dm", program.created_by),
                message=OutgoingMessage(
                    cards=(
                        Card(
                            title="Coffee threads could not be opened",
                            description=f"{why}\n\nThe pairs were told by DM who their partner is. "
                            "Fix it with `/coffee setup` before the next round.",
                        ),
                    )
                ),
                now=now,
                guild_id=program.guild_id,
            )

    async def _follow_up(self) -> None:
        now = self._clock.now()
        async with self._db.transaction() as session:
            draws = (
                await session.scalars(
                    select(CoffeeDraw)
                    .where(
                        CoffeeDraw.follow_up_at <= now,
                        CoffeeDraw.followed_up_at.is_(None),
                        self._scheduler.scope.clause(CoffeeDraw.guild_id),
                    )
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for draw in draws:
                draw.followed_up_at = now
                matches = (
                    await session.scalars(select(CoffeeMatch).where(CoffeeMatch.draw_id == draw.id))
                ).all()
                for match in matches:
                    message = _follow_up_message(match.id)
                    if match.thread_id is not None:
                        await enqueue(
                            session,
                            key=f"coffee-followup:{match.id}",
                            target=Target("channel", match.thread_id),
                            message=message,
                            now=now,
                            guild_id=draw.guild_id,
                        )
                        continue
                    members = await _match_members(session, match.id)
                    daytime = await self._daytime(session, draw.guild_id, members, now)
                    for user_id in members:
                        await enqueue(
                            session,
                            key=f"coffee-followup:{match.id}:{user_id}",
                            target=Target("dm", user_id),
                            message=message,
                            now=now,
                            not_before=daytime[user_id],
                            guild_id=draw.guild_id,
                        )

    async def _daytime(
        self, session: AsyncSession, guild_id: int, user_ids: list[int], now: datetime
    ) -> dict[int, datetime]:
        """Return when each member may get a DM: the first moment of their daytime, outside quiet hours."""
        clocks = await member_clocks(session, self._settings, guild_id, user_ids)
        return {user_id: nudge_moment(now, clock) for user_id, clock in clocks.items()}

    async def _intro(
        self,
        session: AsyncSession,
        guild_id: int,
        members: list[int],
        number: int,
        index: int,
        follow_up_at: datetime,
    ) -> OutgoingMessage:
        clocks = await member_clocks(session, self._settings, guild_id, members)
        profiles = await profiles_of(session, guild_id, members)
        people = [
            Introduced(
                user_id,
                clocks[user_id].zone,
                # What they typed, shown literally in the intro (the domain only lays it out).
                verbatim(profiles[user_id].bio) if user_id in profiles else None,
                tuple(verbatim(i) for i in (profiles[user_id].interests if user_id in profiles else ())),
            )
            for user_id in members
        ]
        now = self._clock.now()
        names = " and ".join(f"<@{user}>" for user in members)
        fields = [Field(f"About <@{p.user_id}>"[:256], describe(p, now)[:1024]) for p in people]
        shared = shared_interests(people)
        if shared:
            fields.append(Field("You both listed", ", ".join(shared)[:1024]))
        fields.append(_moments_field(propose_moments(clocks, now, follow_up_at), follow_up_at, len(members)))
        fields.append(Field("To start", icebreaker(number, index)))
        text = (
            f"Meet {names}! Find 20 minutes for a call or a chat before "
            f"{format_dt(follow_up_at, 'D')}. This thread is private to you."
        )
        return OutgoingMessage(
            content=f"☕ {names}",
            cards=(Card(title="Coffee time", description=text, fields=tuple(fields)),),
            mention_user_ids=tuple(members),
        )

    def _spaces(self) -> DiscussionSpaces:
        if self.spaces is None:
            raise RuntimeError("CoffeeRounds.spaces is not wired")
        return self.spaces


def participant_in(guild_id: int) -> ColumnElement[bool]:
    """Return the condition "a participant of this server"."""
    return CoffeeParticipant.guild_id == guild_id


async def eligible_members(
    session: AsyncSession, settings: SettingsService, guild_id: int, now: datetime
) -> list[CoffeeMember]:
    """Return the members in the next round: opted in, not paused, not skipping it."""
    rows = (
        await session.scalars(
            select(CoffeeParticipant.user_id)
            .where(participant_in(guild_id), ~CoffeeParticipant.skip_next)
            .where((CoffeeParticipant.paused_until.is_(None)) | (CoffeeParticipant.paused_until <= now))
            .order_by(CoffeeParticipant.user_id)
        )
    ).all()
    groups: dict[int, set[int]] = defaultdict(set)
    memberships = await session.execute(
        select(GroupMember.user_id, GroupMember.group_id).where(
            GroupMember.guild_id == guild_id, GroupMember.left_at.is_(None)
        )
    )
    for user_id, group_id in memberships.all():
        groups[user_id].add(group_id)
    clocks = await member_clocks(session, settings, guild_id, list(rows))
    return [CoffeeMember(user_id, clocks[user_id], frozenset(groups[user_id])) for user_id in rows]


async def _history(session: AsyncSession, guild_id: int) -> list[PastPairing]:
    rows = await session.execute(
        select(CoffeeMatchMember.match_id, CoffeeMatchMember.user_id, CoffeeDraw.number)
        .join(CoffeeMatch, CoffeeMatch.id == CoffeeMatchMember.match_id)
        .join(CoffeeDraw, CoffeeDraw.id == CoffeeMatch.draw_id)
        .where(CoffeeDraw.guild_id == guild_id)
    )
    members: dict[int, set[int]] = defaultdict(set)
    numbers: dict[int, int] = {}
    for match_id, user_id, number in rows.all():
        members[match_id].add(user_id)
        numbers[match_id] = number
    return [PastPairing(frozenset(users), numbers[match_id]) for match_id, users in members.items()]


async def _avoidances(session: AsyncSession, guild_id: int) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(CoffeeAvoidance.user_id, CoffeeAvoidance.other_id).where(CoffeeAvoidance.guild_id == guild_id)
    )
    return [(user, other) for user, other in rows.all()]


async def _match_members(session: AsyncSession, match_id: int) -> list[int]:
    rows = await session.scalars(
        select(CoffeeMatchMember.user_id)
        .where(CoffeeMatchMember.match_id == match_id)
        .order_by(CoffeeMatchMember.user_id)
    )
    return list(rows.all())


def _moments_field(moments: Moments, deadline: datetime, size: int) -> Field:
    """Say when the pair could meet: moments that suit everyone, or plainly that none does."""
    everyone = "you both" if size == 2 else "all of you"
    if moments.suited:
        times = "\n".join(f"• {format_dt(at, 'F')}" for at in moments.suited)
        return Field(
            f"Times that suit {everyone}",
            f"{times}\nInside everyone's waking hours ({_waking()}) and outside quiet hours; "
            "each shows on your own clock.",
        )
    if moments.least_awkward is None:
        return Field("When to meet", "The round is nearly over: say hello here and find a moment that suits.")
    awkward = ", ".join(f"{local} for <@{user}>" for user, local in moments.awkward_for)
    return Field(
        "No time suits everyone",
        f"Before {format_dt(deadline, 'D')} there is no moment inside everyone's waking hours "
        f"({_waking()}, outside quiet hours). The least awkward is "
        f"{format_dt(moments.least_awkward, 'F')} ({awkward}); "
        "or trade voice notes here instead.",
    )


def _waking() -> str:
    return "–".join(format_minutes(minute) for minute in WAKING)


def _sit_out_message(reason: str) -> OutgoingMessage:
    text = f"No coffee pairing for you this round: {reason}. You're in the draw again next round."
    return OutgoingMessage(cards=(Card(title="☕ Sitting this one out", description=text),))


def _follow_up_message(match_id: int) -> OutgoingMessage:
    return OutgoingMessage(
        cards=(
            Card(
                title="☕ Did you meet?",
                description="The round ends soon. Did you manage a call or a chat? "
                "Only the counts are shared with coordinators.",
            ),
        ),
        buttons=(
            Button(f"coffee:met:{match_id}:yes", "We met", "success"),
            Button(f"coffee:met:{match_id}:no", "Not this time", "secondary"),
        ),
    )
