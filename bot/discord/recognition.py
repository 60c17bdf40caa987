"""The RoleGiver port: gives a member a server role (a cycle's recognition) with one REST call."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)


class DiscordRoleGiver:
    """Gives roles through discord.py's HTTP client (no member cache or intent needed)."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def give_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> bool:
        """Give the role; False when Discord refuses (role above the bot's, deleted, member gone)."""
        try:
            await self._client.http.add_role(guild_id, user_id, role_id, reason=reason)
        except (discord.Forbidden, discord.NotFound) as error:
            log.warning(
                "could not give role %s to member %s in guild %s: %s",
                role_id,
                user_id,
                guild_id,
                error.status,
            )
            return False
        return True
