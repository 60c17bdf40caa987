"""/discuss and /confidential: facilitated discussion threads, ground rules, reminders."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.domain.discussions import PROMPT_MAX, RULE_MAX, RULES_MAX, library
from bot.errors import Invalid
from bot.services.discussions import ANONYMOUS_MAX
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingModal, actor, card, group_choices, reply


def thread_here(interaction: discord.Interaction, thread: discord.Thread | None) -> int:
    """Return the chosen thread, or the thread the command was run in."""
    if thread is not None:
        return thread.id
    if isinstance(interaction.channel, discord.Thread):
        return interaction.channel.id
    raise Invalid("Run this inside the discussion thread, or choose the thread.")


class RulesModal(ReportingModal, title="Ground rules"):
    """The group's ground rules, one per line."""

    def __init__(self, bot: MentorBot, group: str, rules: tuple[str, ...]) -> None:
        super().__init__()
        self.bot, self.group = bot, group
        self.text = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default="\n".join(rules), max_length=RULES_MAX * (RULE_MAX + 1)
        )
        self.add_item(discord.ui.Label(text="One rule per line", component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the rules."""
        assert interaction.guild_id is not None
        rules = await self.bot.services.discussions.set_rules(
            interaction.guild_id, actor(interaction), self.group, self.text.value
        )
        listed = "\n".join(f"{n}. {r}" for n, r in enumerate(rules, start=1))
        await reply(interaction, card("Ground rules saved", listed, color=SUCCESS_COLOR))


class AnonymousModal(ReportingModal, title="Ask anonymously"):
    """The question, typed in a form; nobody sees who asked it."""

    def __init__(self, bot: MentorBot, group: str) -> None:
        super().__init__()
        self.bot, self.group = bot, group
        self.text = discord.ui.TextInput(style=discord.TextStyle.paragraph, max_length=ANONYMOUS_MAX)
        self.add_item(
            discord.ui.Label(
                text="Your question or concern",
                description="Posted in the group's open discussion without your name",
                component=self.text,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Post it anonymously."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        thread_id = await self.bot.services.discussions.ask_anonymously(
            interaction.guild_id, interaction.user.id, self.group, self.text.value
        )
        text = (
            f"Posted in <#{thread_id}> without your name. Nobody, facilitators included, can see who asked."
        )
        await reply(interaction, card("Posted anonymously", text, color=SUCCESS_COLOR))


class MuteAnonymousButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"anon:mute:(?P<id>\d+)"
):
    """A facilitator stops an anonymous author from posting anonymously again, still not knowing who."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Mute this anonymous author", custom_id=f"anon:mute:{post_id}")
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MuteAnonymousButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Mute the author behind this post."""
        assert interaction.guild_id is not None
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        name = await bot.services.discussions.mute_anonymous(
            interaction.guild_id, actor(interaction), self.post_id
        )
        text = f"This author can no longer post anonymously in {name}. You still don't know who."
        await interaction.response.send_message(
            embed=card("Muted", text, color=SUCCESS_COLOR), ephemeral=True
        )


@app_commands.guild_only()
class DiscussionsCog(
    commands.GroupCog, group_name="discuss", group_description="Facilitated discussion threads"
):
    """Discussion commands; rights are checked by the discussion service."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="start", description="Open a discussion thread in your group from a prompt")
    @app_commands.describe(
        group="Your group",
        prompt="Type a prompt, or pick one from the library",
        hours="Open for how many hours",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        group: str,
        prompt: app_commands.Range[str, 1, PROMPT_MAX],
        hours: app_commands.Range[int, 1, 336] | None = None,
    ) -> None:
        """Open a discussion thread in your group from a prompt."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.bot.services.discussions.start(
            interaction.guild_id, actor(interaction), group, prompt, hours
        )
        await reply(
            interaction,
            card("Discussion open", f"<#{view.thread_id}> in {view.group_name}.", color=SUCCESS_COLOR),
        )

    @start.autocomplete("prompt")
    async def _prompts(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower()
        found = [(key, text) for key, text in library() if needle in text.lower() or needle in key]
        return [app_commands.Choice(name=text[:100], value=key) for key, text in found[:25]]

    @app_commands.command(name="close", description="Close a discussion with a note of who took part")
    @app_commands.describe(thread="The discussion (default: this thread)")
    async def close(self, interaction: discord.Interaction, thread: discord.Thread | None = None) -> None:
        """Close a discussion with a note of who took part."""
        assert interaction.guild_id is not None
        thread_id = thread_here(interaction, thread)
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.bot.services.discussions.close(interaction.guild_id, actor(interaction), thread_id)
        await reply(
            interaction,
            card("Discussion closed", f"<#{view.thread_id}> is archived and locked.", color=SUCCESS_COLOR),
        )

    @app_commands.command(
        name="participation", description="Who has spoken in a discussion, and how much (privately)"
    )
    @app_commands.describe(thread="The discussion (default: this thread)")
    async def participation(
        self, interaction: discord.Interaction, thread: discord.Thread | None = None
    ) -> None:
        """Who has spoken in a discussion, and how much (privately)."""
        assert interaction.guild_id is not None
        view = await self.bot.services.discussions.participation(
            interaction.guild_id, actor(interaction), thread_here(interaction, thread)
        )
        lines = [f"<@{user}>: {n} message{'s' if n != 1 else ''}" for user, n in view.counts]
        text = "\n".join(lines) or "Nobody yet."
        await reply(
            interaction,
            card(f"Participation · {view.group_name}", text[:4000]).set_footer(
                text="Counts only; the bot keeps no content."
            ),
        )

    @app_commands.command(
        name="ask-anonymously", description="Ask a question in your group's discussion without your name"
    )
    @app_commands.describe(group="Your group")
    async def ask_anonymously(self, interaction: discord.Interaction, group: str) -> None:
        """Ask a question in your group's discussion without your name."""
        await interaction.response.send_modal(AnonymousModal(self.bot, group))

    @app_commands.command(name="rules", description="Show a group's ground rules")
    @app_commands.describe(group="The group")
    async def rules(self, interaction: discord.Interaction, group: str) -> None:
        """Show a group's ground rules."""
        assert interaction.guild_id is not None
        view, rules = await self.bot.services.discussions.rules(
            interaction.guild_id, actor(interaction), group
        )
        await reply(
            interaction,
            card(f"Ground rules · {view.name}", "\n".join(f"{n}. {r}" for n, r in enumerate(rules, start=1))),
        )

    @app_commands.command(name="rules-edit", description="Edit a group's ground rules in a form")
    @app_commands.describe(group="Your group")
    async def rules_edit(self, interaction: discord.Interaction, group: str) -> None:
        """Edit a group's ground rules in a form."""
        assert interaction.guild_id is not None
        await self.bot.services.groups.require_manager(
            interaction.guild_id, actor(interaction), group, "change the ground rules of"
        )
        _, rules = await self.bot.services.discussions.rules(interaction.guild_id, actor(interaction), group)
        await interaction.response.send_modal(RulesModal(self.bot, group, rules))

    for _command in (start, rules, rules_edit, ask_anonymously):
        _command.autocomplete("group")(group_choices)
    del _command


class ConfidentialCog(commands.Cog):
    """/confidential on demand."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="confidential", description="Post the confidentiality reminder and ground rules here"
    )
    @app_commands.describe(group="Your group")
    @app_commands.guild_only()
    @app_commands.autocomplete(group=group_choices)
    async def confidential(self, interaction: discord.Interaction, group: str) -> None:
        """Post the confidentiality reminder and ground rules here."""
        assert interaction.guild_id is not None
        here = interaction.channel.id if isinstance(interaction.channel, discord.Thread) else None
        await self.bot.services.discussions.remind(interaction.guild_id, actor(interaction), group, here)
        await reply(
            interaction, card("Reminder posted", "Thank you for keeping the space safe.", color=SUCCESS_COLOR)
        )


async def setup(bot: MentorBot) -> None:
    """Load the cogs and the persistent mute button."""
    bot.add_dynamic_items(MuteAnonymousButton)
    await bot.add_cog(DiscussionsCog(bot))
    await bot.add_cog(ConfidentialCog(bot))
