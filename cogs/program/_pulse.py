"""The relationship pulse: a DM button opening one form (a 1–5 radio group, a note, a checkbox)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app import MentorBot
from bot.domain.text import clip
from bot.services.cycles.pulses import OpenPulse
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingModal, card, reply

SCORES = {5: "5 · very well", 4: "4 · well", 3: "3 · so-so", 2: "2 · not well", 1: "1 · badly"}


def _services(interaction: discord.Interaction) -> Any:
    bot: MentorBot = interaction.client  # type: ignore[assignment]
    return bot.services


class PulseForm(ReportingModal):
    """How is your mentoring going? 1–5, an optional note, and whether coordinators may read it."""

    def __init__(self, pulse: OpenPulse) -> None:
        super().__init__(title=clip(f"Pulse · {pulse.group_name}", 45))
        self.pulse = pulse
        self.score = discord.ui.RadioGroup(
            options=[discord.RadioGroupOption(label=label, value=str(n)) for n, label in SCORES.items()]
        )
        self.note = discord.ui.TextInput(style=discord.TextStyle.paragraph, required=False, max_length=500)
        self.share = discord.ui.Checkbox()
        self.add_item(discord.ui.Label(text="How is your mentoring going?", component=self.score))
        self.add_item(
            discord.ui.Label(
                text="A note (optional)", description="What's working, what isn't", component=self.note
            )
        )
        self.add_item(
            discord.ui.Label(
                text="Coordinators may read my note",
                description="Unticked, only your score is seen (by coordinators)",
                component=self.share,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Record the answer; thank the member."""
        score = await _services(interaction).pulses.answer(
            interaction.user.id, self.pulse.id, int(self.score.value or 0), self.note.value, self.share.value
        )
        text = f"You rated it **{score}/5**. Only the coordinators see it; your partner never does."
        embed = card("Thank you", text, color=SUCCESS_COLOR)
        if interaction.guild_id is None and interaction.message is not None:
            await interaction.response.edit_message(embed=embed, view=None)
        else:
            await reply(interaction, embed)


class PulseButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"pulse:answer:(?P<id>\d+)"
):
    """The pulse DM's **Rate it**; works after a restart."""

    def __init__(self, pulse_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Rate it", style=discord.ButtonStyle.primary, custom_id=f"pulse:answer:{pulse_id}"
            )
        )
        self.pulse_id = pulse_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PulseButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Open the form."""
        pulse = await _services(interaction).pulses.open_pulse(interaction.user.id, self.pulse_id)
        await interaction.response.send_modal(PulseForm(pulse))
