"""/meet: plan a meeting across time zones, confirm it, remind, RSVP, record who came, repeat."""

from __future__ import annotations

from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.discord.meetings import missing_event_permission
from bot.errors import DomainError, Invalid
from bot.services.meetings import (
    DAYS_MAX,
    DURATION_MAX,
    DURATION_MIN,
    EVERY_WEEKS_MAX,
    GOING,
    NOT_GOING,
    Overview,
    Ranking,
    SeriesView,
)
from bot.services.verbatim import verbatim
from cogs._ui import (
    SUCCESS_COLOR,
    WEEKDAY_CHOICES,
    WEEKDAYS,
    actor,
    card,
    group_choices,
    reply,
)
from cogs.meetings._components import (
    AttendanceView,
    ConfirmView,
    attendance_embed,
    moment,
    services,
)

GOING_LABELS = {GOING: "✅ going", NOT_GOING: "can't make it", None: "no answer yet"}


def _check_bot_can_make_events(interaction: discord.Interaction, voice: discord.VoiceChannel | None) -> None:
    """Refuse early, with the permission named, when the bot could not create the server event."""
    assert interaction.guild is not None
    missing = missing_event_permission(interaction.guild, voice.id if voice else None)
    if missing is not None:
        raise missing


async def slot_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Offer the open poll's times, best first, labelled on the facilitator's clock."""
    group = getattr(interaction.namespace, "group", None)
    if interaction.guild_id is None or not group:
        return []
    try:
        ranking = await services(interaction).meetings.ranking(
            interaction.guild_id, actor(interaction), group
        )
    except DomainError:
        return []
    invited = len(ranking.invited)
    needle = current.casefold()
    return [
        app_commands.Choice(
            name=f"{row.label} · {len(row.attendees)}/{invited} can come"[:100],
            value=str(int(row.at.timestamp())),
        )
        for row in ranking.rows
        if needle in row.label.casefold()
    ][:25]


async def _meeting_choices(
    interaction: discord.Interaction, current: str, *, past: bool
) -> list[app_commands.Choice[str]]:
    group = getattr(interaction.namespace, "group", None)
    if interaction.guild_id is None or not group:
        return []
    try:
        found = await services(interaction).meetings.meeting_choices(
            interaction.guild_id, actor(interaction), group, past=past
        )
    except DomainError:
        return []
    needle = current.casefold()
    return [
        app_commands.Choice(name=label[:100], value=str(meeting_id))
        for meeting_id, label in found
        if needle in label.casefold()
    ][:25]


async def past_meeting_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer the group's meetings that have started, latest first."""
    return await _meeting_choices(interaction, current, past=True)


async def upcoming_meeting_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer the group's open poll and meetings still to come."""
    return await _meeting_choices(interaction, current, past=False)


