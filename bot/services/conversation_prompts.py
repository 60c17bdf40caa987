"""Light conversation prompts and quick-call suggestions: touch points where a hallway would be.

A prompt schedule posts one light prompt every few days, in a group's home or in a server-wide
lounge, at the moment of a chosen day window when most members are awake, and skips the day when
the place was active in the last few hours (the bot adds to quiet places and does not talk over
live ones). Prompts come from the built-in set or the server's own and never repeat before the
whole list has had its turn. Separately, when two members of a pair or small group are both
around and awake, the bot may suggest a quick call, at most once per period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import ConversationPromptSchedule, Group, GroupMember, MemberProfile
from bot.domain.conversation import (
    EVERY_DAYS_MAX,
    candidate_days,
    due_moment,
    next_moment,
    next_unused,
    parse_window,
)
from bot.domain.goals import Clock as MemberClock
from bot.domain.moments import Presence, shared_live_window, should_skip_for_activity
from bot.errors import Invalid
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.scheduling.claims import claim_day
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.groups import GroupService
from bot.services.profiles import group_clocks, member_clocks
from bot.services.prompt_library import prompts_in
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

SMALL_GROUP = 4  # a pair or a small group: in a bigger one a call suggestion is noise


@dataclass(frozen=True)
class PromptScheduleView:
    """A prompt schedule as facilitators and coordinators see it."""

    channel_id: int
    group_name: str | None  # None for a lounge
    every_days: int
    window: tuple[int, int]
    zone: str
    quiet_for_hours: int
    next_at: datetime | None


class ConversationPrompts:
    """Prompt schedules, their sweep, and call suggestions."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
        *,
        live_call_every: timedelta = timedelta(days=7),
        live_call_active_within: timedelta = timedelta(minutes=30),
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler
        self._call_every = live_call_every
        self._active_within = live_call_active_within

    async def schedule(
        self,
        guild_id: int,
        actor: Actor,
        *,
        group_ref: str | None = None,
        channel_id: int | None = None,
        every_days: int = 1,
        window: str = "10:00-16:00",
        quiet_for_hours: int = 3,
    ) -> PromptScheduleView:
        """Post light prompts in a group's home (its facilitators) or a lounge channel (coordinators)."""
        if not 1 <= every_days <= EVERY_DAYS_MAX:
            raise Invalid(f"Prompts can come every 1 to {EVERY_DAYS_MAX} days.")
        if not 0 <= quiet_for_hours <= 48:
            raise Invalid("Skip after activity within 0 to 48 hours.")
        start, end = parse_window(window)
        group_id, channel_id = await self._place(guild_id, actor, group_ref, channel_id)
        now = self._clock.now()
        async with self._db.transaction() as session:
            zone = (await self._settings.get_in(session, guild_id)).default_timezone
            row = await session.scalar(
                select(ConversationPromptSchedule).where(
                    ConversationPromptSchedule.guild_id == guild_id,
                    ConversationPromptSchedule.channel_id == channel_id,
                )
            )
            if row is None:
                row = ConversationPromptSchedule(guild_id=guild_id, channel_id=channel_id, used=[])
                session.add(row)
            row.group_id, row.every_days, row.zone = group_id, every_days, zone
            row.window_start, row.window_end, row.quiet_for_hours = start, end, quiet_for_hours
            row.anchor_day, row.created_by, row.created_at = now.date(), actor.user_id, now
            await session.flush()
            return await self._view(session, row, now)

    async def stop(
        self, guild_id: int, actor: Actor, *, group_ref: str | None = None, channel_id: int | None = None
    ) -> bool:
        """Stop a place's prompts; return whether it had a schedule."""
        _, channel_id = await self._place(guild_id, actor, group_ref, channel_id)
        async with self._db.transaction() as session:
            row = await session.scalar(
                select(ConversationPromptSchedule).where(
                    ConversationPromptSchedule.guild_id == guild_id,
                    ConversationPromptSchedule.channel_id == channel_id,
                )
            )
            if row is None:
                return False
            await session.delete(row)
            return True

    async def schedules(self, guild_id: int, actor: Actor) -> list[PromptScheduleView]:
        """Return every prompt schedule of the server (coordinators)."""
        await self._settings.require_coordinator(guild_id, actor, "see the prompt schedules")
        now = self._clock.now()
        async with self._db.reading() as session:
            rows = (
                await session.scalars(
                    select(ConversationPromptSchedule)
                    .where(ConversationPromptSchedule.guild_id == guild_id)
                    .order_by(ConversationPromptSchedule.id)
                )
            ).all()
            return [await self._view(session, row, now) for row in rows]

    async def set_live_calls(self, guild_id: int, actor: Actor, group_ref: str, on: bool) -> str:
        """Turn call suggestions on or off for a group (its facilitators); return its name."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "change call suggestions of")
        async with self._db.transaction() as session:
            await session.execute(update(Group).where(Group.id == group.id).values(live_calls=on))
        return group.name

    # -- the sweep ------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Post every prompt whose moment has come; suggest calls; return how many prompts were posted."""
        posted = await self._post_due()
        await self._suggest_calls()
        self._scheduler.run_soon("outbox")
        return posted

    async def _post_due(self) -> int:
        now = self._clock.now()
        posted = 0
        async with self._db.transaction() as session:
            rows = (
                await session.execute(
                    select(ConversationPromptSchedule, Group)
                    .outerjoin(Group, Group.id == ConversationPromptSchedule.group_id)
                    .where(
                        or_(Group.id.is_(None), Group.archived_at.is_(None)),
                        self._scheduler.scope.clause(ConversationPromptSchedule.guild_id),
                    )
                )
            ).all()
            for row, group in rows:
                if not candidate_days(
                    every_days=row.every_days,
                    anchor=row.anchor_day,
                    zone=row.zone,
                    now=now,
                    last_day=row.last_day,
                ):
                    continue  # posted (or skipped) today already: no need to read anyone's clock
                clocks = await self._clocks(session, row)
                due = due_moment(
                    clocks,
                    every_days=row.every_days,
                    anchor=row.anchor_day,
                    zone=row.zone,
                    window=(row.window_start, row.window_end),
                    now=now,
                    last_day=row.last_day,
                )
                if due is None or not await claim_day(session, row, due[0]):
                    continue
                last_activity = group.last_activity_at if group else row.last_activity_at
                if should_skip_for_activity(last_activity, now, timedelta(hours=row.quiet_for_hours)):
                    continue  # a live conversation needs no prompt
                prompt, row.used = next_unused(
                    await prompts_in(session, row.guild_id, "conversation"), row.used
                )
                channel_id = group.home_channel_id if group else row.channel_id
                if prompt is None or channel_id is None:
                    continue
                await enqueue(
                    session,
                    key=f"convo:{row.id}:{due[0]}",
                    target=Target("channel", channel_id),
                    message=OutgoingMessage(
                        cards=(
                            Card(
                                title=f"💬 {verbatim(prompt.topic.capitalize())}",
                                description=verbatim(prompt.text),
                            ),
                        )
                    ),
                    now=now,
                    guild_id=row.guild_id,
                )
                posted += 1
        return posted

    async def _suggest_calls(self) -> None:
        now = self._clock.now()
        async with self._db.transaction() as session:
            around = (
                select(GroupMember.group_id)
                .where(GroupMember.left_at.is_(None), GroupMember.last_active_at >= now - self._active_within)
                .group_by(GroupMember.group_id)
                .having(func.count() >= 2)
            )
            groups = (
                await session.scalars(
                    select(Group).where(
                        Group.id.in_(around),
                        Group.live_calls,
                        Group.archived_at.is_(None),
                        self._scheduler.scope.clause(Group.guild_id),
                        Group.home_channel_id.is_not(None),
                        or_(
                            Group.live_call_suggested_at.is_(None),
                            Group.live_call_suggested_at <= now - self._call_every,
                        ),
                    )
                )
            ).all()
            for group in groups:
                await self._maybe_suggest(session, group, now)

    async def _maybe_suggest(self, session: AsyncSession, group: Group, now: datetime) -> None:
        members = (
            await session.scalars(
                select(GroupMember).where(
                    GroupMember.group_id == group.id,
                    GroupMember.left_at.is_(None),
                    GroupMember.paused_at.is_(None),
                    GroupMember.agreed_at.is_not(None),
                )
            )
        ).all()
        if not 2 <= len(members) <= SMALL_GROUP:
            return
        clocks = await member_clocks(session, self._settings, group.guild_id, [m.user_id for m in members])
        for a, b in combinations(members, 2):
            if shared_live_window(
                Presence(clocks[a.user_id], a.last_active_at),
                Presence(clocks[b.user_id], b.last_active_at),
                now,
                active_within=self._active_within,
                last_suggested_at=group.live_call_suggested_at,
                period=self._call_every,
            ):
                group.live_call_suggested_at = now
                await enqueue(
                    session,
                    key=f"live-call:{group.id}:{now:%Y%m%d%H%M}",
                    target=Target("channel", group.home_channel_id),  # type: ignore[arg-type]
                    message=_call_message(a.user_id, b.user_id),
                    now=now,
                    guild_id=group.guild_id,
                )
                return

    # -- helpers --------------------------------------------------------------------------

    async def _place(
        self, guild_id: int, actor: Actor, group_ref: str | None, channel_id: int | None
    ) -> tuple[int | None, int]:
        """Return (group, channel) of the place a schedule is for, checking the actor's rights."""
        if (group_ref is None) == (channel_id is None):
            raise Invalid("Choose either a group or a lounge channel.")
        if group_ref is not None:
            group = await self._groups.require_manager(guild_id, actor, group_ref, "schedule prompts in")
            if group.home is None:
                raise Invalid(f"“{group.name}” has no home to post in yet (see `/group home`).")
            return group.id, group.home.channel_id
        await self._settings.require_coordinator(guild_id, actor, "schedule prompts in a lounge")
        assert channel_id is not None
        return None, channel_id

    async def _clocks(self, session: AsyncSession, row: ConversationPromptSchedule) -> list[MemberClock]:
        if row.group_id is not None:
            return await group_clocks(session, self._settings, row.guild_id, row.group_id)
        # A lounge is for everyone: the members who told the bot their zone, or the server's default.
        users = (
            await session.scalars(
                select(MemberProfile.user_id).where(
                    MemberProfile.guild_id == row.guild_id, MemberProfile.timezone.is_not(None)
                )
            )
        ).all()
        if not users:
            return [MemberClock(row.zone)]
        return list((await member_clocks(session, self._settings, row.guild_id, list(users))).values())

    async def _view(
        self, session: AsyncSession, row: ConversationPromptSchedule, now: datetime
    ) -> PromptScheduleView:
        group = await session.get(Group, row.group_id) if row.group_id else None
        upcoming = next_moment(
            await self._clocks(session, row),
            every_days=row.every_days,
            anchor=row.anchor_day,
            zone=row.zone,
            window=(row.window_start, row.window_end),
            now=now,
            last_day=row.last_day,
        )
        return PromptScheduleView(
            row.channel_id,
            group.name if group else None,
            row.every_days,
            (row.window_start, row.window_end),
            row.zone,
            row.quiet_for_hours,
            upcoming,
        )


def _call_message(a: int, b: int) -> OutgoingMessage:
    text = (
        f"<@{a}> and <@{b}>, you're both around right now. Fancy a quick 15-minute call? "
        "Hop into a voice channel, or use the call button in a DM. No pressure: this is the only "
        "suggestion for a while."
    )
    return OutgoingMessage(
        content=f"👋 <@{a}> <@{b}>",
        cards=(Card(title="Both here at the same time", description=text),),
        mention_user_ids=(a, b),
    )
