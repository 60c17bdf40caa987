"""The meetings' buttons and menus: mark my times, RSVP, record attendance, confirm a time."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord.utils import format_dt

from bot.app import MentorBot
from bot.services.meetings import AttendanceForm, AttendanceSummary, MemberPoll, Ranking
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingView, actor, card

MENU_TIMEOUT = 900.0  # an interaction token lasts 15 minutes; the menus with it


def services(interaction: discord.Interaction) -> Any:
    """Return the bot's services."""
    bot: MentorBot = interaction.client  # type: ignore[assignment]
    return bot.services


def moment(value: str) -> datetime:
    """Turn a select option's value (a UNIX timestamp) back into a time."""
    return datetime.fromtimestamp(int(value), UTC)


# -- members mark their times ------------------------------------------------------------------


class MarkButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"meet:mark:(?P<id>\d+)",
):
    """The poll's "Mark my times": opens a private menu of the times on the member's own clock."""

    def __init__(self, meeting_id: int) -> None:
        super().__init__(discord.ui.Button(label="Mark my times", custom_id=f"meet:mark:{meeting_id}"))
        self.meeting_id = meeting_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MarkButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Show the member's menu, with the times they marked before already ticked."""
        poll = await services(interaction).meetings.member_poll(self.meeting_id, interaction.user.id)
        await interaction.response.send_message(embed=mark_embed(poll), view=MarkView(poll), ephemeral=True)


def mark_embed(poll: MemberPoll, saved: int | None = None) -> discord.Embed:
    """Say what to do, in the member's zone; after saving, how many times they marked."""
    text = (
        f"The times of **{verbatim(poll.meeting.title)}** on your clock ({poll.zone}). "
        "Pick every time that works for you, then close the menu. Pick none if none do. "
        "Only the facilitators see your answer."
    )
    if saved is not None:
        return card(
            "Saved",
            f"{saved} of {len(poll.slots)} times work for you. Change them any time.\n\n{text}",
            color=SUCCESS_COLOR,
        )
    return card(f"📅 {verbatim(poll.meeting.title)}", text)


class MarkView(ReportingView):
    """A multi-select of the poll's times labelled on the member's clock (plain text: no ``<t:…>``)."""

    def __init__(self, poll: MemberPoll) -> None:
        super().__init__(timeout=MENU_TIMEOUT)
        self.poll = poll
        self.times = discord.ui.Select(
            placeholder="The times that work for me",
            min_values=0,
            max_values=len(poll.slots),
            options=self._options(poll.marked),
        )
        self.times.callback = self.picked  # type: ignore[method-assign]
        self.add_item(self.times)

    def _options(self, marked: frozenset[datetime]) -> list[discord.SelectOption]:
        return [
            discord.SelectOption(
                label=slot.label[:100], value=str(int(slot.at.timestamp())), default=slot.at in marked
            )
            for slot in self.poll.slots
        ]

    async def picked(self, interaction: discord.Interaction) -> None:
        """Save the marks and show them ticked."""
        chosen = [moment(value) for value in self.times.values]
        saved, _ = await services(interaction).meetings.mark(
            self.poll.meeting.id, interaction.user.id, chosen
        )
        self.times.options = self._options(frozenset(chosen))
        await interaction.response.edit_message(embed=mark_embed(self.poll, saved), view=self)


# -- RSVP ------------------------------------------------------------------------------------------


class RsvpButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"meet:rsvp:(?P<id>\d+):(?P<answer>yes|no)",
):
    """Going / Can't make it, on the announcement and the reminders; survives restarts."""

    def __init__(self, meeting_id: int, answer: str) -> None:
        super().__init__(discord.ui.Button(label=answer, custom_id=f"meet:rsvp:{meeting_id}:{answer}"))
        self.meeting_id, self.answer = meeting_id, answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> RsvpButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]), match["answer"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Record the answer; reminders follow it."""
        going = self.answer == "yes"
        meeting = await services(interaction).meetings.rsvp(self.meeting_id, interaction.user.id, going)
        assert meeting.starts_at is not None
        if going:
            when = f"{format_dt(meeting.starts_at, 'R')}, {format_dt(meeting.starts_at, 'F')}"
            text = f"See you {when}. I'll remind you."
        else:
            text = "Thanks for letting the group know. No reminders for this one; you can change your mind."
        await interaction.response.send_message(
            embed=card(
                f"{'Going' if going else 'Not this time'} · {verbatim(meeting.title)}",
                text,
                color=SUCCESS_COLOR,
            ),
            ephemeral=True,
        )


# -- attendance ------------------------------------------------------------------------------------


class AttendButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"meet:attend:(?P<id>\d+)",
):
    """The facilitators' "Record attendance" after a meeting (in their DMs)."""

    def __init__(self, meeting_id: int) -> None:
        super().__init__(discord.ui.Button(label="Record attendance", custom_id=f"meet:attend:{meeting_id}"))
        self.meeting_id = meeting_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AttendButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Open the attendance form."""
        form = await services(interaction).meetings.attendance_form(
            interaction.guild_id, actor(interaction), meeting_id=self.meeting_id
        )
        await interaction.response.send_message(
            embed=attendance_embed(form), view=AttendanceView(form), ephemeral=True
        )


def attendance_embed(form: AttendanceForm) -> discord.Embed:
    """Explain the attendance form."""
    meeting = form.meeting
    assert meeting.starts_at is not None
    ticked = "who came last time you recorded it" if form.recorded else "who said they were going"
    text = (
        f"**{verbatim(meeting.title)}**, {format_dt(meeting.starts_at, 'F')}. Pick everyone who came "
        f"(I've ticked {ticked}), then press **Save**. Everyone else in the group counts as absent."
    )
    if len(form.members) > 25:
        text += "\nThe menu takes 25 people at most; record a larger group in two goes."
    return card("📋 Who came?", text)


class AttendanceView(ReportingView):
    """A member picker (Discord's own user menu, so names need no lookup) and a Save button."""

    def __init__(self, form: AttendanceForm) -> None:
        super().__init__(timeout=MENU_TIMEOUT)
        self.form = form
        self.chosen = list(form.preselected)
        self.people = discord.ui.UserSelect(
            placeholder="Who came",
            min_values=0,
            max_values=max(1, min(25, len(form.members))),
            default_values=[discord.Object(user_id) for user_id in form.preselected[:25]],
        )
        self.people.callback = self.picked  # type: ignore[method-assign]
        self.add_item(self.people)
        save = discord.ui.Button(label="Save", style=discord.ButtonStyle.success)
        save.callback = self.save  # type: ignore[method-assign]
        self.add_item(save)

    async def picked(self, interaction: discord.Interaction) -> None:
        """Remember the choice until Save."""
        self.chosen = [user.id for user in self.people.values]
        await interaction.response.defer()

    async def save(self, interaction: discord.Interaction) -> None:
        """Record the attendance and show the group's rate."""
        summary = await services(interaction).meetings.record_attendance(
            actor(interaction), self.form.meeting.id, self.chosen
        )
        self.stop()
        await interaction.response.edit_message(embed=attendance_summary(summary), view=None)


def attendance_summary(summary: AttendanceSummary) -> discord.Embed:
    """Who came, who didn't, and the group's attendance so far."""
    came = ", ".join(f"<@{u}>" for u in summary.attended) or "nobody"
    missed = ", ".join(f"<@{u}>" for u in summary.absent) or "nobody"
    embed = card(f"Attendance saved · {verbatim(summary.meeting.title)}", color=SUCCESS_COLOR)
    embed.add_field(name=f"Came ({len(summary.attended)})", value=came[:1024], inline=False)
    embed.add_field(name=f"Absent ({len(summary.absent)})", value=missed[:1024], inline=False)
    rate = summary.group.rate
    if rate is not None:
        embed.add_field(
            name="The group so far",
            value=f"{rate:.0%} attendance over {summary.group.meetings} recorded meeting(s)",
            inline=False,
        )
    return embed


# -- confirming from the ranking -------------------------------------------------------------------

Confirm = Callable[[discord.Interaction, str, datetime], Awaitable[None]]


class ConfirmView(ReportingView):
    """Under the ranking: pick a time to confirm it (labels on the facilitator's clock)."""

    def __init__(self, ranking: Ranking, group: str, confirm: Confirm) -> None:
        super().__init__(timeout=MENU_TIMEOUT)
        self.group, self.confirm = group, confirm
        invited = len(ranking.invited)
        self.times = discord.ui.Select(
            placeholder="Confirm a time…",
            options=[
                discord.SelectOption(
                    label=f"{row.label} · {len(row.attendees)}/{invited} can come"[:100],
                    value=str(int(row.at.timestamp())),
                )
                for row in ranking.rows[:25]
            ],
        )
        self.times.callback = self.picked  # type: ignore[method-assign]
        self.add_item(self.times)

    async def picked(self, interaction: discord.Interaction) -> None:
        """Confirm the chosen time."""
        self.stop()
        await self.confirm(interaction, self.group, moment(self.times.values[0]))
