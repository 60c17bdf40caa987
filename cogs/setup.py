"""/setup: the program's settings in this server (coordinators; the coordinator role: admins)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.discord import permissions
from bot.domain.timezones import search_zones
from bot.services.delivery_problems import Problem
from bot.services.settings import STAGE_MAX, STAGES_MAX, ProgramSettings
from cogs._ui import SUCCESS_COLOR, ReportingModal, actor, card, reply


def settings_embed(
    settings: ProgramSettings, title: str = "Program settings", problems: list[Problem] | None = None
) -> discord.Embed:
    """Render a server's program settings, and the channels the bot cannot post in."""
    embed = card(title, color=SUCCESS_COLOR)
    role = f"<@&{settings.coordinator_role_id}>" if settings.coordinator_role_id else "administrators only"
    category = (
        f"<#{settings.home_category_id}>" if settings.home_category_id else "none (top of the channel list)"
    )
    embed.add_field(name="Coordinators", value=role, inline=True)
    embed.add_field(name="Group channels go in", value=category, inline=True)
    embed.add_field(name="Default time zone", value=settings.default_timezone, inline=True)
    modlog = f"<#{settings.modlog_channel_id}>" if settings.modlog_channel_id else "none"
    embed.add_field(name="Moderation log", value=modlog, inline=True)
    embed.add_field(
        name="Career stages (junior first)", value=" → ".join(settings.career_stages), inline=False
    )
    if problems:
        lines = [
            f"<#{p.channel_id}>: {p.explanation} (since {format_dt(p.first_seen_at, 'R')}, first a {p.what})"
            for p in problems[:5]
        ]
        if len(problems) > 5:
            lines.append(f"…and {len(problems) - 5} more")
        embed.add_field(name="⚠️ Channels I can't post in", value="\n".join(lines)[:1024], inline=False)
    return embed


class StagesModal(ReportingModal, title="Career stages"):
    """The career ladder, one stage per line."""

    def __init__(self, bot: MentorBot, settings: ProgramSettings) -> None:
        super().__init__()
        self.bot = bot
        self.stages = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            default="\n".join(settings.career_stages),
            max_length=STAGES_MAX * (STAGE_MAX + 1),
        )
        self.add_item(
            discord.ui.Label(
                text="Stages", description="One per line, most junior first", component=self.stages
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the ladder."""
        assert interaction.guild_id is not None
        settings = await self.bot.services.program.set_career_stages(
            interaction.guild_id, actor(interaction), self.stages.value.splitlines()
        )
        await reply(interaction, settings_embed(settings, "Career stages saved"))


@app_commands.guild_only()
class SetupCog(commands.GroupCog, group_name="setup", group_description="Program settings for this server"):
    """Program settings."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Show this server's program settings")
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's program settings."""
        assert interaction.guild_id is not None
        services = self.bot.services
        settings = await services.program.get(interaction.guild_id)
        problems = await services.delivery_problems.open_problems(interaction.guild_id)
        await reply(interaction, settings_embed(settings, problems=problems))

    @app_commands.command(
        name="coordinator-role", description="Choose the role whose members coordinate the program"
    )
    @app_commands.describe(role="Members of this role become coordinators (leave empty: administrators only)")
    async def coordinator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        """Choose the role whose members coordinate the program."""
        assert interaction.guild_id is not None
        settings = await self.bot.services.program.set_coordinator_role(
            interaction.guild_id, actor(interaction), role.id if role else None
        )
        await reply(interaction, settings_embed(settings, "Coordinator role saved"))

    @app_commands.command(
        name="home-category", description="Choose the category where group channels are created"
    )
    @app_commands.describe(category="A category (leave empty: no category)")
    async def home_category(
        self, interaction: discord.Interaction, category: discord.CategoryChannel | None = None
    ) -> None:
        """Choose the category where group channels are created."""
        assert interaction.guild_id is not None
        if category is not None:  # the bot creates each group's private channel there
            await self.bot.services.program.require_coordinator(
                interaction.guild_id, actor(interaction), "choose where group channels go"
            )
            permissions.require(category, permissions.CREATE_HOMES)
        settings = await self.bot.services.program.set_home_category(
            interaction.guild_id, actor(interaction), category.id if category else None
        )
        await reply(interaction, settings_embed(settings, "Group channel category saved"))

    @app_commands.command(
        name="modlog-channel", description="Choose where moderation actions and delivery problems are posted"
    )
    @app_commands.describe(channel="A channel only coordinators can read (leave empty: none)")
    async def modlog_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        """Choose the coordinators' log channel."""
        assert interaction.guild_id is not None
        if channel is not None:  # every action and delivery problem is posted there as a card
            await self.bot.services.program.require_coordinator(
                interaction.guild_id, actor(interaction), "choose the moderation log channel"
            )
            permissions.require(channel, permissions.POST)
        settings = await self.bot.services.program.set_modlog_channel(
            interaction.guild_id, actor(interaction), channel.id if channel else None
        )
        await reply(interaction, settings_embed(settings, "Moderation log saved"))

    @app_commands.command(
        name="default-timezone", description="The time zone used for members who haven't set one"
    )
    @app_commands.describe(zone="Start typing a city or region")
    async def default_timezone(
        self, interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]
    ) -> None:
        """The time zone used for members who haven't set one."""
        assert interaction.guild_id is not None
        settings = await self.bot.services.program.set_default_timezone(
            interaction.guild_id, actor(interaction), zone
        )
        await reply(interaction, settings_embed(settings, "Default time zone saved"))

    @default_timezone.autocomplete("zone")
    async def _zones(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z.replace("_", " "), value=z) for z in search_zones(current)]

    @app_commands.command(
        name="career-stages", description="Edit the career ladder used for near-peer matching"
    )
    async def career_stages(self, interaction: discord.Interaction) -> None:
        """Edit the career ladder used for near-peer matching."""
        assert interaction.guild_id is not None
        program = self.bot.services.program
        await program.require_coordinator(
            interaction.guild_id, actor(interaction), "change the career stages"
        )
        await interaction.response.send_modal(StagesModal(self.bot, await program.get(interaction.guild_id)))


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(SetupCog(bot))
