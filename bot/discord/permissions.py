"""What the bot needs in a channel a setting names, checked before the setting is saved."""

from __future__ import annotations

import discord

from bot.services.groups.homes import BotLacksPermission

Need = tuple[tuple[str, str], ...]  # (discord.Permissions flag, the name Discord's settings show)

# Posting cards (the moderation log, lounge prompts, a group's home).
POST: Need = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
# Opening a private thread per pair and talking in it (coffee).
PRIVATE_THREADS: Need = (
    ("view_channel", "View Channel"),
    ("create_private_threads", "Create Private Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
    ("embed_links", "Embed Links"),
)
# Creating a private home channel per group (the home category).
CREATE_HOMES: Need = (
    ("view_channel", "View Channel"),
    ("manage_channels", "Manage Channels"),
    ("manage_roles", "Manage Roles"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)


def missing(channel: discord.abc.GuildChannel | discord.Thread, needs: Need) -> list[str]:
    """Return the names of the permissions the bot lacks in ``channel``, in ``needs``' order."""
    permissions = channel.permissions_for(channel.guild.me)
    return [label for flag, label in needs if not getattr(permissions, flag)]


def require(channel: discord.abc.GuildChannel | discord.Thread, needs: Need) -> None:
    """Raise BotLacksPermission naming everything missing in ``channel`` (before saving anything)."""
    if lacking := missing(channel, needs):
        if isinstance(channel, discord.CategoryChannel):
            where = f"in the category **{channel.name}**"
        else:
            where = f"in {channel.mention}"
        raise BotLacksPermission(lacking, where, nothing_saved=True)
