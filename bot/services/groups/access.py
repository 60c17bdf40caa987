"""Who may see a group and who may manage it; the service's dependencies."""

from __future__ import annotations

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group
from bot.errors import NotAllowed, NotFound
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.groups.homes import GroupHomes
from bot.services.groups.queries import _find, _membership, _not_found
from bot.services.groups.views import GroupView, _view
from bot.services.settings import SettingsService


class GroupAccess:
    """The group service's dependencies and its rights checks (a part of :class:`GroupService`)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        scheduler: SchedulingEngine,
        homes: GroupHomes | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler
        self.homes = homes  # set by the runtime once the Discord client exists

    async def view_of(self, guild_id: int, group_id: int) -> GroupView:
        """Return a group without a rights check (for services that already checked)."""
        async with self._db.reading() as session:
            return await _view(session, await _find(session, guild_id, group_id))

    async def require_manager(self, guild_id: int, actor: Actor, ref: str | int, action: str) -> GroupView:
        """Return the group if ``actor`` coordinates the server or facilitates it, else raise."""
        group = await self._manageable(guild_id, actor, ref, action)
        async with self._db.reading() as session:
            return await _view(session, group)

    async def _manageable(self, guild_id: int, actor: Actor, ref: str | int, action: str) -> Group:
        """Return the group if ``actor`` coordinates the server or facilitates this group."""
        async with self._db.reading() as session:
            group = await _find(session, guild_id, ref)
            membership = await _membership(session, group.id, actor.user_id)
        if membership is not None and membership.role == "facilitator":
            return group
        if await self._settings.is_coordinator(guild_id, actor):
            return group
        if membership is None and not group.is_open:
            raise NotFound(_not_found(ref))  # a private group's existence is not revealed
        raise NotAllowed(f"Only coordinators and the facilitators of “{group.name}” can {action} it.")

    async def _can_see(self, guild_id: int, actor: Actor, group: Group) -> bool:
        async with self._db.reading() as session:
            member = await _membership(session, group.id, actor.user_id)
        return group.is_open or member is not None or await self._settings.is_coordinator(guild_id, actor)

    def _require_homes(self) -> GroupHomes:
        if self.homes is None:
            raise RuntimeError("GroupService.homes is not wired")
        return self.homes
