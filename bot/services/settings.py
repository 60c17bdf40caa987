"""Each server's program settings, and who counts as a coordinator there."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, SystemClock
from bot.db.engine import Database
from bot.db.models import GuildSettings
from bot.db.upsert import locked_row
from bot.domain.groups import DEFAULT_CAREER_STAGES
from bot.domain.timezones import resolve_zone
from bot.errors import Invalid, NotAllowed
from bot.services.actors import Actor
from bot.services.checkin_plans import plan_again

STAGE_MAX = 40
STAGES_MAX = 12


@dataclass(frozen=True)
class ProgramSettings:
    """A server's settings, with defaults filled in."""

    guild_id: int
    coordinator_role_id: int | None
    home_category_id: int | None
    default_timezone: str
    career_stages: tuple[str, ...]
    modlog_channel_id: int | None = None

    def stage_index(self, label: str | None) -> int | None:
        """Return the position of a stage label on the ladder, or None."""
        if label is None:
            return None
        lowered = [s.lower() for s in self.career_stages]
        return lowered.index(label.lower()) if label.lower() in lowered else None


class SettingsService:
    """Reads and changes a server's program settings."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()

    async def get(self, guild_id: int) -> ProgramSettings:
        """Return the server's settings (defaults if it never changed any)."""
        async with self._db.reading() as session:
            return await self.get_in(session, guild_id)

    async def get_in(self, session: AsyncSession, guild_id: int) -> ProgramSettings:
        """Return the server's settings inside a unit of work that is already open."""
        row = await session.get(GuildSettings, guild_id)
        if row is None:
            return ProgramSettings(guild_id, None, None, "UTC", DEFAULT_CAREER_STAGES)
        return ProgramSettings(
            guild_id,
            row.coordinator_role_id,
            row.home_category_id,
            row.default_timezone,
            tuple(row.career_stages) if row.career_stages else DEFAULT_CAREER_STAGES,
            row.modlog_channel_id,
        )

    async def is_coordinator(self, guild_id: int, actor: Actor) -> bool:
        """Tell whether ``actor`` coordinates the program: an admin or holder of the coordinator role."""
        if actor.is_admin:
            return True
        async with self._db.reading() as session:
            return await self.is_coordinator_in(session, guild_id, actor)

    async def is_coordinator_in(self, session: AsyncSession, guild_id: int, actor: Actor) -> bool:
        """Tell whether ``actor`` coordinates the program, inside a unit of work that is already open."""
        if actor.is_admin:
            return True
        role_id = (await self.get_in(session, guild_id)).coordinator_role_id
        return role_id is not None and role_id in actor.role_ids

    async def require_coordinator(self, guild_id: int, actor: Actor, action: str) -> None:
        """Raise NotAllowed unless ``actor`` is a coordinator."""
        if not await self.is_coordinator(guild_id, actor):
            raise NotAllowed(
                f"Only coordinators can {action}. Coordinators are the server's administrators and "
                "members of the coordinator role (set with `/setup coordinator-role`)."
            )

    async def set_coordinator_role(self, guild_id: int, actor: Actor, role_id: int | None) -> ProgramSettings:
        """Choose the coordinator role; only administrators may (it grants coordinator rights)."""
        if not actor.is_admin:
            raise NotAllowed("Only server administrators (Manage Server) can choose the coordinator role.")
        return await self._change(guild_id, coordinator_role_id=role_id)

    async def set_home_category(
        self, guild_id: int, actor: Actor, category_id: int | None
    ) -> ProgramSettings:
        """Choose the category under which group homes are created."""
        await self.require_coordinator(guild_id, actor, "choose where group channels go")
        return await self._change(guild_id, home_category_id=category_id)

    async def set_modlog_channel(
        self, guild_id: int, actor: Actor, channel_id: int | None
    ) -> ProgramSettings:
        """Choose the channel where moderation actions and reports are posted for coordinators."""
        await self.require_coordinator(guild_id, actor, "choose the moderation log channel")
        return await self._change(guild_id, modlog_channel_id=channel_id)

    async def set_default_timezone(self, guild_id: int, actor: Actor, zone: str) -> ProgramSettings:
        """Choose the zone used for members who have not set theirs."""
        await self.require_coordinator(guild_id, actor, "change the default time zone")
        settings = await self._change(guild_id, default_timezone=resolve_zone(zone).key)
        async with self._db.transaction() as session:  # members without a zone of their own move with it
            await plan_again(session, self._clock.now(), guild_id=guild_id)
        return settings

    async def set_career_stages(self, guild_id: int, actor: Actor, stages: list[str]) -> ProgramSettings:
        """Replace the career ladder (most junior first)."""
        await self.require_coordinator(guild_id, actor, "change the career stages")
        cleaned = [" ".join(s.split()) for s in stages if s.strip()]
        if not 2 <= len(cleaned) <= STAGES_MAX:
            raise Invalid(f"Give between 2 and {STAGES_MAX} career stages, one per line, most junior first.")
        if any(len(s) > STAGE_MAX for s in cleaned):
            raise Invalid(f"Each career stage can be at most {STAGE_MAX} characters.")
        if len({s.lower() for s in cleaned}) != len(cleaned):
            raise Invalid("Each career stage must appear only once.")
        return await self._change(guild_id, career_stages=cleaned)

    async def _change(self, guild_id: int, **values: object) -> ProgramSettings:
        async with self._db.transaction() as session:
            row = await locked_row(session, GuildSettings, guild_id, default_timezone="UTC")
            for key, value in values.items():
                setattr(row, key, value)
        return await self.get(guild_id)
