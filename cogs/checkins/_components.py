"""The check-in DM's buttons, the answer form and the visibility choice."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord.utils import format_dt

from bot.app import MentorBot
from bot.domain.checkin_questions import VISIBILITIES, VISIBILITY_LABELS
from bot.domain.text import clip
from bot.services.checkins import AnswerView, OpenCheckin
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingModal, card

SCALE = [discord.SelectOption(label=str(n), value=str(n)) for n in range(1, 6)]


def _services(interaction: discord.Interaction) -> Any:
    bot: MentorBot = interaction.client  # type: ignore[assignment]
    return bot.services


class AnswerModal(ReportingModal):
    """The check-in's questions in one form: text inputs, and a 1–5 choice for scales."""

    def __init__(self, checkin: OpenCheckin, *, from_dm: bool) -> None:
        title = f"Check-in · {checkin.group_name}"
        super().__init__(
            title=clip(title, 45),
            custom_id=f"checkin:form:{checkin.delivery_id}",
        )
        self.checkin, self.from_dm = checkin, from_dm
        self.inputs: list[discord.ui.TextInput | discord.ui.Select] = []
        for question in checkin.questions:
            if question.kind == "scale":
                field: discord.ui.TextInput | discord.ui.Select = discord.ui.Select(
                    options=SCALE, placeholder="1 to 5"
                )
            else:
                long = question.kind == "long"
                field = discord.ui.TextInput(
                    style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                    required=False,
                    max_length=1500 if long else 300,
                )
            self.inputs.append(field)
            self.add_item(discord.ui.Label(text=question.text, component=field))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Store the answers and offer the choice of who sees them."""
        values = [
            (field.values[0] if field.values else "") if isinstance(field, discord.ui.Select) else field.value
            for field in self.inputs
        ]
        answer = await _services(interaction).checkin_answers.submit(
            interaction.user.id, self.checkin.delivery_id, values
        )
        embed, view = answered(answer)
        if self.from_dm and interaction.message is not None:
            await interaction.response.edit_message(embed=embed, view=view)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


def answered(answer: AnswerView) -> tuple[discord.Embed, discord.ui.View]:
    """Render a saved answer for its author, with buttons to change who sees it."""
    embed = card(
        f"Check-in saved · {verbatim(answer.group_name)}",
        f"Seen by **{VISIBILITY_LABELS[answer.visibility]}**. Change it below at any time.",
        color=SUCCESS_COLOR,
    )
    for item in answer.answers:
        if item["value"]:
            value = f"{item['value']} / 5" if item["kind"] == "scale" else verbatim(item["value"])
            embed.add_field(name=verbatim(item["question"])[:256], value=value[:1024], inline=False)
    view = discord.ui.View(timeout=None)
    for visibility in VISIBILITIES:
        view.add_item(VisibilityButton(answer.id, visibility, current=answer.visibility == visibility))
    view.stop()  # clicks go to the persistent VisibilityButton
    return embed, view


class AnswerButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"checkin:answer:(?P<id>\d+)"
):
    """Opens the answer form."""

    def __init__(self, delivery_id: int) -> None:
        super().__init__(discord.ui.Button(label="Answer", custom_id=f"checkin:answer:{delivery_id}"))
        self.delivery_id = delivery_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AnswerButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Open the form."""
        checkin = await _services(interaction).checkin_answers.open_checkin(
            interaction.user.id, self.delivery_id
        )
        await interaction.response.send_modal(AnswerModal(checkin, from_dm=interaction.guild_id is None))


class SnoozeButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"checkin:snooze:(?P<id>\d+):(?P<how>hour|tomorrow)",
):
    """Brings the check-in back later."""

    def __init__(self, delivery_id: int, how: str) -> None:
        super().__init__(discord.ui.Button(label="Snooze", custom_id=f"checkin:snooze:{delivery_id}:{how}"))
        self.delivery_id, self.how = delivery_id, how

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SnoozeButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]), match["how"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Snooze and say until when."""
        until = await _services(interaction).checkin_answers.snooze(
            interaction.user.id, self.delivery_id, self.how
        )
        embed = card(
            "Snoozed", f"I'll bring this check-in back {format_dt(until, 'R')} ({format_dt(until, 'f')})."
        )
        await interaction.response.edit_message(embed=embed, view=None)


class SkipButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"checkin:skip:(?P<id>\d+)"
):
    """Skips this round."""

    def __init__(self, delivery_id: int) -> None:
        super().__init__(discord.ui.Button(label="Skip", custom_id=f"checkin:skip:{delivery_id}"))
        self.delivery_id = delivery_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SkipButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Skip and confirm."""
        await _services(interaction).checkin_answers.skip(interaction.user.id, self.delivery_id)
        await interaction.response.edit_message(
            embed=card("Skipped", "No worries — see you next time."), view=None
        )


class VisibilityButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"checkin:vis:(?P<id>\d+):(?P<to>private|facilitators|group)",
):
    """Changes who sees an answer."""

    LABELS = {"private": "Only me", "facilitators": "Facilitators", "group": "Whole group"}

    def __init__(self, answer_id: int, visibility: str, *, current: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[visibility],
                style=discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary,
                custom_id=f"checkin:vis:{answer_id}:{visibility}",
            )
        )
        self.answer_id, self.visibility = answer_id, visibility

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> VisibilityButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]), match["to"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Change who sees the answer and show it."""
        answer = await _services(interaction).checkin_answers.set_visibility(
            interaction.user.id, self.answer_id, self.visibility
        )
        embed, view = answered(answer)
        await interaction.response.edit_message(embed=embed, view=view)
