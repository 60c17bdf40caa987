"""Members who left the server: noticed when their DMs fail, taken out of their groups, told once.

Without the privileged members intent the bot hears of no departure. A DM refused with
"cannot send messages to this user" is the sign: one request then asks Discord whether the
person is still a member. Someone who left is taken out of their groups (their history stays
for the group's counts), what was still waiting for them is dropped, and the coordinators read
it once in the moderation log. Someone still here just has closed DMs, which the check-in
fallback already handles.
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import select, update

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group, GroupMember, GuildSettings, OutboxMessage
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import Outcome, enqueue
from bot.services.checkin_plans import cancel_waiting_checkins
from bot.services.verbatim import verbatim

log = logging.getLogger(__name__)


class MemberDirectory(Protocol):
    """Asks Discord who is in a server."""

    async def is_member(self, guild_id: int, user_id: int) -> bool | None:
        """Return whether the user is in the server, or None when Discord could not say."""
        ...


class Departures:
    """Outbox listener: a refused DM may mean the member left the server."""

    def __init__(self, db: Database, clock: Clock, directory: MemberDirectory | None = None) -> None:
        self._db = db
        self._clock = clock
        self.directory = directory  # set by the runtime

    async def on_outcome(self, outcome: Outcome) -> None:
        """Check whether someone whose DM was refused as closed is still a member."""
        if outcome.target.kind != "dm" or outcome.failure != "dm_closed" or outcome.guild_id is None:
            return
        if self.directory is None:
            return
        if await self.directory.is_member(outcome.guild_id, outcome.target.id) is False:
            await self.left(outcome.guild_id, outcome.target.id)

    async def left(self, guild_id: int, user_id: int) -> list[str]:
        """Take ``user_id`` out of every group of the server; return the groups' names (told once)."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            rows = (
                await session.execute(
                    select(GroupMember, Group.name)
                    .join(Group, Group.id == GroupMember.group_id)
                    .where(
                        GroupMember.guild_id == guild_id,
                        GroupMember.user_id == user_id,
                        GroupMember.left_at.is_(None),
                    )
                    .with_for_update(of=GroupMember)
                )
            ).all()
            if not rows:
                return []  # not in any group, or already handled
            for membership, _ in rows:
                membership.left_at = now
            # Their check-ins go with the DMs: figures count no check-in nobody could be sent.
            await cancel_waiting_checkins(session, now, guild_id=guild_id, user_id=user_id)
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.guild_id == guild_id,
                    OutboxMessage.target_kind == "dm",
                    OutboxMessage.target_id == user_id,
                    OutboxMessage.status == "pending",
                )
                .values(status="cancelled")
            )
            names = sorted(name for _, name in rows)
            log.info("server %s: member %s left; out of %d groups", guild_id, user_id, len(names))
            settings = await session.get(GuildSettings, guild_id)
            if settings is not None and settings.modlog_channel_id is not None:
                groups = ", ".join(f"“{verbatim(name)}”" for name in names)
                await enqueue(
                    session,
                    key=f"departure:{guild_id}:{user_id}:{now:%Y%m%dT%H%M%S}",
                    target=Target("channel", settings.modlog_channel_id),
                    message=OutgoingMessage(
                        cards=(
                            Card(
                                title="A member left the server",
                                description=(
                                    f"<@{user_id}> is no longer in this server, so I took them out of "
                                    f"{groups}. Their past check-ins still count in the groups' figures."
                                ),
                            ),
                        )
                    ),
                    now=now,
                    guild_id=guild_id,
                )
            return names
