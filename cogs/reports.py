"""Program reports: counts and rates as a CSV and a chart for coordinators and facilitators."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.reports.charts import render_chart
from bot.services.reports import ProgramReport, ReportService, report_csv
from cogs._ui import actor, card, group_choices

Days = app_commands.Range[int, 1, 3650]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def summary(title: str, report: ProgramReport) -> discord.Embed:
    """Return the report's headline figures (the CSV has the rest)."""
    total = report.total
    embed = card(title, f"From <t:{int(report.start.timestamp())}:D> to <t:{int(report.end.timestamp())}:D>.")
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
    @app_commands.describe(days="How many days back to count (default 90)")
    async def program(self, interaction: discord.Interaction, days: Days = 90) -> None:
        """Every group's figures as a CSV and a chart (coordinators)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
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
            embed=summary(title, report),
            files=[
                csv_file(report, f"group-report-{days}d.csv"),
                await chart_file(report, title, f"group-report-{days}d.png"),
            ],
            ephemeral=True,
        )


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(ReportsCog(bot))
