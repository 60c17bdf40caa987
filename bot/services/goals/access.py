"""The goal service's dependencies, and what every part needs: the owner's goal, their day."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Goal
from bot.errors import Invalid, NotAllowed, NotFound
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.goals.queries import _find, _may_see, _not_found
from bot.services.groups import GroupService
from bot.services.profiles import member_clock
from bot.services.settings import SettingsService


class GoalAccess:
    """The goal service's dependencies and shared checks (a part of :class:`GoalService`)."""

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

    async def _own_goal(
        self, session: AsyncSession, guild_id: int, owner: Actor, ref: str, *, allow_closed: bool = False
    ) -> Goal:
        goal = await _find(session, guild_id, ref, for_update=True)
        if goal.owner_id != owner.user_id:
            if await _may_see(session, goal, owner.user_id):
                raise NotAllowed("Only the goal's owner can change it; as a partner you can cheer it on.")
            raise NotFound(_not_found(ref))
        if goal.status in ("done", "dropped") and not allow_closed:
            raise Invalid(f"“{goal.title}” is {goal.status}; make it active again to change it.")
        return goal

    async def _today(self, session: AsyncSession, guild_id: int, user_id: int) -> date:
        return self._clock.now().astimezone(ZoneInfo(await self._zone(session, guild_id, user_id))).date()

    async def _zone(self, session: AsyncSession, guild_id: int, user_id: int) -> str:
        return (await member_clock(session, self._settings, guild_id, user_id))[0]
