"""The ModerationActions port implemented with discord.py, checking the bot's own permissions first."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.discord import lookup
from bot.discord.audit import audit_reason
from bot.errors import NotFound, Unavailable
from bot.services.actors import Audit
from bot.services.groups.homes import BotLacksPermission


class DiscordModeration:
    """Locks, slow mode, timeouts and message removal."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def set_locked(self, guild_id: int, thread_id: int, locked: bool, audit: Audit) -> None:
        """Lock or unlock a thread."""
        thread = await self._channel(guild_id, thread_id)
        self._require(thread, "manage_threads", "Manage Threads")
        reason = audit_reason(thread.guild, audit, "lock" if locked else "unlock")
        await self._call(thread.edit(locked=locked, reason=reason), "Manage Threads", thread)  # type: ignore[union-attr]

    async def set_slowmode(self, guild_id: int, channel_id: int, seconds: int, audit: Audit) -> None:
        """Set slow mode on a channel or thread."""
        channel = await self._channel(guild_id, channel_id)
        needed = (
            ("manage_threads", "Manage Threads")
            if isinstance(channel, discord.Thread)
            else ("manage_channels", "Manage Channels")
        )
        self._require(channel, *needed)
        reason = audit_reason(channel.guild, audit, "slow mode")
        await self._call(channel.edit(slowmode_delay=seconds, reason=reason), needed[1], channel)  # type: ignore[union-attr]

    async def timeout(self, guild_id: int, user_id: int, until: datetime | None, audit: Audit) -> None:
        """Time a member out, or lift it."""
        guild = await lookup.server(self._client, guild_id)
        if not guild.me.guild_permissions.moderate_members:
            raise BotLacksPermission("Moderate Members", "in this server")
        member = await lookup.member(guild, user_id)
        try:
            await member.edit(timed_out_until=until, reason=audit_reason(guild, audit, "timeout"))
        except discord.Forbidden:
            raise BotLacksPermission(
                "Moderate Members", "over this member (they rank above me or are an administrator)"
            ) from None

    async def delete_message(self, guild_id: int, channel_id: int, message_id: int, audit: Audit) -> int:
        """Delete a message and return its author's id."""
        channel = await self._channel(guild_id, channel_id)
        self._require(channel, "manage_messages", "Manage Messages")
        try:
            message = await channel.fetch_message(message_id)  # type: ignore[union-attr]
        except discord.NotFound as error:
            if error.code != lookup.UNKNOWN_MESSAGE:
                raise Unavailable() from None
            raise NotFound("That message no longer exists.") from None
        # Message.delete (and delete_messages of one) drops the reason; the HTTP call keeps it.
        delete = self._client.http.delete_message(
            channel.id, message.id, reason=audit_reason(channel.guild, audit, "message removed")
        )
        await self._call(delete, "Manage Messages", channel)
        return message.author.id

    async def _channel(self, guild_id: int, channel_id: int) -> lookup.Place:
        channel = await lookup.place(await lookup.server(self._client, guild_id), channel_id)
        if channel is None:
            raise NotFound("That channel or thread no longer exists (or I can't see it).")
        return channel

    def _require(
        self, channel: discord.abc.GuildChannel | discord.Thread, permission: str, label: str
    ) -> None:
        if not getattr(channel.permissions_for(channel.guild.me), permission):
            raise BotLacksPermission(label, f"in {channel.mention}")

    async def _call(self, action, label: str, channel: discord.abc.GuildChannel | discord.Thread) -> None:  # noqa: ANN001
        try:
            await action
        except discord.Forbidden:
            raise BotLacksPermission(label, f"in {channel.mention}") from None
