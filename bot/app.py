"""The Discord client: loads the cogs, starts the scheduler, syncs slash commands."""

from __future__ import annotations

import gc
import logging

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.discord import interaction_deadline as deadline
from bot.discord.interaction_errors import report_error
from bot.services.container import Services

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.checkins",
    "cogs.coffee",
    "cogs.conversation",
    "cogs.discussions",
    "cogs.goals",
    "cogs.groups",
    "cogs.guilds",
    "cogs.help",
    "cogs.matching",
    "cogs.meetings",
    "cogs.moderation",
    "cogs.privacy",
    "cogs.profile",
    "cogs.program",
    "cogs.reports",
    "cogs.setup",
)


def gateway_intents() -> discord.Intents:
    """Return only non-privileged intents, so the bot can be verified without special approval."""
    intents = discord.Intents.default()
    intents.members = False
    intents.presences = False
    intents.message_content = False
    return intents


async def _guard_deadline(interaction: discord.Interaction) -> bool:
    """Let every command run, with a late deferral armed in case it is slow."""
    if interaction.type is discord.InteractionType.application_command:
        deadline.guard(interaction)
    return True


class MentorBot(commands.AutoShardedBot):
    """The mentoring bot."""

    def __init__(self, services: Services, *, http_trace: aiohttp.TraceConfig | None = None) -> None:
        discord_settings = services.settings.discord
        super().__init__(
            http_trace=http_trace,  # the global limit's pacer (bot/discord/http_pacing.py)
            command_prefix=commands.when_mentioned,
            intents=gateway_intents(),
            help_command=None,
            shard_count=discord_settings.shard_count,
            shard_ids=discord_settings.shard_ids,
            # Nobody is pinged unless a feature says so explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.services = services

    async def setup_hook(self) -> None:
        """Prepare everything before connecting to the gateway."""
        # Take the gateway address from the configured API (a proxy or a test server answers for
        # Discord); discord.py would otherwise connect to Discord's default gateway directly.
        _, url, _ = await self.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

        self.tree.on_error = report_error  # type: ignore[method-assign]
        self.tree.interaction_check = _guard_deadline  # type: ignore[method-assign]
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.services.scheduler.start()
        if self.services.scheduler.scope.owns(None):
            # Commands belong to the application, not to a shard: one process (shard 0's) syncs.
            await self.sync_commands()

    async def sync_commands(self) -> None:
        """Register slash commands: instantly in the dev guild if configured, else globally."""
        dev_guild_id = self.services.settings.discord.dev_guild_id
        if dev_guild_id:
            guild = discord.Object(dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), dev_guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))

    async def on_ready(self) -> None:
        """Log that the bot is online; keep the garbage collector off what lives as long as it."""
        log.info(
            "online as %s (id %s) in %d servers",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
        )
        if not gc.get_freeze_count():
            # Libraries, cogs and Discord's caches (100 MB and more) stay for good: frozen, a full
            # collection no longer walks them, which paused the event loop (and every member's
            # command) for up to 0.9 s at a time while a round was planned. Once per process (a
            # reconnection, or the tests' many bots, must not freeze what may become garbage).
            gc.collect()
            gc.freeze()

    async def close(self) -> None:
        """Stop scheduling first so runs in progress commit, then disconnect."""
        await self.services.scheduler.shutdown()
        try:
            await self.services.watch.note()  # watched until now: the next start looks back from here
        except Exception:  # the database gone too: the next start looks back from the last note
            log.exception("could not note when the bot stopped watching")
        await super().close()
