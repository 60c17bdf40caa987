"""The DiscussionSpaces port implemented with discord.py."""

from __future__ import annotations

import discord

from bot.discord import lookup
from bot.discord.audit import audit_reason
from bot.discord.rendering import render_message
from bot.errors import NotFound
from bot.messaging import OutgoingMessage
from bot.services.actors import Audit
from bot.services.groups.homes import BotLacksPermission


class DiscordDiscussionSpaces:
    """Threads in group homes: open with a post and the members, close with a note."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def open_thread(
        self,
        guild_id: int,
        channel_id: int,
        name: str,
        opening: OutgoingMessage,
        member_ids: list[int],
        *,
        private: bool = False,
    ) -> int:
        """Create a thread, post the opening message and add the members.

        A group's discussion is a public thread (the home is private, so only members see it); a
        coffee pair meets in a private thread of a shared channel.
        """
        channel = await self._channel(guild_id, channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise NotFound(
                "That channel no longer exists; a coordinator can choose another "
                "(`/group home` for a group, `/coffee setup` for coffee pairings)."
            )
        permissions = channel.permissions_for(channel.guild.me)
        if private:
            create = ("create_private_threads", "Create Private Threads")
        else:
            create = ("create_public_threads", "Create Public Threads")
        for flag, label in (create, ("send_messages_in_threads", "Send Messages in Threads")):
            if not getattr(permissions, flag):
                raise BotLacksPermission(label, f"in {channel.mention}")
        kind = discord.ChannelType.private_thread if private else discord.ChannelType.public_thread
        try:
            thread = await channel.create_thread(name=name, type=kind, invitable=not private)
            content, embeds, view = render_message(opening)
            await thread.send(content=content, embeds=embeds, view=view)
            for user_id in member_ids:
                await thread.add_user(discord.Object(user_id))
        except discord.Forbidden:
            raise BotLacksPermission(create[1], f"in {channel.mention}") from None
        return thread.id

    async def close_thread(
        self, guild_id: int, thread_id: int, closing: OutgoingMessage, audit: Audit | None = None
    ) -> None:
        """Post the closing note, then archive and lock."""
        thread = await self._channel(guild_id, thread_id)
        if not isinstance(thread, discord.Thread):
            raise NotFound("That discussion thread no longer exists.")
        if not thread.permissions_for(thread.guild.me).manage_threads:
            raise BotLacksPermission("Manage Threads", f"in {thread.mention}")
        content, embeds, view = render_message(closing)
        await thread.send(content=content, embeds=embeds, view=view)
        reason = audit_reason(thread.guild, audit, "the discussion's time is up")
        await thread.edit(archived=True, locked=True, reason=reason)

    async def post(self, guild_id: int, channel_id: int, message: OutgoingMessage) -> None:
        """Post a message now."""
        channel = await self._channel(guild_id, channel_id)
        content, embeds, view = render_message(message)
        try:
            await channel.send(content=content, embeds=embeds, view=view)  # type: ignore[union-attr]
        except discord.Forbidden:
            raise BotLacksPermission("Send Messages", f"in {channel.mention}") from None  # type: ignore[union-attr]

    async def _channel(self, guild_id: int, channel_id: int) -> lookup.Place:
        channel = await lookup.place(await lookup.server(self._client, guild_id), channel_id)
        if channel is None:
            raise NotFound("That channel or thread no longer exists (or I can't see it).")
        return channel
