"""A group's ground rules and their version (a new version asks everyone to agree again)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GroundRules
from bot.domain.discussions import DEFAULT_GROUND_RULES


async def rules_of(session: AsyncSession, group_id: int) -> tuple[tuple[str, ...], int]:
    """Return a group's ground rules (its own or the default set) and their version."""
    row = await session.get(GroundRules, group_id)
    return (tuple(row.rules), row.version) if row else (DEFAULT_GROUND_RULES, 0)
