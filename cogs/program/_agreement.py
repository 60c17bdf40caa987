"""The mentoring agreement: its form (text, radio groups, a checkbox) and its DM buttons."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app import MentorBot
from bot.domain.cycles import CADENCES, MEETING_MODES
from bot.domain.text import clip
from bot.services.cycles import AgreementView
from bot.services.cycles.agreements import agreed_line
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingModal, card, reply


def _services(interaction: discord.Interaction) -> Any:
    bot: MentorBot = interaction.client  # type: ignore[assignment]
    return bot.services


def agreement_embed(view: AgreementView, title: str = "Mentoring agreement") -> discord.Embed:
    """Render an agreement and who has agreed to it."""
    embed = card(
        f"{title} · {verbatim(view.group_name)}",
        agreed_line(view),
        color=SUCCESS_COLOR if view.everyone_agreed else None,
    )
    embed.add_field(name="Goals for the cycle", value=clip(verbatim(view.goals), 1024), inline=False)
    embed.add_field(name="How often", value=CADENCES[view.cadence])
    embed.add_field(name="How", value=MEETING_MODES[view.meeting_mode])
    embed.add_field(name="Reaching each other", value=clip(verbatim(view.contact), 1024), inline=False)
    embed.add_field(name="Confidentiality", value="What we share stays between us.", inline=False)
    return embed


def agreement_buttons(view: AgreementView) -> discord.ui.View:
    """Return the Agree and Change buttons of an agreement (persistent)."""
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(AgreeButton(view.group_id, view.version))
    buttons.add_item(ChangeButton(view.group_id))
    buttons.stop()  # clicks go to the persistent items
    return buttons


class AgreementForm(ReportingModal):
    """Write or change the agreement in one form."""

    def __init__(self, group_id: int, current: AgreementView | None) -> None:
        super().__init__(title="Your mentoring agreement")
        self.group_id = group_id
        self.goals = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=1000,
            default=current.goals if current else None,
            placeholder="What we want to achieve together by the end of the cycle",
        )
        self.cadence = discord.ui.RadioGroup(
            options=[
                discord.RadioGroupOption(
                    label=label, value=key, default=key == (current.cadence if current else "monthly")
                )
                for key, label in CADENCES.items()
            ]
        )
        self.mode = discord.ui.RadioGroup(
            options=[
                discord.RadioGroupOption(
                    label=label, value=key, default=key == (current.meeting_mode if current else "video")
                )
                for key, label in MEETING_MODES.items()
            ]
        )
        self.contact = discord.ui.TextInput(
            max_length=300,
            default=current.contact if current else None,
            placeholder="e.g. DM on Discord; email for scheduling",
        )
        self.confidential = discord.ui.Checkbox(default=current is not None)
        self.add_item(discord.ui.Label(text="Goals for the cycle", component=self.goals))
        self.add_item(discord.ui.Label(text="How often you'll meet", component=self.cadence))
        self.add_item(discord.ui.Label(text="How you'll meet", component=self.mode))
        self.add_item(discord.ui.Label(text="How to reach each other", component=self.contact))
        self.add_item(
            discord.ui.Label(
                text="What we share stays between us",
                description="Confidentiality: tick to agree",
                component=self.confidential,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the new version; the others are asked to agree."""
        view = await _services(interaction).agreements.write(
            interaction.user.id,
            self.group_id,
            goals=self.goals.value,
            cadence=self.cadence.value or "",
            meeting_mode=self.mode.value or "",
            contact=self.contact.value,
            confidential=self.confidential.value,
        )
        embed = agreement_embed(view, "Agreement saved")
        embed.set_footer(text="It's in your group's home; the others are asked to agree.")
        await reply(interaction, embed)


class ChangeButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"agreement:edit:(?P<group>\d+)"
):
    """Write or change the agreement (from a DM or the command's answer)."""

    def __init__(self, group_id: int) -> None:
        super().__init__(discord.ui.Button(label="Change it", custom_id=f"agreement:edit:{group_id}"))
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ChangeButton:
        """Rebuild from the button's id."""
        return cls(int(match["group"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Open the form, filled with the current agreement."""
        current = await _services(interaction).agreements.show(interaction.user.id, self.group_id)
        await interaction.response.send_modal(AgreementForm(self.group_id, current))


class AgreeButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"agreement:(?P<how>agree|still):(?P<group>\d+):(?P<version>\d+)",
):
    """Agree to a version of the agreement, or say at the midpoint that it still holds."""

    def __init__(self, group_id: int, version: int, how: str = "agree") -> None:
        label = "I agree" if how == "agree" else "Still true"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.success,
                custom_id=f"agreement:{how}:{group_id}:{version}",
            )
        )
        self.group_id, self.version, self.how = group_id, version, how

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AgreeButton:
        """Rebuild from the button's id."""
        return cls(int(match["group"]), int(match["version"]), match["how"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Record the agreement, and show it."""
        agreements = _services(interaction).agreements
        if self.how == "still":
            view = await agreements.still_true(interaction.user.id, self.group_id, self.version)
            title = "Still true — thanks"
        else:
            view = await agreements.agree(interaction.user.id, self.group_id, self.version)
            title = "You agreed"
        if interaction.guild_id is None and interaction.message is not None:
            await interaction.response.edit_message(embed=agreement_embed(view, title), view=None)
        else:
            await reply(interaction, agreement_embed(view, title))
