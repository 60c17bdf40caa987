"""Prompt libraries in Discord: autocomplete and the form to add or reword a prompt."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import MentorBot
from bot.domain.discussions import PROMPT_MAX, TOPIC_MAX, Prompt
from bot.domain.text import clip
from bot.services.prompt_library import Kind
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingModal, actor, card, reply


async def _choices(
    interaction: discord.Interaction, current: str, kind: Kind
) -> list[app_commands.Choice[str]]:
    assert interaction.guild_id is not None
    bot: MentorBot = interaction.client  # type: ignore[assignment]
    needle = current.lower().strip()
    prompts = await bot.services.prompts.prompts(interaction.guild_id, kind)
    found = [p for p in prompts if needle in p.text.lower() or needle in p.topic]
    return [app_commands.Choice(name=_label(p), value=p.key) for p in found[:25]]


async def discussion_prompt_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: the server's discussion prompts, searched by text and topic."""
    return await _choices(interaction, current, "discussion")


async def conversation_prompt_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: the server's light conversation prompts, searched by text and topic."""
    return await _choices(interaction, current, "conversation")


def _label(prompt: Prompt) -> str:
    label = f"{prompt.topic} · {prompt.text}"
    return clip(label, 100)


def library_embed(title: str, prompts: list[Prompt], search: str | None) -> discord.Embed:
    """A prompt library by topic, narrowed by a search."""
    needle = (search or "").lower().strip()
    found = [p for p in prompts if needle in p.text.lower() or needle in p.topic]
    embed = card(title, "Nothing matches." if not found else None)
    topics: dict[str, list[str]] = {}
    for prompt in found:
        topics.setdefault(prompt.topic, []).append(f"• {verbatim(prompt.text)}")
    for topic, lines in list(topics.items())[:20]:
        embed.add_field(name=verbatim(topic), value="\n".join(lines)[:1024], inline=False)
    if len(embed) > 5800 or len(topics) > 20:
        embed = card(title, f"{len(found)} prompts: search to narrow the list.")
    return embed


class PromptModal(ReportingModal, title="Prompt"):
    """A prompt for a server's library: a new one (with its topic) or a reworded one."""

    def __init__(self, bot: MentorBot, kind: Kind, key: str | None = None, text: str = "") -> None:
        super().__init__()
        self.bot, self.kind, self.key = bot, kind, key
        self.topic = discord.ui.TextInput(max_length=TOPIC_MAX, placeholder="e.g. mentoring up")
        self.text = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default=text, max_length=PROMPT_MAX
        )
        if key is None:
            self.add_item(discord.ui.Label(text="Topic", component=self.topic))
        hint = "One open question for the group" if kind == "discussion" else "A light, quick question"
        self.add_item(discord.ui.Label(text="Prompt", description=hint, component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the prompt."""
        assert interaction.guild_id is not None
        prompts = self.bot.services.prompts
        if self.key is None:
            prompt = await prompts.add(
                interaction.guild_id, actor(interaction), self.topic.value, self.text.value, self.kind
            )
            title = "Prompt added"
        else:
            prompt = await prompts.edit(
                interaction.guild_id, actor(interaction), self.key, self.text.value, self.kind
            )
            title = "Prompt saved"
        await reply(
            interaction,
            card(title, f"**{verbatim(prompt.topic)}**\n{verbatim(prompt.text)}", color=SUCCESS_COLOR),
        )
