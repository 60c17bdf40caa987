"""Program reports: counts and rates as a CSV and a chart for coordinators and facilitators."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.domain.cycles import NEXT_STEPS, OUTCOMES
from bot.errors import Invalid
from bot.reports.charts import render_chart
from bot.services.cycles.report import CycleReport, cycle_csv
from bot.services.reports import ProgramReport, ReportService, report_csv
from bot.services.verbatim import verbatim
from cogs._ui import actor, card, group_choices

Days = app_commands.Range[int, 1, 3650]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def summary(title: str, report: ProgramReport) -> discord.Embed:
    """Return the report's headline figures (the CSV has the rest)."""
    total = report.total
    embed = card(title, f"From {format_dt(report.start, 'D')} to {format_dt(report.end, 'D')}.")
    embed.add_field(name="Members", value=str(total.members))
    embed.add_field(
        name="Check-in response",
        value=f"{_percent(total.checkin_response_rate)} "
        f"({total.checkins_answered}/{total.checkins_delivered})",
    )
    embed.add_field(
        name="Goals",
        value=f"{total.goals_set} set · {total.goals_progressed} progressed · {total.goals_completed} done",
    )
    embed.add_field(
        name="Discussions", value=f"{total.discussions} held · {total.discussion_participants} took part"
    )
    embed.add_field(
        name="Meeting attendance",
        value=f"{_percent(total.attendance_rate)} ({total.attended}/{total.attendance_recorded})",
    )
    if report.coffee_pairs:
        embed.add_field(name="Coffee", value=f"{report.coffee_pairs} pairs · {report.coffee_pairs_met} met")
    return embed


def csv_file(report: ProgramReport, name: str) -> discord.File:
    """Return the report as a CSV attachment."""
    return discord.File(io.BytesIO(report_csv(report).encode("utf-8")), filename=name)


async def chart_file(report: ProgramReport, title: str, name: str) -> discord.File:
    """Return the report's rates over time as a PNG attachment, drawn off the event loop."""
    png = await asyncio.to_thread(render_chart, report, title)
    return discord.File(io.BytesIO(png), filename=name)


@app_commands.guild_only()
class ReportsCog(
    commands.GroupCog, group_name="report", group_description="Program reports (counts, never content)"
):
    """Report commands; rights are checked by the report service."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def reports(self) -> ReportService:
        """Return the report service."""
        return self.bot.services.reports

    @app_commands.command(
        name="program", description="Every group's figures as a CSV and a chart (coordinators)"
    )
    @app_commands.describe(
        days="How many days back to count (default 90)",
        cycle="Only this program cycle's groups, over the cycle so far (then days is ignored)",
    )
    async def program(
        self, interaction: discord.Interaction, days: Days = 90, cycle: str | None = None
    ) -> None:
        """Every group's figures as a CSV and a chart (coordinators)."""
        assert interaction.guild_id is not None
        if cycle is not None and not cycle.isdigit():
            raise Invalid("Pick the cycle from the list as you type.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        if cycle is not None:
            name, report = await self.bot.services.cycle_reports.program_report(
                interaction.guild_id, actor(interaction), int(cycle)
            )
            title = f"Program report · {name}"
        else:
            report = await self.reports.program_report(interaction.guild_id, actor(interaction), days)
            title = f"Program report · last {days} days"
        await interaction.followup.send(
            embed=summary(title, report),
            files=[
                csv_file(report, f"program-report-{days}d.csv"),
                await chart_file(report, title, f"program-report-{days}d.png"),
            ],
            ephemeral=True,
        )

    @app_commands.command(
        name="group", description="One group's figures as a CSV and a chart (its facilitators, coordinators)"
    )
    @app_commands.describe(group="The group", days="How many days back to count (default 90)")
    @app_commands.autocomplete(group=group_choices)
    async def group(self, interaction: discord.Interaction, group: str, days: Days = 90) -> None:
        """One group's figures as a CSV and a chart (its facilitators, coordinators)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.reports.group_report(interaction.guild_id, actor(interaction), group, days)
        name = report.groups[0].name if report.groups else "group"
        title = f"{name} · last {days} days"
        await interaction.followup.send(
            embed=summary(verbatim(title), report),  # the chart's title is drawn, not markdown
            files=[
                csv_file(report, f"group-report-{days}d.csv"),
                await chart_file(report, title, f"group-report-{days}d.png"),
            ],
            ephemeral=True,
        )

    @app_commands.command(
        name="cycle", description="A program cycle's figures: intake, pulses, closing survey"
    )
    @app_commands.describe(cycle="The cycle (default: the latest begun)")
    async def cycle(self, interaction: discord.Interaction, cycle: str | None = None) -> None:
        """A program cycle's figures: intake, pulses, closing survey (coordinators)."""
        assert interaction.guild_id is not None
        if cycle is not None and not cycle.isdigit():
            raise Invalid("Pick the cycle from the list as you type.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.services.cycle_reports.report(
            interaction.guild_id, actor(interaction), int(cycle) if cycle else None
        )
        data = io.BytesIO(cycle_csv(report).encode("utf-8"))
        name = f"cycle-report-{report.starts_on:%Y-%m}.csv"
        await interaction.followup.send(
            embed=cycle_summary(report), file=discord.File(data, filename=name), ephemeral=True
        )

    @program.autocomplete("cycle")
    @cycle.autocomplete("cycle")
    async def _cycle_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        found = await self.bot.services.cycle_reports.choices(interaction.guild_id, current)
        return [app_commands.Choice(name=label[:100], value=str(cycle_id)) for cycle_id, label in found]


def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} / 5"


def cycle_summary(report: CycleReport) -> discord.Embed:
    """Return a cycle report's headline figures (counts and means, never anyone's words)."""
    embed = card(
        f"Cycle report · {report.name}",
        f"{report.starts_on:%d %b %Y} – {report.ends_on:%d %b %Y}. Counts only: no member's words.",
    )
    apps = report.applications
    embed.add_field(
        name="Applications",
        value=f"{sum(apps.values())} in all · {apps.get('matched', 0)} matched · "
        f"{apps.get('accepted', 0)} accepted, not yet matched · {apps.get('waitlisted', 0)} waitlisted · "
        f"{apps.get('declined', 0)} declined · {apps.get('pending', 0)} pending",
        inline=False,
    )
    embed.add_field(name="Matching", value=f"{report.groups} groups · {report.matched_members} members")
    pulses = [f"day {p.day}: {_mean(p.mean)} ({p.answered}/{p.asked})" for p in report.pulses]
    embed.add_field(name="Relationship pulse", value="\n".join(pulses) or "none asked yet", inline=False)
    embed.add_field(
        name="Closing survey",
        value=f"{_mean(report.rating_mean)} ({report.surveys_answered}/{report.surveys_asked} answered)"
        + (f" · {report.ended_early} ended early" if report.ended_early else ""),
        inline=False,
    )
    answered = report.surveys_answered
    outcomes = [f"{label}: {report.outcomes.get(key, 0)}/{answered}" for key, label in OUTCOMES.items()]
    embed.add_field(
        name="What they got out of it", value="\n".join(outcomes) if answered else "—", inline=False
    )
    nexts = [f"{label}: {report.next_steps.get(key, 0)}" for key, label in NEXT_STEPS.items()]
    embed.add_field(name="What next", value=" · ".join(nexts) if answered else "—", inline=False)
    return embed


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(ReportsCog(bot))
