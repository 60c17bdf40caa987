"""The /checkin commands."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.domain.checkin_questions import VISIBILITY_LABELS
from bot.domain.text import clip
from bot.services.checkins import AnswerView, ScheduleView
from bot.services.verbatim import verbatim
from cogs._ui import (
    SUCCESS_COLOR,
    Pager,
    ReportingModal,
    actor,
    card,
    group_choices,
    reply,
)
from cogs.checkins._components import AnswerModal

CADENCES = [
    app_commands.Choice(name="Daily", value="daily"),
    app_commands.Choice(name="Chosen weekdays", value="weekdays"),
    app_commands.Choice(name="Weekly", value="weekly"),
    app_commands.Choice(name="Every N weeks", value="every_n_weeks"),
    app_commands.Choice(name="Cron expression (advanced)", value="cron"),
]
VisibilityChoice = Literal["private", "facilitators", "group"]


def schedule_line(view: ScheduleView) -> str:
    """Describe a schedule in one line, with its next run at the viewer's local time."""
    when = (
        "paused"
        if view.paused
        else (f"next {format_dt(view.next_run, 'F')}" if view.next_run else "no next run")
    )
    reminder = f", reminder after {view.reminder_hours} h" if view.reminder_hours else ""
    seen_by = VISIBILITY_LABELS[view.default_visibility]  # type: ignore[index]
    details = f"questions: {verbatim(view.question_set)}; answers seen by {seen_by}{reminder}"
    return f"**#{view.id}** {view.cadence} — {when}\n  {details}"


def history_embed(answers: list[AnswerView], page: int, pages: int) -> discord.Embed:
    """Render one page of the member's own answers."""
    embed = card("Your check-ins", None if answers else "You haven't answered a check-in yet.")
    for answer in answers:
        lines = [  # shown as written: a * or _ in an answer is not markdown
            f"*{verbatim(a['question'])}* "
            + (f"{a['value']} / 5" if a["kind"] == "scale" else verbatim(a["value"]))
            for a in answer.answers
            if a["value"]
        ]
        text = "\n".join(lines)
        seen_by = VISIBILITY_LABELS[answer.visibility]
        embed.add_field(
            name=f"{answer.round_date:%d %b %Y} · {verbatim(answer.group_name)} · {seen_by}",
            value=clip(text, 1024) or "—",
            inline=False,
        )
    embed.set_footer(text=f"Page {page + 1} of {pages} · only you see this")
    return embed


