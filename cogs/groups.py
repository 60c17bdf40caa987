"""/group: create mentoring groups of every model, manage members, and archive them."""

from __future__ import annotations

import re
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.domain.groups import KIND_LABELS, NAME_MAX, Seat, missing_for_complete
from bot.domain.text import clip
from bot.services.goals.nudges import WEEKDAYS
from bot.services.groups import GroupService, GroupView
from bot.services.verbatim import verbatim
from cogs._ui import (
    SUCCESS_COLOR,
    ReportingItem,
    ReportingModal,
    ReportingView,
    actor,
    card,
    group_choices,
    reply,
    server_member,
)

KIND_CHOICES = [app_commands.Choice(name=label, value=kind) for kind, label in KIND_LABELS.items()]
RoleChoice = Literal["mentor", "mentee", "peer", "facilitator"]
MemberRoleChoice = Literal["mentor", "mentee", "peer"]
ROLE_ORDER = ("facilitator", "mentor", "mentee", "peer")


def group_embed(group: GroupView, coordinator_role_id: int | None = None) -> discord.Embed:
    """Render a group for people allowed to see it, with who looks after it."""
    embed = card(
        verbatim(group.name) + (" (archived)" if group.archived else ""), verbatim(group.description) or None
    )
    embed.add_field(name="Model", value=KIND_LABELS[group.kind], inline=False)
    if group.home is not None:
        embed.add_field(name="Home", value=f"<#{group.home.channel_id}>", inline=True)
    embed.add_field(
        name="Meets",
        value=f"every {group.meeting_every_weeks} weeks" if group.meeting_every_weeks else "not scheduled",
        inline=True,
    )
    embed.add_field(name="Joining", value="open to anyone" if group.is_open else "by invitation", inline=True)
    for role in ROLE_ORDER:
        people = [f"<@{m.user_id}>" for m in group.members if m.role == role]
        if people:
            embed.add_field(name=f"{role.title()}s ({len(people)})", value=_clip_list(people), inline=False)
    looked_after = [f"<@{u}>" for u in group.facilitator_ids]
    looked_after.append(
        f"coordinators (<@&{coordinator_role_id}>)" if coordinator_role_id else "the server's admins"
    )
    embed.add_field(name="Looked after by", value=", ".join(looked_after), inline=False)
    if not group.members:
        embed.add_field(name="Members", value="nobody yet: add them with `/group add`", inline=False)
    elif missing := missing_for_complete(group.kind, _seats(group)):
        embed.set_footer(text="Still needs: " + ", ".join(missing))
    return embed


def _seats(group: GroupView) -> list[Seat]:
    return [Seat(m.user_id, m.role) for m in group.members]


def _clip_list(items: list[str]) -> str:
    text = ", ".join(items)
    return clip(text, 1024, at=", ")


