"""/help: the commands a user can use, grouped by feature."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from cogs._ui import card, reply

INTRO = (
    "I keep your mentoring program in touch between meetings: check-ins at your local time, "
    "goals with gentle accountability, facilitated discussions, coffee pairings and meetings planned "
    "fairly across time zones. "
    "Everything personal is answered privately."
)


def _visible(command: app_commands.Command | app_commands.Group, permissions: discord.Permissions) -> bool:
    required = command.default_permissions
    parent = command.parent
    while required is None and parent is not None:
        required, parent = parent.default_permissions, parent.parent
    return required is None or permissions >= required


def visible_commands(
    tree: app_commands.CommandTree, permissions: discord.Permissions
) -> dict[str, list[app_commands.Command]]:
    """Return, per top-level command (a feature), the commands the user may run."""
    sections: dict[str, list[app_commands.Command]] = {}
    for top in sorted(tree.get_commands(type=discord.AppCommandType.chat_input), key=lambda c: c.name):
        if isinstance(top, app_commands.Group):
            leaves = [c for c in top.walk_commands() if isinstance(c, app_commands.Command)]
        else:
            leaves = [top]
        if visible := [c for c in leaves if _visible(c, permissions)]:
            sections[top.name] = visible
    return sections


def _fields(items: list[str], separator: str = "\n") -> list[str]:
    """Group items into field values within Discord's 1,024-character limit."""
    paginator = commands.Paginator(prefix=None, suffix=None, max_size=1024, linesep=separator)
    for item in items:
        paginator.add_line(item)
    return paginator.pages


WHO_SEES_WHAT = (
    "• Check-in answers: only you, unless you share them with your facilitators or your group.\n"
    "• Goals: only you by default; you choose partners or your group.\n"
    "• Discussions: the bot counts who speaks, never what is said; facilitators see the counts.\n"
    "• Anonymous questions: nobody, facilitators included, can see who asked.\n"
    "• Reports: only the group's facilitators (or coordinators). Moderation records keep no message text.\n"
    "• Your profile: your time zone and bio help your groups; `/profile show` shows it to you only.\n"
    "• Meeting polls: only the facilitators see which times you marked; the group sees who's going.\n"
    "• All of it: `/privacy show` lists it, `/privacy export` copies it, `/privacy erase` deletes it."
)


def overview_embed(sections: dict[str, list[app_commands.Command]]) -> discord.Embed:
    """Every feature with its command names: compact enough for Discord's 6,000-character embed."""
    embed = card("How I can help", INTRO)
    embed.add_field(name="Who sees what", value=WHO_SEES_WHAT, inline=False)
    for name, commands_ in sections.items():
        for value in _fields([f"`/{c.qualified_name}`" for c in commands_], " · "):
            embed.add_field(name=f"/{name}", value=value, inline=False)
    embed.set_footer(
        text="/help topic:<feature> explains each command. Personal replies are visible only to you."
    )
    return embed


def topic_embed(name: str, commands_: list[app_commands.Command]) -> discord.Embed:
    """One feature's commands with what each does."""
    embed = card(f"/{name}")
    for index, value in enumerate(_fields([f"`/{c.qualified_name}` — {c.description}" for c in commands_])):
        embed.add_field(name="Commands" if index == 0 else "More", value=value, inline=False)
    return embed


class HelpCog(commands.Cog):
    """The help command."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What I can do for you, and how")
    @app_commands.describe(topic="Show one feature's commands only")
    async def help(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        """What I can do for you, and how."""
        sections = visible_commands(self.bot.tree, interaction.permissions)
        if topic is None:
            await reply(interaction, overview_embed(sections))
        elif topic.strip().lstrip("/").lower() in sections:
            name = topic.strip().lstrip("/").lower()
            await reply(interaction, topic_embed(name, sections[name]))
        else:
            known = ", ".join(f"`{name}`" for name in sections)
            await reply(interaction, card("Unknown topic", f"Pick one of: {known}."))

    @help.autocomplete("topic")
    async def _topics(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = visible_commands(self.bot.tree, interaction.permissions)
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n][:25]


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(HelpCog(bot))
