"""Keeps the record of servers the bot is in, and counts activity in group homes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import discord
from discord.ext import commands

from bot.app import MentorBot

log = logging.getLogger(__name__)


class Guilds(commands.Cog):
    """Listens to the bot joining and leaving servers."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Record a server the bot was invited to."""
        await self.bot.services.guilds.joined(guild.id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Record servers seen at start-up (joined while the bot was offline) or back after an outage."""
        # At start-up all of a shard's servers arrive at once: recorded together, not one by one.
        await self.bot.services.guilds.arrived(guild.id)

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """Record the shard's servers; start the grace period of those that removed the bot meanwhile."""
        # discord.py (AutoShardedConnectionState) fires shard_ready after every guild_available of
        # the shard's READY, and lists in its cache every server READY named, unavailable ones
        # too: ``present`` is complete even if some arrivals were not recorded (a database error).
        shard = [guild for guild in self.bot.guilds if guild.shard_id == shard_id]
        present = [guild.id for guild in shard]
        guilds = self.bot.services.guilds
        gone = await guilds.reconcile(shard_id, self.bot.shard_count or 1, present)
        # A server that invited the bot again while this ran was recorded and then marked.
        if rejoined := [guild_id for guild_id in gone if self.bot.get_guild(guild_id) is not None]:
            await guilds.present(rejoined)
        written = await self._count_messages_while_away(shard_id, shard)
        log.info(
            "shard %d ready: %d servers recorded, %d marked as left, %s",
            shard_id,
            len(present),
            len(gone),
            "no time away" if written is None else f"{written} channels written in while the bot was away",
        )

    async def _count_messages_while_away(self, shard_id: int, shard: list[discord.Guild]) -> int | None:
        """Count what was written in homes and lounges while the bot was down, then let the rescue run.

        Return in how many channels, or None when there was no time away to look back over.
        """
        services = self.bot.services
        written: int | None = None
        if (away := services.watch.away()) is not None:
            latest = written_between(shard, *away)
            await services.activity.written_while_away(latest)
            written = len(latest)
        services.watch.caught_up(shard_id, self.bot.shard_count or 1)
        services.scheduler.run_soon("rescue")
        services.scheduler.run_soon("watch")
        return written

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Count a message in a group's home as a sign of life (its text is never read or kept)."""
        if message.guild is not None and not message.author.bot:
            parent = message.channel.parent_id if isinstance(message.channel, discord.Thread) else None
            await self.bot.services.activity.message_in(
                message.guild.id, message.channel.id, parent, message.author.id
            )
            await self.bot.services.discussions.message_in(
                message.guild.id, message.channel.id, message.author.id
            )

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Start the data grace period of a server that removed the bot."""
        await self.bot.services.guilds.left(guild.id)


def written_between(guilds: Iterable[discord.Guild], since: datetime, until: datetime) -> dict[int, datetime]:
    """Return, by channel id, the latest message written after ``since`` and by ``until``.

    READY's servers list each channel's and active thread's latest message id, whose snowflake
    tells when it was written. A thread's message counts for its parent channel too.
    """
    latest: dict[int, datetime] = {}

    def note(channel_id: int | None, message_id: int | None) -> None:
        if channel_id is None or message_id is None:
            return
        at = discord.utils.snowflake_time(message_id)
        if since < at <= until and at > latest.get(channel_id, since):
            latest[channel_id] = at

    for guild in guilds:
        for channel in guild.channels:
            note(channel.id, getattr(channel, "last_message_id", None))
        for thread in guild.threads:
            note(thread.id, thread.last_message_id)
            note(thread.parent_id, thread.last_message_id)
    return latest


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(Guilds(bot))