class QuestionSetModal(ReportingModal, title="New check-in questions"):
    """A named set of up to five questions, one per line."""

    def __init__(self, bot: MentorBot) -> None:
        super().__init__()
        self.bot = bot
        self.name = discord.ui.TextInput(max_length=60, placeholder="Writing group")
        self.lines = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=400,
            placeholder="[scale] How energised are you?\nWhat did you write?\n[long] What's in your way?",
        )
        self.add_item(discord.ui.Label(text="Name", component=self.name))
        self.add_item(
            discord.ui.Label(
                text="Questions (one per line, up to 5)",
                description="Start a line with [scale] for 1–5 or [long] for a long answer",
                component=self.lines,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the set."""
        assert interaction.guild_id is not None
        questions = await self.bot.services.checkins.create_question_set(
            interaction.guild_id, actor(interaction), self.name.value, self.lines.value
        )
        listed = "\n".join(f"{n}. {verbatim(q.text)} ({q.kind})" for n, q in enumerate(questions, start=1))
        await reply(
            interaction,
            card(f"Saved “{verbatim(' '.join(self.name.value.split()))}”", listed, color=SUCCESS_COLOR),
        )


@app_commands.guild_only()
class CheckinsCog(
    commands.GroupCog, group_name="checkin", group_description="Regular check-ins at everyone's local time"
):
    """Check-in commands."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    async def schedule_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """Offer schedules by their group's name."""
        assert interaction.guild_id is not None
        found = await self.bot.services.checkins.schedules_for_autocomplete(
            interaction.guild_id, actor(interaction), current
        )
        return [app_commands.Choice(name=f"{s.group_name}: {s.cadence}"[:100], value=s.id) for s in found]

    async def question_set_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the default set and the server's own."""
        assert interaction.guild_id is not None
        sets = await self.bot.services.checkins.question_sets(interaction.guild_id, current)
        choices = [app_commands.Choice(name="Default questions", value="default")]
        return choices + [app_commands.Choice(name=name, value=str(set_id)) for set_id, name in sets]

    @app_commands.command(
        name="schedule", description="Schedule a group's check-ins at each member's local time"
    )
    @app_commands.describe(
        group="The group",
        cadence="How often",
        time="Local time of day, HH:MM (each member gets it at this time where they are)",
        weekdays="For weekdays/weekly: e.g. mon,wed,fri",
        every_weeks="For every N weeks: N (2–12)",
        cron="For cron: a 5-field expression, e.g. 0 9 * * 1-5",
        questions="Question set (default: how are you, progress, obstacles, help)",
        visibility="Who sees answers unless a member chooses otherwise",
        reminder_hours="One reminder this many hours later if unanswered",
    )
    @app_commands.choices(cadence=CADENCES)
    async def schedule(
        self,
        interaction: discord.Interaction,
        group: str,
        cadence: app_commands.Choice[str],
        time: app_commands.Range[str, 1, 5] | None = None,
        weekdays: app_commands.Range[str, 1, 60] | None = None,
        every_weeks: app_commands.Range[int, 2, 12] | None = None,
        cron: app_commands.Range[str, 1, 100] | None = None,
        questions: str | None = None,
        visibility: VisibilityChoice = "private",
        reminder_hours: app_commands.Range[int, 1, 72] | None = None,
    ) -> None:
        """Schedule a group's check-ins at each member's local time."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.bot.services.checkins.create_schedule(
            interaction.guild_id,
            actor(interaction),
            group,
            kind=cadence.value,
            time=time,
            weekdays=weekdays,
            every_weeks=every_weeks,
            cron=cron,
            question_set=questions,
            visibility=visibility,
            reminder_hours=reminder_hours,
        )
        await reply(
            interaction,
            card(f"Check-ins scheduled for {view.group_name}", schedule_line(view), color=SUCCESS_COLOR),
        )

    @app_commands.command(
        name="schedules", description="A group's check-in schedules, with the next run in your time"
    )
    @app_commands.describe(group="The group")
    async def schedules(self, interaction: discord.Interaction, group: str) -> None:
        """A group's check-in schedules, with the next run in your time."""
        assert interaction.guild_id is not None
        views = await self.bot.services.checkins.list_schedules(
            interaction.guild_id, actor(interaction), group
        )
        text = (
            "\n".join(schedule_line(v) for v in views)
            or "No check-ins scheduled: add one with `/checkin schedule`."
        )
        title = f"Check-ins · {views[0].group_name}" if views else "Check-ins"
        await reply(interaction, card(title, clip(text, 4000, at="\n")))

    @app_commands.command(
        name="edit", description="Change a check-in schedule's time, days, visibility or questions"
    )
    @app_commands.describe(
        schedule="The schedule",
        time="New local time, HH:MM",
        weekdays="New days, e.g. mon,thu",
        visibility="Who sees answers by default",
        reminder_hours="Hours until the reminder (0: none)",
        questions="Question set",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        schedule: int,
        time: app_commands.Range[str, 1, 5] | None = None,
        weekdays: app_commands.Range[str, 1, 60] | None = None,
        visibility: VisibilityChoice | None = None,
        reminder_hours: app_commands.Range[int, 0, 72] | None = None,
        questions: str | None = None,
    ) -> None:
        """Change a check-in schedule's time, days, visibility or questions."""
        assert interaction.guild_id is not None
        view = await self.bot.services.checkins.update_schedule(
            interaction.guild_id,
            actor(interaction),
            schedule,
            time=time,
            weekdays=weekdays,
            visibility=visibility,
            reminder_hours=reminder_hours,
            question_set=questions,
        )
        await reply(interaction, card("Schedule updated", schedule_line(view), color=SUCCESS_COLOR))

    @app_commands.command(name="schedule-pause", description="Pause or resume a check-in schedule")
    @app_commands.describe(schedule="The schedule", paused="True to pause, False to resume")
    async def schedule_pause(self, interaction: discord.Interaction, schedule: int, paused: bool) -> None:
        """Pause or resume a check-in schedule."""
        assert interaction.guild_id is not None
        view = await self.bot.services.checkins.set_paused(
            interaction.guild_id, actor(interaction), schedule, paused
        )
        await reply(
            interaction, card("Paused" if paused else "Resumed", schedule_line(view), color=SUCCESS_COLOR)
        )

    @app_commands.command(name="schedule-delete", description="Delete a check-in schedule")
    @app_commands.describe(schedule="The schedule")
    async def schedule_delete(self, interaction: discord.Interaction, schedule: int) -> None:
        """Delete a check-in schedule."""
        assert interaction.guild_id is not None
        await self.bot.services.checkins.delete_schedule(interaction.guild_id, actor(interaction), schedule)
        await reply(
            interaction, card("Deleted", "That schedule sends no more check-ins.", color=SUCCESS_COLOR)
        )

    @app_commands.command(
        name="questions", description="Create a set of your own check-in questions (coordinators)"
    )
    async def questions_(self, interaction: discord.Interaction) -> None:
        """Create a set of your own check-in questions (coordinators)."""
        assert interaction.guild_id is not None
        await self.bot.services.program.require_coordinator(
            interaction.guild_id, actor(interaction), "create question sets"
        )
        await interaction.response.send_modal(QuestionSetModal(self.bot))

    @app_commands.command(name="answer", description="Answer your open check-in here (only you see it)")
    async def answer(self, interaction: discord.Interaction) -> None:
        """Answer your open check-in here (only you see it)."""
        assert interaction.guild_id is not None
        checkin = await self.bot.services.checkin_answers.latest_open(
            interaction.guild_id, interaction.user.id
        )
        await interaction.response.send_modal(AnswerModal(checkin, from_dm=False))

    @app_commands.command(
        name="now", description="Send a schedule's check-in to its group right away (facilitators)"
    )
    @app_commands.describe(schedule="The schedule")
    async def now(self, interaction: discord.Interaction, schedule: int) -> None:
        """Send a schedule's check-in to its group right away (facilitators)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.services.checkins.send_now(interaction.guild_id, actor(interaction), schedule)
        text = f"Sending to {report.queued} member{'s' if report.queued != 1 else ''}."
        if report.already_had_one:
            text += f" {report.already_had_one} already had today's check-in."
        if report.on_break:
            text += f" {report.on_break} on a break."
        await reply(interaction, card("Check-in sent", text, color=SUCCESS_COLOR))

    @app_commands.command(name="pause", description="Pause your check-ins for a break")
    @app_commands.describe(until="The last day of your break, YYYY-MM-DD")
    async def pause(self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 10]) -> None:
        """Pause your check-ins for a break."""
        assert interaction.guild_id is not None
        day = await self.bot.services.checkin_answers.pause(interaction.guild_id, interaction.user.id, until)
        text = f"No check-ins until after {day:%A %d %B %Y}. Enjoy! (`/checkin resume` ends the break early.)"
        await reply(interaction, card("Check-ins paused", text, color=SUCCESS_COLOR))

    @app_commands.command(name="resume", description="End your break: check-ins resume")
    async def resume(self, interaction: discord.Interaction) -> None:
        """End your break: check-ins resume."""
        assert interaction.guild_id is not None
        await self.bot.services.checkin_answers.resume(interaction.guild_id, interaction.user.id)
        await reply(
            interaction,
            card("Welcome back", "Your check-ins resume with the next round.", color=SUCCESS_COLOR),
        )

    @app_commands.command(name="history", description="Your own check-in answers (only you see them)")
    async def history(self, interaction: discord.Interaction) -> None:
        """Your own check-in answers (only you see them)."""
        assert interaction.guild_id is not None
        guild_id, user_id = interaction.guild_id, interaction.user.id
        answers_of = self.bot.services.checkin_answers

        async def page_of(_: discord.Interaction, page: int) -> tuple[discord.Embed, int]:
            answers, pages = await answers_of.history(guild_id, user_id, page)
            return history_embed(answers, page, pages), pages

        await Pager.send(interaction, page_of)

    @app_commands.command(
        name="summary", description="Response rate and shared answers of a group's latest round"
    )
    @app_commands.describe(group="The group")
    async def summary(self, interaction: discord.Interaction, group: str) -> None:
        """Response rate and shared answers of a group's latest round."""
        assert interaction.guild_id is not None
        summaries = await self.bot.services.checkin_answers.summary(
            interaction.guild_id, actor(interaction), group
        )
        if not summaries:
            await reply(interaction, card("No check-ins", "This group has no check-in schedule yet."))
            return
        embed = card(f"Check-in summary · {summaries[0].group_name}")
        for summary in summaries[:5]:
            if summary.round_date is None:
                embed.add_field(
                    name="No rounds yet", value="The first check-in hasn't gone out.", inline=False
                )
                continue
            rate = f"{summary.answered} of {summary.total} answered"
            waiting = ", ".join(f"<@{u}>" for u in summary.waiting) or "nobody"
            embed.add_field(
                name=f"Round of {summary.round_date:%d %b %Y}: {rate}",
                value=f"Waiting: {waiting}"[:1024],
                inline=False,
            )
            for author, answers, visibility in summary.shared[:8]:
                text = "; ".join(
                    f"{verbatim(a['question'])} {verbatim(a['value'])}" for a in answers if a["value"]
                )
                embed.add_field(
                    name=f"Shared with {visibility}", value=f"<@{author}>: {text}"[:1024], inline=False
                )
        embed.set_footer(text="Private answers are never shown here.")
        await reply(interaction, embed)

    for _command in (schedule, schedules, summary):
        _command.autocomplete("group")(group_choices)
    for _command in (edit, schedule_pause, schedule_delete, now):
        _command.autocomplete("schedule")(schedule_autocomplete)
    for _command in (schedule, edit):
        _command.autocomplete("questions")(question_set_autocomplete)
    del _command
