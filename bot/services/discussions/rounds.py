"""Discussion rounds: each member gets the spotlight in turn; the quiet ones get one private nudge.

A round belongs to an open discussion. The spotlight moves on when its member has spoken or
their turn is up. At the nudge time, members who have not spoken get one gentle DM in their
daytime, and the facilitators get the participation counts privately (never the content).
Every message goes through the outbox under a key naming its occasion, and each step is
recorded in the same unit of work as its messages, so a sweep run twice sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Discussion, DiscussionRound, Group, GroupMember, Participation
from bot.domain.discussions import check_round, next_spotlight, silent_members
from bot.domain.goals import Clock as MemberClock
from bot.domain.goals import nudge_moment
from bot.errors import Conflict, Invalid
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.discussions.service import counts_in, discussion_in
from bot.services.groups import GroupService
from bot.services.groups.queries import still_taking_part
from bot.services.profiles import member_clock
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim


@dataclass(frozen=True)
class RoundView:
    """A round as the facilitator sees it when it starts."""

    group_name: str
    thread_id: int
    order: tuple[int, ...]
    nudge_at: datetime


class DiscussionRounds:
    """Starts rounds and moves them along (a periodic sweep)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler

    async def start(
        self, guild_id: int, actor: Actor, thread_id: int, turn_minutes: int = 60, nudge_after_hours: int = 24
    ) -> RoundView:
        """Run an open discussion as a round (its facilitators and coordinators)."""
        check_round(turn_minutes, nudge_after_hours)
        async with self._db.transaction() as session:
            discussion = await discussion_in(session, guild_id, thread_id)
        group = await self._groups.require_manager(guild_id, actor, discussion.group_id, "run rounds in")
        if discussion.closed_at is not None:
            raise Conflict("This discussion is closed.")
        order = tuple(
            m.user_id for m in group.members if m.agreed and not m.paused and m.role != "facilitator"
        )
        if not order:
            raise Invalid(f"“{group.name}” has nobody to give the spotlight to yet.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            taken = await session.scalar(
                select(DiscussionRound.id).where(DiscussionRound.discussion_id == discussion.id)
            )
            if taken is not None:
                raise Conflict("This discussion already runs as a round.")
            row = DiscussionRound(
                discussion_id=discussion.id,
                guild_id=guild_id,
                started_by=actor.user_id,
                spotlight_order=list(order),
                position=0,
                turn_minutes=turn_minutes,
                turn_started_at=now,
                nudge_at=now + timedelta(hours=nudge_after_hours),
            )
            session.add(row)
            await session.flush()
            target = Target("channel", thread_id)
            await enqueue(
                session,
                key=f"round-intro:{row.id}",
                target=target,
                message=_intro(order, turn_minutes),
                now=now,
                guild_id=guild_id,
            )
            await _spotlight(session, row, thread_id, now)
        self._scheduler.run_soon("outbox")
        return RoundView(group.name, thread_id, order, now + timedelta(hours=nudge_after_hours))

    async def advance(self) -> int:
        """Move every round along: next spotlights, then nudges and summaries; return rounds touched."""
        now = self._clock.now()
        touched = 0
        async with self._db.transaction() as session:
            rounds = (
                await session.scalars(
                    select(DiscussionRound)
                    .where(
                        or_(DiscussionRound.finished_at.is_(None), DiscussionRound.nudged_at.is_(None)),
                        self._scheduler.scope.clause(DiscussionRound.guild_id),
                    )
                    .with_for_update(skip_locked=True)  # another process takes the rest
                )
            ).all()
            for row in rounds:
                discussion = await session.get(Discussion, row.discussion_id)
                assert discussion is not None
                if discussion.closed_at is not None:
                    # The closing note thanked everyone with the counts; nothing more to send.
                    row.finished_at = row.finished_at or now
                    row.nudged_at = row.nudged_at or now
                    continue
                if row.finished_at is None and _turn_over(row, now):
                    await self._next_turn(session, row, discussion, now)
                    touched += 1
                if row.nudged_at is None and now >= row.nudge_at:
                    await self._nudge(session, row, discussion, now)
                    touched += 1
        if touched:
            self._scheduler.run_soon("outbox")
        return touched

    async def _next_turn(
        self, session: AsyncSession, row: DiscussionRound, discussion: Discussion, now: datetime
    ) -> None:
        here = await _still_here(session, discussion.group_id)
        position = next_spotlight(row.spotlight_order, row.position, here)
        if position is None:
            row.finished_at = now
            await enqueue(
                session,
                key=f"round-done:{row.id}",
                target=Target("channel", discussion.thread_id),
                message=OutgoingMessage(
                    cards=(
                        Card(
                            title="🔦 Everyone has had the spotlight",
                            description="Thank you. The floor is open: respond to each other, "
                            "or add what came to you later.",
                        ),
                    )
                ),
                now=now,
                guild_id=row.guild_id,
            )
            return
        row.position, row.turn_started_at, row.turn_answered_at = position, now, None
        await _spotlight(session, row, discussion.thread_id, now)

    async def _nudge(
        self, session: AsyncSession, row: DiscussionRound, discussion: Discussion, now: datetime
    ) -> None:
        row.nudged_at = now
        group = await session.get(Group, discussion.group_id)
        assert group is not None
        counts = dict(await counts_in(session, discussion.id))
        here = await _still_here(session, discussion.group_id)
        link = f"https://discord.com/channels/{row.guild_id}/{discussion.thread_id}"
        for user_id in silent_members(row.spotlight_order, counts, here):
            clock = MemberClock(*await member_clock(session, self._settings, row.guild_id, user_id))
            await enqueue(
                session,
                key=f"round-nudge:{row.id}:{user_id}",
                target=Target("dm", user_id),
                message=_nudge_message(group.name, link),
                now=now,
                not_before=nudge_moment(now, clock),
                guild_id=row.guild_id,
            )
        facilitators = (
            await session.scalars(
                select(GroupMember.user_id).where(
                    GroupMember.group_id == group.id,
                    GroupMember.role == "facilitator",
                    GroupMember.left_at.is_(None),
                )
            )
        ).all()
        summary = _summary_message(group.name, link, row.spotlight_order, counts)
        for user_id in dict.fromkeys([*facilitators, row.started_by]):
            clock = MemberClock(*await member_clock(session, self._settings, row.guild_id, user_id))
            await enqueue(
                session,
                key=f"round-summary:{row.id}:{user_id}",
                target=Target("dm", user_id),
                message=summary,
                now=now,
                not_before=nudge_moment(now, clock),  # the counts can wait for their daytime too
                guild_id=row.guild_id,
            )

    async def nudges_still_wanted(self, keys: list[str]) -> set[str]:
        """Return which nudges of quiet members (outbox keys) are still worth sending.

        A nudge waits for its member's daytime; one who spoke meanwhile, or was paused or left the
        group, gets none.
        """
        wanted_for = {key: (int(key.split(":")[1]), int(key.split(":")[2])) for key in keys}
        async with self._db.reading() as session:
            rows = await session.execute(
                select(DiscussionRound.id, Discussion.id, Discussion.group_id)
                .join(Discussion, Discussion.id == DiscussionRound.discussion_id)
                .where(DiscussionRound.id.in_({round_id for round_id, _ in wanted_for.values()}))
            )
            place = {round_id: (discussion_id, group_id) for round_id, discussion_id, group_id in rows.all()}
            taking_part = await still_taking_part(
                session,
                {(place[r][1], user) for r, user in wanted_for.values() if r in place},
            )
            spoke = await session.execute(
                select(Participation.discussion_id, Participation.user_id).where(
                    Participation.discussion_id.in_({d for d, _ in place.values()}),
                    Participation.messages > 0,
                )
            )
            spoken = set(spoke.all())
        return {
            key
            for key, (round_id, user_id) in wanted_for.items()
            if round_id in place
            and (place[round_id][1], user_id) in taking_part
            and (place[round_id][0], user_id) not in spoken
        }


