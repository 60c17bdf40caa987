"""/program: cycles (open, show, close), applying to one, and reviewing the applications."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.domain.cycles import parse_day, suggested_ends, suggested_starts
from bot.domain.text import clip
from bot.errors import Invalid
from bot.services.cycles import CycleView
from bot.services.cycles.intake import status_text
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, actor, card, group_choices, reply
from cogs.program._agreement import ChangeButton, agreement_buttons, agreement_embed
from cogs.program._intake import ApplicationForm, application_embed, review_card
from cogs.program._pulse import PulseForm
from cogs.program._survey import OutcomesForm, SurveyForm


def day(value) -> str:  # noqa: ANN001 - a date
    """Return a calendar day as everyone reads it (a cycle's days are the same in every zone)."""
    return f"{value:%a} {value.day} {value:%B %Y}"


def cycle_embed(cycle: CycleView, title: str, *, color: int | None = None) -> discord.Embed:
    """Render a cycle: its days, kick-off, midpoint and where the reader is in it."""
    embed = card(title, f"**{verbatim(cycle.name)}**\n{cycle.position.describe()}")
    if color is not None:
        embed.color = color
    embed.add_field(name="Starts", value=day(cycle.starts_on))
    embed.add_field(name="Ends", value=day(cycle.ends_on))
    embed.add_field(name="Midpoint review", value=day(cycle.midpoint))
    if cycle.kickoff_at is not None:
        embed.add_field(
            name="Kick-off",
            value=f"{format_dt(cycle.kickoff_at, 'F')} ({format_dt(cycle.kickoff_at, 'R')})",
            inline=False,
        )
    return embed


def _assignable(interaction: discord.Interaction, role: discord.Role | None) -> int | None:
    """Return the role's id if the bot can give it, or raise a clear error."""
    if role is None:
        return None
    guild = interaction.guild
    if role.is_default() or role.managed:
        raise Invalid(f"{role.mention} can't be given to members; pick one of the server's own roles.")
    if guild is not None and guild.me is not None and role >= guild.me.top_role:
        raise Invalid(f"{role.mention} is above my own role: move my role above it, or pick a lower one.")
    return role.id


@app_commands.guild_only()
class ProgramCog(
    commands.GroupCog, group_name="program", group_description="The program's cycles: dates, intake, endings"
):
    """Program cycle commands; rights are checked by the cycle service."""

    cycle = app_commands.Group(name="cycle", description="A cycle of the program: its start and its end")

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @cycle.command(name="open", description="Open a program cycle with its start and end days (coordinators)")
    @app_commands.describe(
        name="What to call it, e.g. “Spring 2027”",
        start="Its first day (YYYY-MM-DD; pick a suggestion)",
        end="Its last day (YYYY-MM-DD; pick a suggestion)",
        kickoff="Optional kick-off, YYYY-MM-DD HH:MM in your time zone",
        pulse_every_days="Pulse at day 30 of each match, then every this many days (default 60)",
        recognition_role="Optional: a role given to everyone who completes the cycle",
    )
    async def open(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 60],
        start: app_commands.Range[str, 1, 40],
        end: app_commands.Range[str, 1, 40],
        kickoff: app_commands.Range[str, 1, 40] | None = None,
        pulse_every_days: app_commands.Range[int, 14, 180] = 60,
        recognition_role: discord.Role | None = None,
    ) -> None:
        """Open a program cycle with its start and end days (coordinators)."""
        assert interaction.guild_id is not None
        opened = await self.bot.services.cycles.open(
            interaction.guild_id,
            actor(interaction),
            name=name,
            starts=start,
            ends=end,
            kickoff=kickoff,
            pulse_every_days=pulse_every_days,
            recognition_role_id=_assignable(interaction, recognition_role),
        )
        embed = cycle_embed(opened, "Cycle opened", color=SUCCESS_COLOR)
        embed.set_footer(text="Members see it with /program cycle show.")
        await reply(interaction, embed)

    @open.autocomplete("start")
    async def _start_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        today = await self.bot.services.cycles.member_today(interaction.guild_id, interaction.user.id)
        choices = [
            app_commands.Choice(name=f"{d.isoformat()} · {day(d)}", value=d.isoformat())
            for d in suggested_starts(today)
        ]
        return [c for c in choices if current.strip().casefold() in c.name.casefold()]

    @open.autocomplete("end")
    async def _end_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        start = interaction.namespace.start
        try:
            first = parse_day(str(start or ""), "start")
        except Invalid:
            return []
        choices = [
            app_commands.Choice(name=f"{d.isoformat()} · {label} ({day(d)})", value=d.isoformat())
            for label, d in suggested_ends(first)
        ]
        return [c for c in choices if current.strip().casefold() in c.name.casefold()]

    @app_commands.command(name="apply", description="Apply to the program's cycle in one form")
    @app_commands.describe(role="What you want to be in this cycle")
    async def apply(
        self, interaction: discord.Interaction, role: Literal["mentor", "mentee", "peer"]
    ) -> None:
        """Apply to the program's cycle in one form."""
        assert interaction.guild_id is not None
        form = await self.bot.services.intake.form(interaction.guild_id, interaction.user.id)
        await interaction.response.send_modal(ApplicationForm(form, role))

    @app_commands.command(
        name="application", description="Your application to the cycle, and your waitlist place"
    )
    async def application(self, interaction: discord.Interaction) -> None:
        """Your application to the cycle, and your waitlist place."""
        assert interaction.guild_id is not None
        mine = await self.bot.services.intake.mine(interaction.guild_id, interaction.user.id)
        if mine is None:
            await reply(
                interaction, card("No application", "You haven't applied; `/program apply` opens the form.")
            )
            return
        embed = application_embed(mine, f"Your application · {verbatim(mine.cycle_name)}")
        embed.description = status_text(mine)
        if mine.decline_reason:
            embed.add_field(name="Why (only you see this)", value=verbatim(mine.decline_reason), inline=False)
        await reply(interaction, embed)

    @app_commands.command(name="applications", description="Review the cycle's applications (coordinators)")
    async def applications(self, interaction: discord.Interaction) -> None:
        """Review the cycle's applications (coordinators)."""
        assert interaction.guild_id is not None
        queue = await self.bot.services.intake.queue(interaction.guild_id, actor(interaction))
        embed, view = review_card(queue)
        await reply(interaction, embed, **({"view": view} if view else {}))

    @app_commands.command(
        name="agreement", description="Your group's mentoring agreement: read, agree or change it"
    )
    @app_commands.describe(group="The group (a pair or group of this cycle)")
    @app_commands.autocomplete(group=group_choices)
    async def agreement(self, interaction: discord.Interaction, group: str) -> None:
        """Your group's mentoring agreement: read, agree or change it."""
        if not group.isdigit():
            raise Invalid("Pick the group from the list as you type.")
        shown = await self.bot.services.agreements.show(interaction.user.id, int(group))
        if shown is None:
            view = discord.ui.View(timeout=None)
            view.add_item(ChangeButton(int(group)))
            view.stop()
            text = (
                "Nobody has written it yet: agree on goals, cadence, how to meet and how to reach each other."
            )
            await reply(interaction, card("No agreement yet", text), view=view)
            return
        await reply(interaction, agreement_embed(shown), view=agreement_buttons(shown))

    @app_commands.command(
        name="pulse", description="Answer your open relationship pulse (when DMs are closed)"
    )
    async def pulse(self, interaction: discord.Interaction) -> None:
        """Answer your open relationship pulse (when DMs are closed)."""
        pulse = await self.bot.services.pulses.open_pulse(interaction.user.id, guild_id=interaction.guild_id)
        await interaction.response.send_modal(PulseForm(pulse))

    @app_commands.command(name="outcomes", description="The closing survey's outcomes to tick (coordinators)")
    async def outcomes(self, interaction: discord.Interaction) -> None:
        """The closing survey's outcomes to tick (coordinators)."""
        assert interaction.guild_id is not None
        await self.bot.services.program.require_coordinator(
            interaction.guild_id, actor(interaction), "set the closing survey's outcomes"
        )
        current = await self.bot.services.outcomes.get(interaction.guild_id)
        await interaction.response.send_modal(OutcomesForm(list(current.values())))

    @app_commands.command(name="survey", description="Answer your closing survey (when DMs are closed)")
    async def survey(self, interaction: discord.Interaction) -> None:
        """Answer your closing survey (when DMs are closed)."""
        survey = await self.bot.services.endings.open_survey(
            interaction.user.id, guild_id=interaction.guild_id
        )
        await interaction.response.send_modal(SurveyForm(survey))

    @app_commands.command(
        name="end-match", description="End your match early (the reason is seen by coordinators only)"
    )
    @app_commands.describe(group="Your pair or group in this cycle", reason="Why (only coordinators see it)")
    @app_commands.autocomplete(group=group_choices)
    async def end_match(
        self, interaction: discord.Interaction, group: str, reason: app_commands.Range[str, 1, 500]
    ) -> None:
        """End your match early (the reason is seen by coordinators only)."""
        assert interaction.guild_id is not None
        if not group.isdigit():
            raise Invalid("Pick the group from the list as you type.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.bot.services.endings.end_match(
            interaction.guild_id, interaction.user.id, int(group), reason
        )
        text = (
            f"**{verbatim(name)}** has ended and is archived (its history is kept). "
            "Your closing survey is in your DMs; only coordinators see your reason."
        )
        await reply(interaction, card("Match ended", text, color=SUCCESS_COLOR))

    @app_commands.command(
        name="attention", description="Groups that need attention, and what to do next (coordinators)"
    )
    async def attention(self, interaction: discord.Interaction) -> None:
        """Groups that need attention, and what to do next (coordinators)."""
        assert interaction.guild_id is not None
        concerns = await self.bot.services.pulses.attention(interaction.guild_id, actor(interaction))
        if not concerns:
            await reply(
                interaction, card("Nothing needs attention", "No quiet groups, no low or missed pulses.")
            )
            return
        embed = card(f"Needs attention ({len(concerns)})")
        for concern in concerns[:25]:
            embed.add_field(
                name=clip(verbatim(concern.group_name), 256),
                value=clip(f"{concern.discord_text()}\n→ {concern.next_step}", 1024),
                inline=False,
            )
        embed.set_footer(text="Only coordinators see this. Pulse scores are never shown to partners.")
        await reply(interaction, embed)

    @cycle.command(name="show", description="The program's cycle: its dates and where you are in it")
    async def show(self, interaction: discord.Interaction) -> None:
        """The program's cycle: its dates and where you are in it."""
        assert interaction.guild_id is not None
        overview = await self.bot.services.cycles.overview(interaction.guild_id, interaction.user.id)
        if overview.current is None:
            await reply(interaction, card("No cycle yet", "No program cycle is running or planned."))
            return
        current = overview.current
        title = "This cycle" if current.position.phase == "running" else "The next cycle"
        embed = cycle_embed(current, title)
        if overview.next is not None:
            after = overview.next
            embed.add_field(
                name="After it",
                value=f"{verbatim(after.name)}: {day(after.starts_on)} – {day(after.ends_on)}",
                inline=False,
            )
        await reply(interaction, embed)

    @cycle.command(name="close", description="Close the running cycle, or cancel the next one (coordinators)")
    async def close(self, interaction: discord.Interaction) -> None:
        """Close the running cycle, or cancel the next one (coordinators)."""
        assert interaction.guild_id is not None
        closed = await self.bot.services.cycles.close(interaction.guild_id, actor(interaction))
        text = f"**{verbatim(closed.name)}** is closed; its history is kept."
        await reply(interaction, card("Cycle closed", text, color=SUCCESS_COLOR))
