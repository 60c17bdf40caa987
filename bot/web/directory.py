"""Who a person is in a server, asked of Discord with the bot's token (no privileged intent).

The facts are the ones slash commands get with an interaction (``bot.discord.members.member_actor``:
the member's roles and whether they administer the server), fetched by REST and kept a minute, so
that a removed role stops counting quickly. Names are kept ten minutes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import discord

from bot.discord.members import member_actor
from bot.services.actors import Actor

ACTOR_SECONDS = 60.0
NAME_SECONDS = 600.0
_CONCURRENT = 4


class DiscordUnavailable(Exception):
    """Discord did not answer; the page cannot say who is asking."""


class MemberDirectory:
    """Looks people up in servers through a discord.py client's REST API."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client
        self._actors: dict[tuple[int, int], tuple[float, Actor | None]] = {}
        self._names: dict[tuple[int, int], tuple[float, str]] = {}
        self._guild_names: dict[int, str] = {}
        self._limit = asyncio.Semaphore(_CONCURRENT)

    async def actor(self, guild_id: int, user_id: int, *, fresh: bool = False) -> Actor | None:
        """Return the person as the services know actors, or None if they are not in the server."""
        key = (guild_id, user_id)
        cached = self._actors.get(key)
        if not fresh and cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with self._limit:
                guild = await self._client.fetch_guild(guild_id, with_counts=False)
                self._guild_names[guild_id] = guild.name
                member = await guild.fetch_member(user_id)
        except (discord.NotFound, discord.Forbidden):  # not a member, or a server the bot is not in
            found = None
        except (discord.HTTPException, OSError) as error:
            raise DiscordUnavailable(str(error)) from error
        else:
            found = member_actor(member)
            self._names[key] = (time.monotonic() + NAME_SECONDS, member.display_name)
        self._actors[key] = (time.monotonic() + ACTOR_SECONDS, found)
        return found

    def guild_name(self, guild_id: int) -> str:
        """Return the server's name as last fetched (its id before that)."""
        return self._guild_names.get(guild_id, f"Server {guild_id}")

    async def names(self, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        """Return display names by user id ("member <id>" for someone Discord no longer knows here)."""
        wanted = list(dict.fromkeys(user_ids))
        now = time.monotonic()
        missing = [u for u in wanted if (hit := self._names.get((guild_id, u))) is None or hit[0] <= now]
        await asyncio.gather(*(self._fetch_name(guild_id, user_id) for user_id in missing))
        return {u: self._names.get((guild_id, u), (0.0, f"member {u}"))[1] for u in wanted}

    async def _fetch_name(self, guild_id: int, user_id: int) -> None:
        try:
            async with self._limit:
                data = await self._client.http.get_member(guild_id, user_id)
        except (discord.NotFound, discord.Forbidden):
            name = f"member {user_id}"  # left the server: as /match names them too
        except (discord.HTTPException, OSError):
            return  # shown by id this time
        else:
            user = data["user"]
            name = data.get("nick") or user.get("global_name") or user["username"]
        self._names[(guild_id, user_id)] = (time.monotonic() + NAME_SECONDS, name)
