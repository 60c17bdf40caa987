"""/match: members opt in; coordinators get a proposal with reasons and confirm it with a button."""

from __future__ import annotations

import re
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.services.matching import ProposalView
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingItem, actor, card, reply

MODE_LABELS = {
    "one_to_one": "One-to-one (mentor and mentee)",
    "near_peer": "Near-peer (mentor one stage ahead)",
    "peer": "Peers (equals)",
}


def proposal_embed(view: ProposalView) -> discord.Embed:
    """Render a proposal: each group with its reasons, then who could not be matched and why."""
    proposal = view.proposal
    embed = card(f"Proposed matches — {MODE_LABELS[view.mode]}")
    lines = []
    for number, group in enumerate(proposal.groups, start=1):
        people = " & ".join(f"<@{m}> ({group.roles[m]})" for m in group.members)
        lines.append(f"**{number}.** {people}\n  {'; '.join(verbatim(r) for r in group.reasons)}")
    embed.description = _fit(lines, 3500) or "Nobody could be matched this time."
    if proposal.unmatched:
        unmatched = [f"<@{u.user_id}>: {verbatim(u.reason)}" for u in proposal.unmatched]
        embed.add_field(name=f"Not matched ({len(unmatched)})", value=_fit(unmatched, 1000), inline=False)
    if proposal.groups:
        embed.set_footer(text="Confirm to create these groups, each with a private channel.")
    return embed


def _fit(lines: list[str], limit: int) -> str:
    text = ""
    for index, line in enumerate(lines):
        if len(text) + len(line) + 1 > limit:
            return text + f"… and {len(lines) - index} more"
        text += line + "\n"
    return text.strip()


class ConfirmMatches(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"match:confirm:(?P<id>\d+)"
):
    """Creates the proposed groups; works after a restart and only once."""

    def __init__(self, proposal_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Confirm and create groups",
                style=discord.ButtonStyle.success,
                custom_id=f"match:confirm:{proposal_id}",
            )
        )
        self.proposal_id = proposal_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ConfirmMatches:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Create the groups."""
        await self._confirm(interaction)

    async def _confirm(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        await interaction.response.defer(ephemeral=True, thinking=True)
        names = {m.id: m.display_name for m in interaction.guild.members}
        stored = await bot.services.matching.proposal_members(interaction.guild.id, self.proposal_id)
        for user_id in stored:
            if user_id not in names:
                try:
                    names[user_id] = (await interaction.guild.fetch_member(user_id)).display_name
                except discord.NotFound:
                    names[user_id] = f"member {user_id}"
        created = await bot.services.matching.confirm(
            interaction.guild.id, actor(interaction), self.proposal_id, names
        )
        lines = [
            f"**{verbatim(g.name)}** — <#{g.home.channel_id}>" if g.home else f"**{verbatim(g.name)}**"
            for g in created
        ]
        await reply(
            interaction, card(f"Created {len(created)} groups", _fit(lines, 4000), color=SUCCESS_COLOR)
        )


class MatchAgain(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"match:again:(?P<guild>\d+):(?P<role>mentor|mentee|peer)",
):
    """The rematch offer of a quiet group's rescue; opts the member in from a DM."""

    def __init__(self, guild_id: int, role: str) -> None:
        super().__init__(
            discord.ui.Button(label="Find me a new match", custom_id=f"match:again:{guild_id}:{role}")
        )
        self.guild_id, self.role = guild_id, role

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MatchAgain:
        """Rebuild from the button's id."""
        return cls(int(match["guild"]), match["role"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Put the member on the matching list."""
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        await bot.services.matching.opt_in(self.guild_id, interaction.user.id, self.role)
        text = f"You're on the matching list as a **{self.role}**; a coordinator will propose a match."
        await interaction.response.edit_message(embed=card("You're in", text, color=SUCCESS_COLOR), view=None)


@app_commands.guild_only()
class MatchingCog(
    commands.GroupCog, group_name="match", group_description="Find a mentor, a mentee or peers"
):
    """Matching commands."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="optin", description="Ask to be matched as a mentor, a mentee or a peer")
    @app_commands.describe(wants="What you are looking for")
    async def optin(
        self, interaction: discord.Interaction, wants: Literal["mentor", "mentee", "peer"]
    ) -> None:
        """Ask to be matched as a mentor, a mentee or a peer."""
        assert interaction.guild_id is not None
        await self.bot.services.matching.opt_in(interaction.guild_id, interaction.user.id, wants)
        text = (
            f"You're on the list as a **{wants}**. A coordinator will propose matches; your time zone, "
            "career stage and interests (`/profile`) help find a good fit."
        )
        await reply(interaction, card("You're in", text, color=SUCCESS_COLOR))

    @app_commands.command(name="optout", description="Stop being matched")
    async def optout(self, interaction: discord.Interaction) -> None:
        """Stop being matched."""
        assert interaction.guild_id is not None
        removed = await self.bot.services.matching.opt_out(interaction.guild_id, interaction.user.id)
        text = "You won't be matched." if removed else "You weren't on the matching list."
        await reply(interaction, card("Done", text))

    @app_commands.command(name="suggest", description="Propose matches among opted-in members (coordinators)")
    @app_commands.describe(mode="How to match", group_size="People per group (peer matching only)")
    @app_commands.choices(
        mode=[app_commands.Choice(name=label, value=mode) for mode, label in MODE_LABELS.items()]
    )
    async def suggest(
        self,
        interaction: discord.Interaction,
        mode: app_commands.Choice[str],
        group_size: app_commands.Range[int, 2, 8] = 2,
    ) -> None:
        """Propose matches among opted-in members (coordinators)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.bot.services.matching.propose(
            interaction.guild_id, actor(interaction), mode.value, group_size
        )
        buttons = discord.ui.View(timeout=None)
        if view.proposal.groups:
            buttons.add_item(ConfirmMatches(view.id))
        buttons.stop()  # clicks go to the persistent ConfirmMatches
        await reply(interaction, proposal_embed(view), view=buttons)


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent button."""
    bot.add_dynamic_items(ConfirmMatches, MatchAgain)
    await bot.add_cog(MatchingCog(bot))
