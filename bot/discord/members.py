"""The MemberDirectory port implemented with discord.py: one REST call, no privileged intent."""

from __future__ import annotations

import discord

_UNKNOWN_MEMBER = 10007


class DiscordMemberDirectory:
    """Asks Discord whether someone is (still) in a server."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def is_member(self, guild_id: int, user_id: int) -> bool | None:
        """Return whether the user is in the server; None when Discord could not say (removed, outage)."""
        try:
            await self._client.http.get_member(guild_id, user_id)
        except discord.NotFound as error:
            return False if error.code == _UNKNOWN_MEMBER else None
        except discord.HTTPException:
            return None
        return True
