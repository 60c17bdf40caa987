"""The closing survey: a DM button opening one form (rating, outcomes to tick, what's next, a comment)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app import MentorBot
from bot.domain.cycles import NEXT_STEPS
from bot.domain.text import clip
from bot.services.cycles.endings import OpenSurvey
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingModal, actor, card, reply

RATINGS = {5: "5 · excellent", 4: "4 · good", 3: "3 · fine", 2: "2 · disappointing", 1: "1 · poor"}
AFTERWARDS = {
    "continue": "You'll keep in touch informally — enjoy it.",
    "again": "You'll be in the next cycle's intake; a coordinator will review it.",
    "stop": "Thank you for taking part.",
}


def _services(interaction: discord.Interaction) -> Any:
    bot: MentorBot = interaction.client  # type: ignore[assignment]
    return bot.services


class SurveyForm(ReportingModal):
    """The closing survey in one form."""

    def __init__(self, survey: OpenSurvey) -> None:
        super().__init__(title=clip(f"Closing survey · {survey.cycle_name}", 45))
        self.survey = survey
        self.rating = discord.ui.RadioGroup(
            options=[discord.RadioGroupOption(label=label, value=str(n)) for n, label in RATINGS.items()]
        )
        self.outcomes = discord.ui.CheckboxGroup(
            options=[
                discord.CheckboxGroupOption(label=label, value=key) for key, label in survey.outcomes.items()
            ],
            required=False,
            min_values=0,
            max_values=len(survey.outcomes),
        )
        self.next = discord.ui.RadioGroup(
            options=[discord.RadioGroupOption(label=label, value=key) for key, label in NEXT_STEPS.items()]
        )
        self.comment = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=False, max_length=1000
        )
        self.add_item(discord.ui.Label(text="How was your mentoring this cycle?", component=self.rating))
        self.add_item(discord.ui.Label(text="What did you get out of it?", component=self.outcomes))
        self.add_item(discord.ui.Label(text="What next?", component=self.next))
        self.add_item(
            discord.ui.Label(
                text="Anything to add? (optional)",
                description="Only coordinators read it",
                component=self.comment,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Record the survey and say what happens next."""
        next_step = await _services(interaction).endings.answer(
            interaction.user.id,
            self.survey.id,
            rating=int(self.rating.value or 0),
            outcomes=list(self.outcomes.values),
            next_step=self.next.value or "",
            comment=self.comment.value,
        )
        embed = card("Thank you", AFTERWARDS[next_step], color=SUCCESS_COLOR)
        if interaction.guild_id is None and interaction.message is not None:
            await interaction.response.edit_message(embed=embed, view=None)
        else:
            await reply(interaction, embed)


class SurveyButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"survey:answer:(?P<id>\d+)"
):
    """The closing survey DM's **Answer**; works after a restart."""

    def __init__(self, survey_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer", style=discord.ButtonStyle.primary, custom_id=f"survey:answer:{survey_id}"
            )
        )
        self.survey_id = survey_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SurveyButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Open the form."""
        survey = await _services(interaction).endings.open_survey(interaction.user.id, self.survey_id)
        await interaction.response.send_modal(SurveyForm(survey))


class OutcomesForm(ReportingModal, title="Closing survey outcomes"):
    """The outcomes members tick at the end of a cycle, one per line (empty: the seed program's)."""

    def __init__(self, current: list[str]) -> None:
        super().__init__()
        self.text = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default="\n".join(current), required=False, max_length=1100
        )
        self.add_item(
            discord.ui.Label(
                text="Outcomes",
                description="One per line, up to 10; empty for the defaults",
                component=self.text,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the list and show it."""
        assert interaction.guild_id is not None
        saved = await _services(interaction).outcomes.set(
            interaction.guild_id, actor(interaction), self.text.value
        )
        listed = "\n".join(f"• {verbatim(label)}" for label in saved.values())
        await reply(interaction, card("Outcomes saved", listed, color=SUCCESS_COLOR))
