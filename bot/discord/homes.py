"""The GroupHomes port implemented with discord.py: private channels and their access."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable

import discord

from bot.discord import lookup
from bot.discord.audit import audit_reason
from bot.errors import Invalid, NotFound
from bot.services.actors import Audit
from bot.services.groups.homes import BotLacksPermission, Home, HomeGone

MEMBER_ACCESS = discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True)
BOT_ACCESS = discord.PermissionOverwrite(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,
    manage_threads=True,
    manage_messages=True,
)
_CHANNEL_NAME = re.compile(r"[^a-z0-9_\-]+")


def channel_name(group_name: str) -> str:
    """Return a Discord text-channel name for a group ("Writing Circle" -> "writing-circle")."""
    slug = _CHANNEL_NAME.sub("-", group_name.lower()).strip("-")
    return (slug or "group")[:100]


class DiscordGroupHomes:
    """Creates group homes and keeps their access in step with membership."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def create_home(
        self, guild_id: int, name: str, category_id: int | None, member_ids: Iterable[int]
    ) -> Home:
        """Create a private text channel that only the members and the bot can see."""
        guild = await lookup.server(self._client, guild_id)
        category = None
        if category_id is not None:
            category = guild.get_channel(category_id)
            if not isinstance(category, discord.CategoryChannel):
                raise Invalid(
                    "The category for group channels no longer exists. "
                    "A coordinator can choose another with `/setup home-category`."
                )
        where = f"in the category **{category.name}**" if category else "in this server"
        permissions = category.permissions_for(guild.me) if category else guild.me.guild_permissions
        needed = ("manage_channels", "manage_roles", "view_channel", "send_messages", "embed_links")
        _require(permissions, where, *needed)
        overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            guild.me: BOT_ACCESS,
        }
        for user_id in member_ids:
            overwrites[await lookup.member(guild, user_id)] = MEMBER_ACCESS
        try:
            channel = await guild.create_text_channel(
                channel_name(name),
                category=category,
                overwrites=overwrites,  # type: ignore[arg-type]
                topic=f"Home of the mentoring group “{name}”. Only its members can see this channel.",
                reason=f"Home of the mentoring group {name}",
            )
        except discord.Forbidden:
            raise BotLacksPermission("Manage Channels", where) from None
        return Home("channel", channel.id)

    async def link_home(self, guild_id: int, channel_id: int) -> Home:
        """Check that an existing channel or thread can be a group's home."""
        guild = await lookup.server(self._client, guild_id)
        channel = await lookup.place(guild, channel_id)
        if channel is None:
            raise NotFound(
                "I can't see that channel. Pick a text channel or thread of this server that I can view."
            )
        where = f"in {channel.mention}"
        permissions = channel.permissions_for(guild.me)
        if isinstance(channel, discord.Thread):
            needed = ("view_channel", "send_messages_in_threads", "embed_links", "manage_threads")
            _require(permissions, where, *needed)
            return Home("linked_thread", channel.id)
        if not isinstance(channel, discord.TextChannel):
            raise Invalid("A group's home must be a text channel or a thread.")
        _require(permissions, where, "view_channel", "send_messages", "embed_links", "manage_roles")
        return Home("linked_channel", channel.id)

    async def grant(self, guild_id: int, home: Home, user_id: int, audit: Audit | None = None) -> None:
        """Let a member see and talk in the home."""
        guild = await lookup.server(self._client, guild_id)
        member = await lookup.member(guild, user_id)
        channel = await self._home_channel(guild, home)
        try:
            if isinstance(channel, discord.Thread):
                await channel.add_user(member)
            else:
                _require(channel.permissions_for(guild.me), f"in {channel.mention}", "manage_roles")
                reason = audit_reason(guild, audit, "joined the mentoring group")
                await channel.set_permissions(member, overwrite=MEMBER_ACCESS, reason=reason)
        except discord.Forbidden:
            raise BotLacksPermission(
                "Manage Threads" if isinstance(channel, discord.Thread) else "Manage Roles",
                f"in {channel.mention}",
            ) from None

    async def revoke(self, guild_id: int, home: Home, user_id: int, audit: Audit | None = None) -> None:
        """Take a member's access to the home away (they may already have left the server)."""
        try:
            guild = await lookup.server(self._client, guild_id)
            channel = await self._home_channel(guild, home)
        except (HomeGone, NotFound):
            return  # nothing left to protect (the channel, or the bot's place in the server, is gone)
        try:
            if isinstance(channel, discord.Thread):
                await channel.remove_user(discord.Object(user_id))
            else:
                _require(channel.permissions_for(guild.me), f"in {channel.mention}", "manage_roles")
                reason = audit_reason(guild, audit, "left the mentoring group")
                await self._client.http.delete_channel_permissions(channel.id, user_id, reason=reason)
        except discord.NotFound:
            return  # no overwrite or thread membership to remove
        except discord.Forbidden:
            raise BotLacksPermission(
                "Manage Threads" if isinstance(channel, discord.Thread) else "Manage Roles",
                f"in {channel.mention}",
            ) from None

    async def delete_home(self, guild_id: int, home: Home) -> None:
        """Delete a channel the bot created (to undo a creation that could not be recorded)."""
        if home.kind != "channel":
            return
        with contextlib.suppress(discord.HTTPException):
            await self._client.http.delete_channel(home.channel_id, reason="undo a group creation")


    async def _home_channel(self, guild: discord.Guild, home: Home) -> discord.TextChannel | discord.Thread:
        channel = await lookup.place(guild, home.channel_id)
        if channel is None:
            raise HomeGone(
                "This group's channel was deleted or hidden from me. "
                "A coordinator can give the group a new home with `/group home`."
            )
        return channel  # type: ignore[return-value]


def _require(permissions: discord.Permissions, where: str, *names: str) -> None:
    if missing := [name.replace("_", " ").title() for name in names if not getattr(permissions, name)]:
        raise BotLacksPermission(missing, where)  # all of them at once: one trip to the settings
