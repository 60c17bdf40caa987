"""Who is looking at a server's pages, and what they may see there: 403 for everyone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.errors import NotAllowed
from bot.services.actors import Actor
from bot.services.dashboard import Access
from bot.web.auth import signed_in
from bot.web.context import CONTEXT
from bot.web.sessions import Session

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 7, 3650, 90
PERIODS = (30, 90, 180, 365)


@dataclass(frozen=True)
class Viewer:
    """A signed-in coordinator or facilitator looking at one server."""

    session: Session
    actor: Actor
    access: Access
    server_name: str
    zone: str
    zone_is_own: bool  # False: the server's default zone, as the bot assumes for them

    @property
    def guild_id(self) -> int:
        """Return the server's id."""
        return self.access.guild_id

    def when(self, moment: datetime | None, *, with_zone: bool = True) -> str:
        """Return a moment as the viewer reads it, in their time zone."""
        if moment is None:
            return "—"
        local = moment.astimezone(ZoneInfo(self.zone))
        text = f"{local:%a %d %b %Y, %H:%M}"
        return f"{text} {local:%Z}" if with_zone else text


async def viewer(request: web.Request, *, coordinator: bool = False, group_id: int | None = None) -> Viewer:
    """Return the viewer of ``/guilds/{guild_id}/…``; NotAllowed (403) unless they may see it."""
    session = signed_in(request)
    context = request.app[CONTEXT]
    guild_id = int(request.match_info["guild_id"])
    actor = await context.directory.actor(guild_id, session.user_id)
    if actor is None:
        raise NotAllowed("This dashboard is for the coordinators and facilitators of the server.")
    access = await context.services.dashboard.access(guild_id, actor)
    if coordinator and not access.coordinator:
        raise NotAllowed("Only the server's coordinators can see this page.")
    if group_id is not None and not access.may_see(group_id):
        raise NotAllowed("Facilitators see only the groups they facilitate.")
    zone, own = await context.services.dashboard.viewer_zone(guild_id, session.user_id)
    return Viewer(session, actor, access, context.directory.guild_name(guild_id), zone, own)


def days_of(request: web.Request) -> int:
    """Return the report period asked for in ``?days=`` (90 by default); 400 for nonsense."""
    raw = request.query.get("days", str(DEFAULT_DAYS))
    if not raw.isdecimal() or not MIN_DAYS <= int(raw) <= MAX_DAYS:
        raise web.HTTPBadRequest(text=f"Choose a period of {MIN_DAYS} to {MAX_DAYS} days.")
    return int(raw)
