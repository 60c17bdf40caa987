"""/help: the commands a user can use, grouped by feature."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from cogs._ui import card, reply

INTRO = (
    "I keep your mentoring program in touch between meetings: check-ins at your local time, "
    "goals with gentle accountability, facilitated discussions and coffee pairings. "
    "Everything personal is answered privately."
)


def _visible(command: app_commands.Command | app_commands.Group, permissions: discord.Permissions) -> bool:
    required = command.default_permissions
    parent = command.parent
    while required is None and parent is not None:
        required, parent = parent.default_permissions, parent.parent
    return required is None or permissions >= required


def command_lines(tree: app_commands.CommandTree, permissions: discord.Permissions) -> dict[str, list[str]]:
    """Return, per top-level command, the lines describing what the user may run."""
    sections: dict[str, list[str]] = {}
    for top in sorted(tree.get_commands(type=discord.AppCommandType.chat_input), key=lambda c: c.name):
        if isinstance(top, app_commands.Group):
            leaves = [c for c in top.walk_commands() if isinstance(c, app_commands.Command)]
        else:
            leaves = [top]
        lines = [f"`/{c.qualified_name}` — {c.description}" for c in leaves if _visible(c, permissions)]
        if lines:
            sections[top.name] = lines
    return sections


class HelpCog(commands.Cog):
    """The help command."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What I can do for you, and how")
    @app_commands.describe(topic="Show one feature's commands only")
    async def help(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        """What I can do for you, and how."""
        sections = command_lines(self.bot.tree, interaction.permissions)
        if topic:
            if topic not in sections:
                known = ", ".join(f"`{name}`" for name in sections)
                await reply(interaction, card("Unknown topic", f"Pick one of: {known}."))
                return
            sections = {topic: sections[topic]}
        embed = card("How I can help", INTRO if not topic else None)
        for name, lines in sections.items():
            # A field holds 1,024 characters; long sections continue in a second field.
            chunk: list[str] = []
            for line in lines:
                if sum(len(x) + 1 for x in chunk) + len(line) > 1000:
                    embed.add_field(name=f"/{name}", value="\n".join(chunk), inline=False)
                    chunk = []
                chunk.append(line)
            embed.add_field(name=f"/{name}", value="\n".join(chunk), inline=False)
        embed.set_footer(text="Replies with personal data are visible only to you.")
        await reply(interaction, embed)

    @help.autocomplete("topic")
    async def _topics(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = command_lines(self.bot.tree, interaction.permissions)
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n][:25]


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(HelpCog(bot))