def _id(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    if not value.strip().isdecimal():
        raise Invalid(f"Pick a {what} from the list as you type.")
    return int(value)


def _slot(value: str | None) -> datetime | None:
    if value is None:
        return None
    if not value.strip().isdecimal() or len(value.strip()) > 12:
        raise Invalid("Pick a time from the list as you type (the poll's times, best first).")
    return moment(value.strip())


@app_commands.guild_only()
class MeetCog(commands.GroupCog, group_name="meet", group_description="Meetings across time zones"):
    """Meeting commands; the service checks who may do what."""

    recurring_group = app_commands.Group(name="recurring", description="A group's regular meeting")

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    # -- planning -------------------------------------------------------------------------

    @app_commands.command(
        name="plan", description="Propose a meeting; members mark the times that work (facilitators)"
    )
    @app_commands.describe(
        group="The group that meets",
        title="A name for the meeting (default: the group's name + meeting)",
        times="Times to offer, on your clock: `2026-12-01 14:00, Tue 9:30` (default: I suggest good ones)",
        days="Suggest times over this many days from tomorrow (default 7)",
        duration="How long, in minutes (default 60)",
        voice="Meet in this voice channel (default: the group's home channel)",
    )
    @app_commands.autocomplete(group=group_choices)
    async def plan(
        self,
        interaction: discord.Interaction,
        group: str,
        title: app_commands.Range[str, 1, 100] | None = None,
        times: app_commands.Range[str, 1, 600] | None = None,
        days: app_commands.Range[int, 1, DAYS_MAX] = 7,
        duration: app_commands.Range[int, DURATION_MIN, DURATION_MAX] = 60,
        voice: discord.VoiceChannel | None = None,
    ) -> None:
        """Propose a meeting; members mark the times that work."""
        assert interaction.guild_id is not None
        _check_bot_can_make_events(interaction, voice)
        await interaction.response.defer(ephemeral=True, thinking=True)
        plan = await services(interaction).meetings.plan(
            interaction.guild_id,
            actor(interaction),
            group,
            title=title,
            times=times,
            days=days,
            duration_minutes=duration,
            voice_channel_id=voice.id if voice else None,
        )
        meeting = plan.meeting
        listed = "\n".join(f"• {format_dt(slot.at, 'F')}" for slot in plan.slots)
        how = (
            "I picked times that weigh least on the members' clocks, sparing whoever had awkward hours before"
            if plan.suggested
            else "The times you typed, read on your clock"
        )
        text = (
            f"The poll for **{verbatim(meeting.title)}** is in <#{meeting.home_channel_id}>. "
            f"{how}:\n{listed}\n\n"
            "See who can come with `/meet results`, then fix the time with `/meet confirm`."
        )
        await reply(interaction, card("📅 Poll posted", text[:4096], color=SUCCESS_COLOR))

    @app_commands.command(
        name="results", description="The poll's times, best first: who can come (facilitators)"
    )
    @app_commands.describe(group="The group whose poll to see")
    @app_commands.autocomplete(group=group_choices)
    async def results(self, interaction: discord.Interaction, group: str) -> None:
        """The poll's times, best first: who can come, and whose hour would be awkward."""
        assert interaction.guild_id is not None
        ranking = await services(interaction).meetings.ranking(
            interaction.guild_id, actor(interaction), group
        )
        view = ConfirmView(ranking, group, self.confirm_and_announce) if ranking.rows else None
        await reply(interaction, ranking_embed(ranking), **({"view": view} if view else {}))

    @app_commands.command(
        name="confirm", description="Fix the meeting's time: event, announcement, reminders"
    )
    @app_commands.describe(
        group="The group whose poll to confirm", slot="The time (default: the best-ranked one)"
    )
    @app_commands.autocomplete(group=group_choices, slot=slot_choices)
    async def confirm(self, interaction: discord.Interaction, group: str, slot: str | None = None) -> None:
        """Fix the meeting's time: server event, announcement, reminders."""
        await self.confirm_and_announce(interaction, group, _slot(slot))

    async def confirm_and_announce(
        self, interaction: discord.Interaction, group: str, at: datetime | None
    ) -> None:
        """Confirm, put the meeting on the server's calendar and say what happened."""
        assert interaction.guild_id is not None
        _check_bot_can_make_events(interaction, None)
        await interaction.response.defer(ephemeral=True, thinking=True)
        meetings = services(interaction).meetings
        confirmed = await meetings.confirm(interaction.guild_id, actor(interaction), group, at)
        published = await meetings.publish(confirmed.meeting.id)
        meeting = published.meeting if published else confirmed.meeting
        assert meeting.starts_at is not None
        row = confirmed.row
        text = (
            f"**{verbatim(meeting.title)}** is on {format_dt(meeting.starts_at, 'F')} "
            f"({format_dt(meeting.starts_at, 'R')}); "
            f"{len(row.attendees)} of {confirmed.invited} said this time works.\n"
            "It is announced in the group's home with **Going** / **Can't make it**, and members get a "
            "DM a day and an hour before (never in their quiet hours)."
        )
        embed = card("📅 Meeting confirmed", text, color=SUCCESS_COLOR)
        if meeting.event_url:
            embed.add_field(name="Server event", value=meeting.event_url, inline=False)
        elif published and published.failure:
            embed.add_field(name="No server event", value=published.failure[:1024], inline=False)
        else:  # the meetings sweep got to it first
            embed.add_field(name="Server event", value="On its way, with the announcement.", inline=False)
        if row.awkward:
            hard = ", ".join(f"<@{user}> ({hour})" for user, hour in row.awkward)
            embed.add_field(
                name="An awkward hour for",
                value=f"{hard}\nIt counts toward their share: the next awkward hour goes to someone else."[
                    :1024
                ],
                inline=False,
            )
        await reply(interaction, embed)

    # -- after the meeting ----------------------------------------------------------------

    @app_commands.command(name="attendance", description="Record who came to a meeting (facilitators)")
    @app_commands.describe(group="The group that met", meeting="Which meeting (default: the latest)")
    @app_commands.autocomplete(group=group_choices, meeting=past_meeting_choices)
    async def attendance(
        self, interaction: discord.Interaction, group: str, meeting: str | None = None
    ) -> None:
        """Record who came to a meeting."""
        assert interaction.guild_id is not None
        form = await services(interaction).meetings.attendance_form(
            interaction.guild_id, actor(interaction), group_ref=group, meeting_id=_id(meeting, "meeting")
        )
        await reply(interaction, attendance_embed(form), view=AttendanceView(form))

    @app_commands.command(
        name="cancel", description="Cancel the open poll or an upcoming meeting (facilitators)"
    )
    @app_commands.describe(
        group="The group", meeting="Which one (default: the open poll, else the next meeting)"
    )
    @app_commands.autocomplete(group=group_choices, meeting=upcoming_meeting_choices)
    async def cancel(self, interaction: discord.Interaction, group: str, meeting: str | None = None) -> None:
        """Cancel the open poll or an upcoming meeting."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view, problem = await services(interaction).meetings.cancel(
            interaction.guild_id, actor(interaction), group, _id(meeting, "meeting")
        )
        what = format_dt(view.starts_at, "F") if view.starts_at else "the open poll"
        text = f"**{verbatim(view.title)}** ({what}) is cancelled; the group was told and reminders are off."
        if view.event_id and not problem:
            text += " Its server event is cancelled too."
        embed = card("Cancelled", text, color=SUCCESS_COLOR)
        if problem:
            embed.add_field(name="The server event is still there", value=problem[:1024], inline=False)
        await reply(interaction, embed)

    @app_commands.command(name="list", description="A group's meetings: the poll, what's coming, attendance")
    @app_commands.describe(group="The group")
    @app_commands.autocomplete(group=group_choices)
    async def list_(self, interaction: discord.Interaction, group: str) -> None:
        """A group's meetings: the open poll, what's coming, what was, and attendance."""
        assert interaction.guild_id is not None
        overview = await services(interaction).meetings.overview(
            interaction.guild_id, actor(interaction), group
        )
        await reply(interaction, overview_embed(overview))

    # -- recurring ------------------------------------------------------------------------

    @recurring_group.command(
        name="start", description="Meet every few weeks at the fairest hour (facilitators)"
    )
    @app_commands.describe(
        group="The group that meets",
        weekday="The day of the week, on your calendar",
        every_weeks="How often (default: the group's cadence, else every 3 weeks)",
        duration="How long, in minutes (default 60)",
        title="A name for the meetings (default: the group's name + meeting)",
        voice="Meet in this voice channel (default: the group's home channel)",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    @app_commands.autocomplete(group=group_choices)
    async def recurring_start(
        self,
        interaction: discord.Interaction,
        group: str,
        weekday: int,
        every_weeks: app_commands.Range[int, 1, EVERY_WEEKS_MAX] | None = None,
        duration: app_commands.Range[int, DURATION_MIN, DURATION_MAX] = 60,
        title: app_commands.Range[str, 1, 100] | None = None,
        voice: discord.VoiceChannel | None = None,
    ) -> None:
        """Meet every few weeks on a weekday, at that day's fairest hour."""
        assert interaction.guild_id is not None
        _check_bot_can_make_events(interaction, voice)
        series = await services(interaction).meetings.start_series(
            interaction.guild_id,
            actor(interaction),
            group,
            weekday,
            every_weeks=every_weeks,
            duration_minutes=duration,
            title=title,
            voice_channel_id=voice.id if voice else None,
        )
        text = (
            f"{_cadence(series)}. Each meeting is set a week ahead at the hour of that day that weighs "
            "least on the members' clocks, and the awkward hours rotate. It gets a server event, an "
            "announcement with **Going** / **Can't make it**, and reminders, as for a meeting set by hand."
        )
        await reply(interaction, series_embed("🔁 Regular meeting on", series, text))

    @recurring_group.command(name="stop", description="Stop the group's regular meeting (facilitators)")
    @app_commands.describe(group="The group")
    @app_commands.autocomplete(group=group_choices)
    async def recurring_stop(self, interaction: discord.Interaction, group: str) -> None:
        """Stop the group's regular meeting (meetings already set stay; cancel them one by one)."""
        assert interaction.guild_id is not None
        series = await services(interaction).meetings.stop_series(
            interaction.guild_id, actor(interaction), group
        )
        text = "No more meetings will be set. Meetings already set stay; `/meet cancel` takes one off."
        await reply(interaction, series_embed("Regular meeting stopped", series, text))


def _cadence(series: SeriesView) -> str:
    day = WEEKDAYS[series.weekday]
    return f"Every {day}" if series.every_weeks == 1 else f"Every {series.every_weeks} weeks on {day}"


def series_embed(title: str, series: SeriesView, text: str) -> discord.Embed:
    """A regular meeting's settings and its next day."""
    embed = card(title, text, color=SUCCESS_COLOR)
    embed.add_field(name="Meeting", value=series.title[:1024], inline=True)
    embed.add_field(name="How often", value=_cadence(series), inline=True)
    if series.next_day:
        embed.add_field(name="Next day", value=f"{series.next_day:%a %d %b %Y} ({series.zone})", inline=True)
    return embed


def ranking_embed(ranking: Ranking) -> discord.Embed:
    """The poll's times, best first: counts, who can't, and whose hour would be awkward."""
    invited = len(ranking.invited)
    text = (
        f"**{verbatim(ranking.meeting.title)}**: "
        f"{len(ranking.responded)} of {invited} members have answered. "
        "Times are ranked by how many can come, then by how few would meet at an awkward hour, then by how "
        "inconvenient the hour is for each, weighing more for whoever carried awkward hours before. "
        "Only you see this."
    )
    embed = card("📊 Poll results", text)
    for index, row in enumerate(ranking.rows[:10], start=1):
        lines = [format_dt(row.at, "F")]
        if row.absent:
            lines.append("Can't: " + ", ".join(f"<@{u}>" for u in row.absent))
        if row.awkward:
            lines.append("Awkward hour for: " + ", ".join(f"<@{u}> ({hour})" for u, hour in row.awkward))
        embed.add_field(
            name=f"#{index} · {len(row.attendees)}/{invited} can come",
            value="\n".join(lines)[:1024],
            inline=False,
        )
    if len(ranking.rows) > 10:
        embed.set_footer(text=f"{len(ranking.rows) - 10} more times in the menu below.")
    return embed


def overview_embed(overview: Overview) -> discord.Embed:
    """A group's meetings at a glance."""
    embed = card(f"📅 Meetings · {overview.group_name}")
    if overview.poll:
        embed.add_field(
            name="Open poll",
            value=f"**{verbatim(overview.poll.title)}**: press **Mark my times** "
            f"in <#{overview.poll.home_channel_id}>",
            inline=False,
        )
    for line in overview.upcoming[:5]:
        meeting = line.meeting
        assert meeting.starts_at is not None
        when = f"{format_dt(meeting.starts_at, 'F')} ({format_dt(meeting.starts_at, 'R')})"
        value = (
            f"{when} · {line.going} going, "
            f"{line.not_going} can't · you: {GOING_LABELS.get(line.my_rsvp, 'no answer yet')}"
        )
        if meeting.event_url:
            value += f"\n{meeting.event_url}"
        embed.add_field(name=f"Coming: {verbatim(meeting.title)}"[:256], value=value[:1024], inline=False)
    if overview.past:
        lines = []
        for line in overview.past:
            assert line.meeting.starts_at is not None
            came = f"{line.attended} came" if line.attended is not None else "attendance not recorded"
            lines.append(
                f"{format_dt(line.meeting.starts_at, 'D')} · {verbatim(line.meeting.title)} · {came}"
            )
        embed.add_field(name="Recent", value="\n".join(lines)[:1024], inline=False)
    if overview.series and overview.series.active:
        next_day = f" · next: {overview.series.next_day:%a %d %b}" if overview.series.next_day else ""
        embed.add_field(name="Regular meeting", value=f"{_cadence(overview.series)}{next_day}", inline=False)
    rate = overview.attendance.rate
    if rate is not None:
        embed.add_field(
            name="Attendance",
            value=f"{rate:.0%} over {overview.attendance.meetings} recorded meeting(s)",
            inline=False,
        )
    if not embed.fields:
        embed.description = "No meetings yet. A facilitator can start a poll with `/meet plan`."
    return embed
