"""A program's own closing-survey outcomes: the seed program's by default, or the coordinators' list."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Database
from bot.db.models import GuildSettings
from bot.db.upsert import locked_row
from bot.domain.cycles import OUTCOMES
from bot.errors import Invalid
from bot.services.actors import Actor
from bot.services.settings import SettingsService

OUTCOMES_MAX = 10  # a checkbox group's options
OUTCOME_MAX = 100  # an option's label and value


async def outcomes_of(session: AsyncSession, guild_id: int) -> dict[str, str]:
    """Return the program's outcomes, key to label (a custom outcome's key is its label)."""
    row = await session.get(GuildSettings, guild_id)
    if row is None or not row.cycle_outcomes:
        return dict(OUTCOMES)
    return {label: label for label in row.cycle_outcomes}


class ProgramOutcomes:
    """Reads and sets the outcomes members tick in the closing survey."""

    def __init__(self, db: Database, settings: SettingsService) -> None:
        self._db = db
        self._settings = settings

    async def get(self, guild_id: int) -> dict[str, str]:
        """Return the program's outcomes."""
        async with self._db.reading() as session:
            return await outcomes_of(session, guild_id)

    async def set(self, guild_id: int, actor: Actor, text: str) -> dict[str, str]:
        """Set the outcomes, one per line (empty: back to the seed program's); coordinators only."""
        await self._settings.require_coordinator(guild_id, actor, "set the closing survey's outcomes")
        labels: list[str] = []
        for line in text.splitlines():
            label = " ".join(line.split())
            if label and label.casefold() not in (seen.casefold() for seen in labels):
                labels.append(label)
        if len(labels) > OUTCOMES_MAX:
            raise Invalid(f"List at most {OUTCOMES_MAX} outcomes (you listed {len(labels)}).")
        if any(len(label) > OUTCOME_MAX for label in labels):
            raise Invalid(f"Keep each outcome to {OUTCOME_MAX} characters.")
        async with self._db.transaction() as session:
            row = await locked_row(session, GuildSettings, guild_id)
            row.cycle_outcomes = labels or None
            return await outcomes_of(session, guild_id)
