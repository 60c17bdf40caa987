"""/prompts: light conversation prompts for groups and lounges, and quick-call suggestions."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.discord import permissions
from bot.domain.conversation import EVERY_DAYS_MAX
from bot.domain.timezones import format_minutes
from bot.services.conversation_prompts import PromptScheduleView
from bot.services.verbatim import verbatim
from cogs._prompts import PromptModal, conversation_prompt_choices, library_embed
from cogs._ui import SUCCESS_COLOR, actor, card, group_choices, reply


def describe(view: PromptScheduleView) -> str:
    """One schedule in a line or two."""
    where = f"**{verbatim(view.group_name)}**" if view.group_name else f"<#{view.channel_id}>"
    often = "every day" if view.every_days == 1 else f"every {view.every_days} days"
    window = f"{format_minutes(view.window[0])}–{format_minutes(view.window[1])} ({view.zone})"
    text = (
        f"{where}: {often}, at the best moment of {window}; "
        f"skipped after activity in the last {view.quiet_for_hours} h."
    )
    if view.next_at:
        text += f" Next: {format_dt(view.next_at, 'F')}."
    return text


@app_commands.guild_only()
class ConversationCog(
    commands.GroupCog,
    group_name="prompts",
    group_description="Light conversation prompts and call suggestions",
):
    """Conversation prompt commands; the service checks who may do what."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="schedule", description="Post light prompts in a group or a lounge channel")
    @app_commands.describe(
        group="A group (its facilitators); or leave empty and pick a lounge channel",
        channel="A server-wide lounge channel (coordinators)",
        every_days="How often",
        window="The part of the day to post in, on the server's clock, e.g. 10:00-16:00",
        skip_if_active_hours="Skip the day when people talked there this recently",
    )
    @app_commands.autocomplete(group=group_choices)
    async def schedule(
        self,
        interaction: discord.Interaction,
        group: str | None = None,
        channel: discord.TextChannel | None = None,
        every_days: app_commands.Range[int, 1, EVERY_DAYS_MAX] = 1,
        window: app_commands.Range[str, 3, 20] = "10:00-16:00",
        skip_if_active_hours: app_commands.Range[int, 0, 48] = 3,
    ) -> None:
        """Post light prompts in a group or a lounge channel."""
        assert interaction.guild is not None
        if channel is not None and group is None:  # a lounge: coordinators choose it
            await self.bot.services.program.require_coordinator(
                interaction.guild.id, actor(interaction), "schedule prompts in a lounge channel"
            )
            permissions.require(channel, permissions.POST)
        view = await self.bot.services.conversation.schedule(
            interaction.guild.id,
            actor(interaction),
            group_ref=group,
            channel_id=channel.id if channel else None,
            every_days=every_days,
            window=window,
            quiet_for_hours=skip_if_active_hours,
        )
        await reply(interaction, card("Prompts scheduled", describe(view), color=SUCCESS_COLOR))

    @app_commands.command(name="stop", description="Stop the prompts of a group or a lounge channel")
    @app_commands.describe(group="The group", channel="Or the lounge channel")
    @app_commands.autocomplete(group=group_choices)
    async def stop(
        self,
        interaction: discord.Interaction,
        group: str | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Stop the prompts of a group or a lounge channel."""
        assert interaction.guild_id is not None
        stopped = await self.bot.services.conversation.stop(
            interaction.guild_id,
            actor(interaction),
            group_ref=group,
            channel_id=channel.id if channel else None,
        )
        if stopped:
            await reply(interaction, card("Prompts stopped", "No more prompts there.", color=SUCCESS_COLOR))
        else:
            await reply(interaction, card("Nothing to stop", "There were no prompts scheduled there."))

    @app_commands.command(name="list", description="Every prompt schedule in this server (coordinators)")
    async def list_schedules(self, interaction: discord.Interaction) -> None:
        """Every prompt schedule in this server."""
        assert interaction.guild_id is not None
        views = await self.bot.services.conversation.schedules(interaction.guild_id, actor(interaction))
        text = "\n".join(f"• {describe(view)}" for view in views) or "No prompts scheduled yet."
        await reply(interaction, card("Prompt schedules", text[:4000]))

    @app_commands.command(name="library", description="The light prompts the bot picks from")
    @app_commands.describe(search="Only prompts whose text or topic contains this")
    async def library(self, interaction: discord.Interaction, search: str | None = None) -> None:
        """The light prompts the bot picks from."""
        assert interaction.guild_id is not None
        prompts = await self.bot.services.prompts.prompts(interaction.guild_id, "conversation")
        await reply(interaction, library_embed("Light prompts", prompts, search))

    @app_commands.command(name="add", description="Add a light prompt of your own (coordinators)")
    async def add(self, interaction: discord.Interaction) -> None:
        """Add a light prompt of your own."""
        assert interaction.guild_id is not None
        await self.bot.services.program.require_coordinator(
            interaction.guild_id, actor(interaction), "add prompts to the library"
        )
        await interaction.response.send_modal(PromptModal(self.bot, "conversation"))

    @app_commands.command(name="retire", description="Take a light prompt out of the rotation (coordinators)")
    @app_commands.describe(prompt="The prompt to retire")
    @app_commands.autocomplete(prompt=conversation_prompt_choices)
    async def retire(self, interaction: discord.Interaction, prompt: str) -> None:
        """Take a light prompt out of the rotation."""
        assert interaction.guild_id is not None
        retired = await self.bot.services.prompts.retire(
            interaction.guild_id, actor(interaction), prompt, "conversation"
        )
        await reply(interaction, card("Prompt retired", retired.text, color=SUCCESS_COLOR))

    @app_commands.command(
        name="live-calls", description="Let the bot suggest a quick call when two of you are around"
    )
    @app_commands.describe(group="Your pair or small group", on="Suggest calls (at most once a week)")
    @app_commands.autocomplete(group=group_choices)
    async def live_calls(self, interaction: discord.Interaction, group: str, on: bool) -> None:
        """Let the bot suggest a quick call when two of you are around."""
        assert interaction.guild_id is not None
        name = await self.bot.services.conversation.set_live_calls(
            interaction.guild_id, actor(interaction), group, on
        )
        text = (
            f"When two members of {name} are both around and awake, I may suggest a quick call."
            if on
            else f"No more call suggestions in {name}."
        )
        await reply(interaction, card("Call suggestions", text, color=SUCCESS_COLOR))


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(ConversationCog(bot))
