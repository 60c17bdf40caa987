"""The program's audit log: coordinators' program-wide changes, beside the moderation actions.

They land in the same table as moderation (``moderation_log``, with no group) and, when the
server has a moderation log channel, are posted there for coordinators: who did what, from
where (Discord or the dashboard), with ids and counts only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ModerationRecord
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue

PLACES = {"discord": "in Discord", "web": "on the dashboard"}


async def record_program_action(
    session: AsyncSession,
    *,
    guild_id: int,
    actor_id: int,
    action: str,
    summary: str,
    details: dict[str, Any],
    modlog_channel_id: int | None,
    now: datetime,
) -> ModerationRecord:
    """Record a program-wide change in the unit of work that makes it; post it to the log channel.

    ``summary`` completes "<@actor> …" (e.g. "confirmed 3 proposed matches"); ``details`` holds
    ids and counts and says ``via`` which door it came through.
    """
    record = ModerationRecord(
        guild_id=guild_id, actor_id=actor_id, action=action, details=details, created_at=now
    )
    session.add(record)
    await session.flush()
    if modlog_channel_id is not None:
        place = PLACES.get(str(details.get("via")), "")
        await enqueue(
            session,
            key=f"modlog:{record.id}",
            target=Target("channel", modlog_channel_id),
            message=OutgoingMessage(
                cards=(Card(title="Program", description=f"<@{actor_id}> {summary} {place}".strip()),)
            ),
            now=now,
            guild_id=guild_id,
        )
    return record
