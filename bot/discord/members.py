"""Members as the services see them: the MemberDirectory port, and the facts rights depend on.

The port asks Discord with one REST call and needs no privileged intent.
"""

from __future__ import annotations

import discord

from bot.services.actors import Actor

_UNKNOWN_MEMBER = 10007


def member_actor(member: discord.Member) -> Actor:
    """Return the facts about a member that the services check rights against.

    One rule for every door: slash commands (the interaction's member) and the dashboard (the
    member fetched by REST) both ask here.
    """
    permissions = member.guild_permissions
    return Actor(
        member.id,
        is_admin=permissions.administrator or permissions.manage_guild,
        role_ids=frozenset(role.id for role in member.roles),
        name=member.display_name,
    )


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
