"""Shared pieces of the Discord adapters: replies, embeds and error-reporting views."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


def actor(interaction: discord.Interaction) -> Actor:
    """Return who is acting."""
    user = interaction.user
    return member_actor(user) if isinstance(user, discord.Member) else Actor(user.id, name=user.display_name)


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


# Renders one page (0 is the newest) for whoever clicked; returns the embed and how many pages there are.
PageRenderer = Callable[[discord.Interaction, int], Awaitable[tuple[discord.Embed, int]]]


class Pager(ReportingView):
    """Newer / older buttons over a list shown a page at a time, newest first."""

    def __init__(self, render: PageRenderer, page: int, pages: int) -> None:
        super().__init__(timeout=600)
        self._render, self.page = render, page
        self.newer.disabled, self.older.disabled = page <= 0, page >= pages - 1

    @classmethod
    async def send(cls, interaction: discord.Interaction, render: PageRenderer) -> None:
        """Reply with the first page and the buttons."""
        embed, pages = await render(interaction, 0)
        await reply(interaction, embed, view=cls(render, 0, pages))

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        embed, pages = await self._render(interaction, page)
        await interaction.response.edit_message(embed=embed, view=Pager(self._render, page, pages))

    @discord.ui.button(label="Newer", style=discord.ButtonStyle.secondary)
    async def newer(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Show the page before."""
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Older", style=discord.ButtonStyle.secondary)
    async def older(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Show the page after."""
        await self._show(interaction, self.page + 1)


class ReportingModal(discord.ui.Modal):
    """A modal whose submit errors reach the user as a private message."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """Report the error to the user."""
        await report_error(interaction, error)