def _turn_over(row: DiscussionRound, now: datetime) -> bool:
    return row.turn_answered_at is not None or now >= row.turn_started_at + timedelta(
        minutes=row.turn_minutes
    )


async def _still_here(session: AsyncSession, group_id: int) -> set[int]:
    rows = await session.scalars(
        select(GroupMember.user_id).where(
            GroupMember.group_id == group_id, GroupMember.left_at.is_(None), GroupMember.paused_at.is_(None)
        )
    )
    return set(rows.all())


async def _spotlight(session: AsyncSession, row: DiscussionRound, thread_id: int, now: datetime) -> None:
    user_id = row.spotlight_order[row.position]
    left = len(row.spotlight_order) - row.position - 1
    text = (
        f"<@{user_id}>, the floor is yours: share your take on the prompt, in as many or as few "
        f"words as you like. Others: listen first, respond after."
    )
    await enqueue(
        session,
        key=f"spotlight:{row.id}:{row.position}",
        target=Target("channel", thread_id),
        message=OutgoingMessage(
            content=f"🔦 <@{user_id}>",
            cards=(
                Card(
                    title="Spotlight",
                    description=text,
                    footer=f"Turn {row.position + 1} of {len(row.spotlight_order)}"
                    + (f" · {left} after this" if left else " · the last turn"),
                ),
            ),
            mention_user_ids=(user_id,),
        ),
        now=now,
        guild_id=row.guild_id,
    )


def _intro(order: tuple[int, ...], turn_minutes: int) -> OutgoingMessage:
    turn = f"{turn_minutes} minutes" if turn_minutes < 120 else f"{turn_minutes // 60} hours"
    names = " → ".join(f"<@{user}>" for user in order)
    text = (
        "This discussion runs as a round: each member gets the spotlight in turn, for up to "
        f"{turn} or until they have spoken. Passing is fine.\n\nOrder: {names}"
    )
    return OutgoingMessage(cards=(Card(title="🔦 A round", description=text[:4000]),))


def _nudge_message(group_name: str, link: str) -> OutgoingMessage:
    text = (
        f"The round in **{verbatim(group_name)}** is still open and the group hasn't heard from you yet. "
        f"If you'd like to, add a few lines: even a short thought helps. [Go to the discussion]({link})\n\n"
        "No pressure if now isn't the time. This is the only reminder you'll get for this round."
    )
    return OutgoingMessage(cards=(Card(title="Your voice in the round", description=text),))


def _summary_message(group_name: str, link: str, order: list[int], counts: dict[int, int]) -> OutgoingMessage:
    lines = [
        f"<@{user}>: {counts.get(user, 0)} message{'s' if counts.get(user, 0) != 1 else ''}" for user in order
    ]
    others = [f"<@{user}>: {n}" for user, n in counts.items() if user not in order]
    text = "\n".join(lines + others) + f"\n\n[Go to the discussion]({link})"
    return OutgoingMessage(
        cards=(
            Card(
                title=f"Round participation · {verbatim(group_name)}",
                description=text[:4000],
                footer="Counts only; the bot keeps no content. Quiet members got one private nudge.",
            ),
        )
    )