class DescribeModal(ReportingModal, title="Describe the group"):
    """A long description in a form instead of a one-line option."""

    def __init__(self, bot: MentorBot, group: GroupView) -> None:
        super().__init__()
        self.bot, self.group_id = bot, group.id
        self.text = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            default=group.description or "",
            required=False,
            max_length=1000,
        )
        self.add_item(
            discord.ui.Label(
                text="Description", description="Purpose, rhythm, expectations", component=self.text
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the description."""
        assert interaction.guild_id is not None
        group = await self.bot.services.groups.update(
            interaction.guild_id, actor(interaction), self.group_id, description=self.text.value
        )
        await reply(interaction, group_embed(group))


class ArchiveConfirm(ReportingView):
    """Asks before archiving: it removes everyone's access."""

    def __init__(self, bot: MentorBot, group: GroupView, requester_id: int) -> None:
        super().__init__(timeout=180)
        self.bot, self.group, self.requester_id = bot, group, requester_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the person who asked can confirm."""
        return interaction.user.id == self.requester_id

    @discord.ui.button(label="Archive", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Archive the group."""
        assert interaction.guild_id is not None
        await interaction.response.defer()
        archived = await self.bot.services.groups.archive(
            interaction.guild_id, actor(interaction), self.group.id
        )
        self.stop()
        await interaction.edit_original_response(
            embed=card(
                f"Archived “{verbatim(archived.name)}”",
                "Its history is kept; its members no longer see its home and its schedules have stopped.",
                color=SUCCESS_COLOR,
            ),
            view=None,
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Leave the group as it is."""
        self.stop()
        await interaction.response.edit_message(
            embed=card("Nothing changed", f"“{verbatim(self.group.name)}” stays."), view=None
        )


class ConsentButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"consent:agree:(?P<id>\d+)"
):
    """The "I agree" button of a group's ground rules: the consent gate before its home opens."""

    def __init__(self, group_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="I agree", style=discord.ButtonStyle.success, custom_id=f"consent:agree:{group_id}"
            )
        )
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ConsentButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Record the agreement and open the home."""
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        await interaction.response.defer()
        view = await bot.services.groups.agree(interaction.guild_id, interaction.user.id, self.group_id)
        where = f" Say hello in <#{view.home.channel_id}>." if view.home else ""
        done = card(
            f"Welcome to {verbatim(view.name)}",
            f"Thank you for agreeing to the ground rules.{where}",
            color=SUCCESS_COLOR,
        )
        await interaction.edit_original_response(embed=done, view=None)


@app_commands.guild_only()
class GroupsCog(
    commands.GroupCog, group_name="group", group_description="Mentoring groups: pairs, groups and peers"
):
    """Group commands; rights are checked by the group service."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def groups(self) -> GroupService:
        """Return the group service."""
        return self.bot.services.groups

    @app_commands.command(name="create", description="Create a mentoring group with its own private channel")
    @app_commands.describe(
        name="The group's name (unique in this server)",
        kind="The mentoring model",
        description="What the group is for",
        open="Can members join it themselves?",
        meets_every_weeks="Meeting cadence, e.g. 3 for every three weeks",
        home="Use this existing channel or thread instead of creating a private channel",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, NAME_MAX],
        kind: app_commands.Choice[str],
        description: app_commands.Range[str, 1, 1000] | None = None,
        open: bool = False,
        meets_every_weeks: app_commands.Range[int, 1, 12] | None = None,
        home: discord.TextChannel | discord.Thread | None = None,
    ) -> None:
        """Create a mentoring group with its own private channel."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        group = await self.groups.create(
            interaction.guild_id,
            actor(interaction),
            name=name,
            kind=kind.value,
            description=description,
            is_open=open,
            meeting_every_weeks=meets_every_weeks,
            link_channel_id=home.id if home else None,
        )
        embed = group_embed(group)
        embed.title = f"Created “{verbatim(group.name)}”"
        embed.color = SUCCESS_COLOR
        await reply(interaction, embed)

    @app_commands.command(name="info", description="Show a group: its model, home, cadence and members")
    @app_commands.describe(group="The group")
    async def info(self, interaction: discord.Interaction, group: str) -> None:
        """Show a group: its model, home, cadence and members."""
        assert interaction.guild_id is not None
        view = await self.groups.get(interaction.guild_id, actor(interaction), group)
        role_id = (await self.bot.services.program.get(interaction.guild_id)).coordinator_role_id
        await reply(interaction, group_embed(view, role_id))

    @app_commands.command(name="list", description="List the groups you belong to and the open ones")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the groups you belong to and the open ones."""
        assert interaction.guild_id is not None
        found = await self.groups.list_visible(interaction.guild_id, actor(interaction), limit=50)
        if not found:
            await reply(
                interaction, card("No groups yet", "Coordinators create groups with `/group create`.")
            )
            return
        lines = [
            f"**{verbatim(g.name)}** — {KIND_LABELS[g.kind].split(' (')[0]}, {g.member_count} "
            f"member{'s' if g.member_count != 1 else ''}{' · open' if g.is_open else ''}"
            for g in found
        ]
        await reply(interaction, card("Groups", "\n".join(lines)[:4000]))

    @app_commands.command(
        name="add", description="Add someone to a group (coordinators and its facilitators)"
    )
    @app_commands.describe(group="The group", user="Who to add", role="Their role in the group")
    async def add(
        self, interaction: discord.Interaction, group: str, user: discord.User, role: RoleChoice
    ) -> None:
        """Add someone to a group (coordinators and its facilitators)."""
        assert interaction.guild_id is not None
        member = server_member(user)
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.groups.add_member(
            interaction.guild_id, actor(interaction), group, member.id, role, is_bot=member.bot
        )
        await reply(
            interaction,
            card(
                "Added",
                f"{member.mention} joined **{verbatim(view.name)}** as {role}. "
                "They get access to its channel "
                "once they agree to the ground rules (sent by DM, or `/group agree`).",
                color=SUCCESS_COLOR,
            ),
        )

    @app_commands.command(
        name="remove", description="Remove someone from a group (coordinators and its facilitators)"
    )
    @app_commands.describe(group="The group", user="Who to remove")
    async def remove(self, interaction: discord.Interaction, group: str, user: discord.User) -> None:
        """Remove someone from a group (coordinators and its facilitators)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.groups.remove_member(interaction.guild_id, actor(interaction), group, user.id)
        await reply(
            interaction,
            card(
                "Removed",
                f"{user.mention} is no longer in **{verbatim(view.name)}** and can't see its home.",
                color=SUCCESS_COLOR,
            ),
        )

    @app_commands.command(name="join", description="Join an open group")
    @app_commands.describe(group="An open group", role="Your role (default: mentee, or peer in peer groups)")
    async def join(
        self, interaction: discord.Interaction, group: str, role: MemberRoleChoice | None = None
    ) -> None:
        """Join an open group."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.groups.join(interaction.guild_id, actor(interaction), group, role)
        text = (
            f"You joined **{verbatim(view.name)}**. "
            "Read its ground rules and press **I agree** to get access."
        )
        await reply(interaction, card("Almost there", text, color=SUCCESS_COLOR), view=_consent_view(view.id))

    @app_commands.command(
        name="agree", description="Read a group's ground rules and agree to them to get access"
    )
    @app_commands.describe(group="Your group")
    async def agree(self, interaction: discord.Interaction, group: str) -> None:
        """Read a group's ground rules and agree to them to get access."""
        assert interaction.guild_id is not None
        view, rules = await self.bot.services.discussions.rules(
            interaction.guild_id, actor(interaction), group
        )
        listed = "\n".join(f"{n}. {verbatim(rule)}" for n, rule in enumerate(rules, start=1))
        await reply(
            interaction, card(f"Ground rules · {verbatim(view.name)}", listed), view=_consent_view(view.id)
        )

    @app_commands.command(name="leave", description="Leave a group")
    @app_commands.describe(group="The group to leave")
    async def leave(self, interaction: discord.Interaction, group: str) -> None:
        """Leave a group."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.groups.leave(interaction.guild_id, actor(interaction), group)
        await reply(
            interaction,
            card("You left", f"You are no longer in **{verbatim(view.name)}**.", color=SUCCESS_COLOR),
        )

    @app_commands.command(name="rename", description="Rename a group (coordinators and its facilitators)")
    @app_commands.describe(group="The group", name="Its new name")
    async def rename(
        self, interaction: discord.Interaction, group: str, name: app_commands.Range[str, 1, NAME_MAX]
    ) -> None:
        """Rename a group (coordinators and its facilitators)."""
        assert interaction.guild_id is not None
        view = await self.groups.update(interaction.guild_id, actor(interaction), group, name=name)
        await reply(interaction, group_embed(view))

    @app_commands.command(name="describe", description="Write a group's description in a form")
    @app_commands.describe(group="The group")
    async def describe(self, interaction: discord.Interaction, group: str) -> None:
        """Write a group's description in a form."""
        assert interaction.guild_id is not None
        view = await self.groups.get(interaction.guild_id, actor(interaction), group)
        await interaction.response.send_modal(DescribeModal(self.bot, view))

    @app_commands.command(
        name="settings", description="Open or close a group to joining, or change how often it meets"
    )
    @app_commands.describe(
        group="The group",
        open="Can members join it themselves?",
        meets_every_weeks="Meeting cadence in weeks",
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        group: str,
        open: bool | None = None,
        meets_every_weeks: app_commands.Range[int, 1, 12] | None = None,
    ) -> None:
        """Open or close a group to joining, or change how often it meets."""
        assert interaction.guild_id is not None
        changes: dict[str, object] = {"is_open": open}
        if meets_every_weeks is not None:
            changes["meeting_every_weeks"] = meets_every_weeks
        view = await self.groups.update(interaction.guild_id, actor(interaction), group, **changes)  # type: ignore[arg-type]
        await reply(interaction, group_embed(view))

    @app_commands.command(
        name="wins", description="Set the weekday of the group's weekly wins digest, or turn it off"
    )
    @app_commands.describe(group="The group", day="The day it is posted (at the hour most members are awake)")
    @app_commands.choices(
        day=[app_commands.Choice(name=d, value=i) for i, d in enumerate(WEEKDAYS)]
        + [app_commands.Choice(name="Off", value=-1)]
    )
    async def wins(self, interaction: discord.Interaction, group: str, day: app_commands.Choice[int]) -> None:
        """Set the weekday of the group's weekly wins digest, or turn it off."""
        assert interaction.guild_id is not None
        weekday = None if day.value < 0 else day.value
        view = await self.groups.set_wins_day(interaction.guild_id, actor(interaction), group, weekday)
        text = f"Weekly wins are posted on {day.name}s." if weekday is not None else "Weekly wins are off."
        await reply(interaction, card(verbatim(view.name), text, color=SUCCESS_COLOR))

    @app_commands.command(
        name="archive", description="Archive a group: history kept, access and schedules stopped"
    )
    @app_commands.describe(group="The group to archive")
    async def archive(self, interaction: discord.Interaction, group: str) -> None:
        """Archive a group: history kept, access and schedules stopped."""
        assert interaction.guild_id is not None
        view = await self.groups.get(interaction.guild_id, actor(interaction), group)
        await self.bot.services.program.require_coordinator(
            interaction.guild_id, actor(interaction), "archive groups"
        )
        await reply(
            interaction,
            card(
                f"Archive “{verbatim(view.name)}”?",
                f"Its {len(view.members)} members will lose access to its home; its history is kept.",
            ),
            view=ArchiveConfirm(self.bot, view, interaction.user.id),
        )

    @app_commands.command(name="home", description="Give a group a new home channel (coordinators)")
    @app_commands.describe(
        group="The group", channel="Link this channel or thread (leave empty: create a private one)"
    )
    async def home(
        self,
        interaction: discord.Interaction,
        group: str,
        channel: discord.TextChannel | discord.Thread | None = None,
    ) -> None:
        """Give a group a new home channel (coordinators)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.groups.set_home(
            interaction.guild_id, actor(interaction), group, link_channel_id=channel.id if channel else None
        )
        await reply(interaction, group_embed(view))

    for _command in (info, add, remove, join, leave, rename, describe, settings, archive, home, wins, agree):
        _command.autocomplete("group")(group_choices)
    del _command


def _consent_view(group_id: int) -> discord.ui.View:
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(ConsentButton(group_id))
    buttons.stop()  # the persistent ConsentButton handles the click
    return buttons


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent consent button."""
    bot.add_dynamic_items(ConsentButton)
    await bot.add_cog(GroupsCog(bot))
