"""Every service the cogs use, built once in the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.messaging.outbox import OutboxDispatcher
from bot.scheduling.engine import SchedulingEngine
from bot.services.guilds import GuildService
from bot.services.profiles import ProfileService


@dataclass
class Services:
    """The application's services; cogs reach them as ``bot.services``."""

    settings: Settings
    db: Database
    clock: Clock
    scheduler: SchedulingEngine
    guilds: GuildService
    profiles: ProfileService
    # Needs the connected bot to send, so the runtime sets it after building the bot.
    outbox: OutboxDispatcher | None = field(default=None)

    @classmethod
    def build(cls, settings: Settings, db: Database, clock: Clock) -> Services:
        """Wire the services to one database and one clock."""
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            scheduler=SchedulingEngine(db, clock),
            guilds=GuildService(db, clock),
            profiles=ProfileService(db, clock),
        )
