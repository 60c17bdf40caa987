"""Channels the bot can no longer post in: recorded, and told to the coordinators once.

A group home deleted by hand, a channel whose permissions were changed, a prompt channel
removed: each failed post is an outbox outcome. The first failure for a channel and reason is
posted to the server's moderation log (where coordinators look) unless that is the channel in
trouble; later failures only count. The rest of the round goes on: the outbox never retries
these. A later successful post in the channel clears the problem, so a new breakage is told
again. ``/setup show`` lists the open problems for servers without a moderation log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import DeliveryProblem, GuildRecord, GuildSettings
from bot.db.upsert import insert_ignore
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import Outcome, enqueue

log = logging.getLogger(__name__)

REASONS = {
    "channel_missing": "the channel is gone (deleted, or I can no longer see it)",
    "missing_permissions": (
        "I'm missing a permission there (I need View Channel, Send Messages, Send Messages in "
        "Threads and Embed Links)"
    ),
}
# What a post was, by the start of its outbox key.
KINDS = {
    "checkin-digest": "check-in summary",
    "checkin-dm-notice": "closed-DMs notice",
    "checkin-share": "shared check-in answer",
    "coffee-followup": "coffee follow-up",
    "confidential": "confidentiality reminder",
    "convo": "conversation prompt",
    "goal-wins": "weekly wins",
    "live-call": "live-call suggestion",
    "meeting-announce": "meeting announcement",
    "meeting-cancelled": "meeting cancellation",
    "meeting-poll": "meeting poll",
    "modlog": "moderation log entry",
    "round-done": "discussion round summary",
    "spotlight": "discussion spotlight",
    "welcome": "welcome message",
}


@dataclass(frozen=True)
class Problem:
    """An open delivery problem, as ``/setup show`` lists it."""

    channel_id: int
    reason: str
    what: str
    first_seen_at: datetime
    failures: int

    @property
    def explanation(self) -> str:
        """Return the reason in plain words."""
        return REASONS.get(self.reason, self.reason)


class DeliveryProblems:
    """Records channels that refuse the bot's posts and tells coordinators once per channel."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # (server, channel) pairs with an open problem, read once: a post that worked then costs
        # no query unless its channel had one. The process that posts in a server is the one
        # that records its problems (the shard scope), so the set stays true.
        self._open: set[tuple[int, int]] | None = None

    async def on_outcome(self, outcome: Outcome) -> None:
        """Outbox listener for every message: record a refused channel, clear one that works again."""
        if outcome.target.kind != "channel" or outcome.guild_id is None:
            return
        if outcome.status == "sent":
            if (outcome.guild_id, outcome.target.id) in await self._open_pairs():
                await self._clear(outcome.guild_id, outcome.target.id)
        elif outcome.status == "failed" and outcome.failure in REASONS:
            what = KINDS.get(outcome.key.split(":", 1)[0], "message")
            await self.record(outcome.guild_id, outcome.target.id, outcome.failure, what)

    async def record(self, guild_id: int, channel_id: int, reason: str, what: str) -> bool:
        """Record that ``channel_id`` refused a post; return True when this is news (told once)."""
        now = self._clock.now()
        (await self._open_pairs()).add((guild_id, channel_id))
        async with self._db.transaction() as session:
            # A post refused in a server the bot has left is no news for anyone, and recording it
            # would leave a row behind that server's purge. The row lock orders us with a purge
            # (which locks the same row first): we see the server either still there or gone.
            server = await session.scalar(
                select(GuildRecord).where(GuildRecord.guild_id == guild_id).with_for_update()
            )
            if server is None or server.left_at is not None:
                return False
            values = {
                "guild_id": guild_id,
                "channel_id": channel_id,
                "reason": reason,
                "what": what,
                "first_seen_at": now,
                "last_seen_at": now,
                "failures": 1,
            }
            if not await insert_ignore(session, DeliveryProblem.__table__, values):
                problem = await session.scalar(
                    select(DeliveryProblem)
                    .where(
                        DeliveryProblem.guild_id == guild_id,
                        DeliveryProblem.channel_id == channel_id,
                        DeliveryProblem.reason == reason,
                    )
                    .with_for_update()
                )
                if problem is not None:
                    problem.failures += 1
                    problem.last_seen_at = now
                return False
            problem_id = await session.scalar(
                select(DeliveryProblem.id).where(
                    DeliveryProblem.guild_id == guild_id,
                    DeliveryProblem.channel_id == channel_id,
                    DeliveryProblem.reason == reason,
                )
            )
            log.warning("server %s: cannot post in channel %s (%s)", guild_id, channel_id, reason)
            settings = await session.get(GuildSettings, guild_id)
            log_channel = settings.modlog_channel_id if settings else None
            if log_channel is not None and log_channel != channel_id:
                await enqueue(
                    session,
                    key=f"delivery-problem:{problem_id}",
                    target=Target("channel", log_channel),
                    message=_notice(channel_id, reason, what),
                    now=now,
                    guild_id=guild_id,
                )
            return True

    async def open_problems(self, guild_id: int) -> list[Problem]:
        """Return the server's channels that refuse posts, newest first."""
        async with self._db.reading() as session:
            rows = await session.scalars(
                select(DeliveryProblem)
                .where(DeliveryProblem.guild_id == guild_id)
                .order_by(DeliveryProblem.first_seen_at.desc())
            )
            return [Problem(r.channel_id, r.reason, r.what, r.first_seen_at, r.failures) for r in rows]

    async def _open_pairs(self) -> set[tuple[int, int]]:
        if self._open is None:
            async with self._db.reading() as session:
                rows = await session.execute(select(DeliveryProblem.guild_id, DeliveryProblem.channel_id))
                self._open = {(guild_id, channel_id) for guild_id, channel_id in rows}
        return self._open

    async def _clear(self, guild_id: int, channel_id: int) -> None:
        (await self._open_pairs()).discard((guild_id, channel_id))
        async with self._db.transaction() as session:
            await session.execute(
                delete(DeliveryProblem).where(
                    DeliveryProblem.guild_id == guild_id, DeliveryProblem.channel_id == channel_id
                )
            )


def _notice(channel_id: int, reason: str, what: str) -> OutgoingMessage:
    text = (
        f"I couldn't post a {what} in <#{channel_id}>: {REASONS[reason]}. Other posts there will "
        "fail the same way until it is fixed; everything else carries on. I won't repeat this "
        "message for this channel."
    )
    return OutgoingMessage(cards=(Card(title="⚠️ I can't post in a channel", description=text),))
