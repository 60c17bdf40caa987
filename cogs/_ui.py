"""Shared pieces of the Discord adapters: replies, embeds and error-reporting views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.discord.interaction_deadline import answering
from bot.discord.interaction_errors import report_error
from bot.discord.members import member_actor
from bot.discord.rendering import BRAND_COLOR
from bot.errors import Invalid
from bot.services.actors import Actor

SUCCESS_COLOR = 0x3BA55C
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_CHOICES = [discord.app_commands.Choice(name=day, value=index) for index, day in enumerate(WEEKDAYS)]


def card(title: str, description: str | None = None, *, color: int = BRAND_COLOR) -> discord.Embed:
    """Return an embed in the bot's style."""
    return discord.Embed(title=title, description=description, color=color)


def timestamp(moment: datetime, style: str = "F") -> str:
    """Return Discord's ``<t:…>`` markup, which every reader sees in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def actor(interaction: discord.Interaction) -> Actor:
    """Return who is acting."""
    user = interaction.user
    return member_actor(user) if isinstance(user, discord.Member) else Actor(user.id)


def server_member(user: discord.Member | discord.User) -> discord.Member:
    """Return ``user`` as a member of this server, or raise a clear error."""
    if not isinstance(user, discord.Member):
        raise Invalid(f"{user.mention} is not a member of this server.")
    return user


async def group_choices(
    interaction: discord.Interaction, current: str
) -> list[discord.app_commands.Choice[str]]:
    """Offer the groups the user may see, by name (an autocomplete for every `group` option)."""
    if interaction.guild_id is None:
        return []
    groups = interaction.client.services.groups  # type: ignore[attr-defined]
    found = await groups.list_visible(interaction.guild_id, actor(interaction), current)
    return [discord.app_commands.Choice(name=g.name[:100], value=str(g.id)) for g in found]


async def reply(
    interaction: discord.Interaction, embed: discord.Embed, *, ephemeral: bool = True, **kwargs: Any
) -> None:
    """Answer an interaction, whether or not it was deferred (by the command or the deadline)."""
    async with answering(interaction):
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=ephemeral, **kwargs)


class ReportingItem:
    """Mixin for persistent DynamicItem buttons: errors reach the user privately (they lack on_error)."""

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run the button's action; report any error to the user."""
        try:
            await self.act(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def act(self, interaction: discord.Interaction) -> None:
        """Do what the button is for."""
        raise NotImplementedError


class ReportingView(discord.ui.View):
    """A view whose callback errors reach the user as a private message."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        """Report the error to the user."""
        await report_error(interaction, error)


class ReportingModal(discord.ui.Modal):
    """A modal whose submit errors reach the user as a private message."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """Report the error to the user."""
        await report_error(interaction, error)
