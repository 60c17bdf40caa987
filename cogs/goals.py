"""/goal: goals grounded in what matters, milestones, progress and accountability partners."""

from __future__ import annotations

import re
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.errors import Invalid
from bot.services.actors import Actor
from bot.services.goals import GoalIsPrivate, GoalService, GoalView
from bot.services.verbatim import verbatim
from cogs._ui import (
    SUCCESS_COLOR,
    ReportingItem,
    ReportingModal,
    actor,
    card,
    group_choices,
    reply,
    server_member,
)

VISIBILITY_LABELS = {"private": "only you", "partners": "you and your partners", "group": "your group"}
VisibilityChoice = Literal["private", "partners", "group"]
HorizonChoice = Literal["short", "long"]


def progress_bar(percent: int) -> str:
    """Return a ten-block bar that reads well on a phone."""
    filled = round(percent / 10)
    return "▰" * filled + "▱" * (10 - filled) + f" {percent}%"


def goal_embed(goal: GoalView, *, title_prefix: str = "") -> discord.Embed:
    """Render a goal for someone allowed to see it."""
    status = "" if goal.status == "active" else f" ({goal.status})"
    embed = card(
        f"{title_prefix}{verbatim(goal.title)}{status}",
        goal.why and f"*Why it matters:* {verbatim(goal.why)}",
    )
    embed.add_field(name="Progress", value=progress_bar(goal.progress), inline=False)
    embed.add_field(name="Owner", value=f"<@{goal.owner_id}>", inline=True)
    embed.add_field(name="Term", value="long-term" if goal.horizon == "long" else "short-term", inline=True)
    if goal.due_date:
        embed.add_field(name="Due", value=f"{goal.due_date:%a %d %b %Y}", inline=True)
    if goal.milestones:
        lines = [f"{'✅' if m.done else '▫️'} {verbatim(m.title)}" for m in goal.milestones]
        embed.add_field(name="Milestones", value="\n".join(lines)[:1024], inline=False)
    if goal.partner_ids:
        embed.add_field(name="Partners", value=", ".join(f"<@{p}>" for p in goal.partner_ids), inline=False)
    if goal.reflection:
        embed.add_field(name="Reflection", value=goal.reflection[:1024], inline=False)
    embed.set_footer(text=f"Seen by {VISIBILITY_LABELS[goal.visibility]}")
    return embed


class CheerButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"goal:cheer:(?P<id>\d+)"
):
    """A partner's one-click encouragement; works after restarts."""

    def __init__(self, goal_id: int) -> None:
        super().__init__(discord.ui.Button(label="Cheer 👏", custom_id=f"goal:cheer:{goal_id}"))
        self.goal_id = goal_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> CheerButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Send the cheer and say so."""
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        goal = await bot.services.goals.cheer(interaction.user.id, self.goal_id)
        await interaction.response.send_message(
            embed=card("Cheer sent 👏", f"<@{goal.owner_id}> will see it.", color=SUCCESS_COLOR),
            ephemeral=True,
        )


class ShowToPartnerButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"goal:show-partner:(?P<goal>\d+):(?P<partner>\d+)",
):
    """The owner's choice, after a partner was refused on a private goal: show it to partners, add them."""

    def __init__(self, goal_id: int, partner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show it to my partners and add them",
                style=discord.ButtonStyle.primary,
                custom_id=f"goal:show-partner:{goal_id}:{partner_id}",
            )
        )
        self.goal_id, self.partner_id = goal_id, partner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ShowToPartnerButton:
        """Rebuild from the button's id."""
        return cls(int(match["goal"]), int(match["partner"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Make the goal visible to partners, name the partner, and show the goal."""
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        assert interaction.guild_id is not None
        owner, goal_ref = actor(interaction), str(self.goal_id)
        view = await bot.services.goals.add_partner(
            interaction.guild_id, owner, goal_ref, self.partner_id, show_to_partners=True
        )
        await reply(interaction, goal_embed(view))


class ProgressModal(ReportingModal, title="Update your goal"):
    """Progress and a note, from a nudge's "Update now"."""

    def __init__(self, goal_id: int, guild_id: int, progress: int) -> None:
        super().__init__()
        self.goal_id, self.guild_id = goal_id, guild_id
        self.progress = discord.ui.TextInput(default=str(progress), max_length=3, placeholder="0-100")
        self.note = discord.ui.TextInput(style=discord.TextStyle.paragraph, required=False, max_length=500)
        self.add_item(discord.ui.Label(text="Progress (%)", component=self.progress))
        self.add_item(
            discord.ui.Label(text="Note", description="What moved? (optional)", component=self.note)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Record the update."""
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        text = self.progress.value.strip().rstrip("%")
        if not text.lstrip("-").isdecimal():
            raise Invalid("Progress is a percentage from 0 to 100.")
        goal = await bot.services.goals.update(
            self.guild_id,
            Actor(interaction.user.id),
            str(self.goal_id),
            progress=int(text),
            note=self.note.value,
        )
        await interaction.response.edit_message(embed=goal_embed(goal, title_prefix="Updated: "), view=None)


class NudgeButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"goal:touch:(?P<id>\d+):(?P<act>update|still|pause)",
):
    """The buttons of a nudge or due-date reminder; they work after restarts."""

    def __init__(self, goal_id: int, action: str) -> None:
        super().__init__(discord.ui.Button(label=action, custom_id=f"goal:touch:{goal_id}:{action}"))
        self.goal_id, self.action = goal_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> NudgeButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]), match["act"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Update now (a form), still on it, or pause."""
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        goals = bot.services.goals
        guild_id = await goals.guild_of(interaction.user.id, self.goal_id)
        if self.action == "update":
            goal = await goals.show(guild_id, Actor(interaction.user.id), str(self.goal_id))
            await interaction.response.send_modal(ProgressModal(self.goal_id, guild_id, goal.progress))
            return
        if self.action == "still":
            goal = await goals.touch(interaction.user.id, self.goal_id)
            done = card(
                "Good to hear",
                f"**{verbatim(goal.title)}** stays on your list. Keep going!",
                color=SUCCESS_COLOR,
            )
        else:
            goal = await goals.set_status(guild_id, Actor(interaction.user.id), str(self.goal_id), "paused")
            done = card(
                "Paused", f"**{verbatim(goal.title)}** is paused; `/goal status` makes it active again."
            )
        await interaction.response.edit_message(embed=done, view=None)


@app_commands.guild_only()
class GoalsCog(
    commands.GroupCog, group_name="goal", group_description="Goals, milestones and accountability"
):
    """Goal commands; visibility is enforced by the goal service."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def goals(self) -> GoalService:
        """Return the goal service."""
        return self.bot.services.goals

    async def own_goal_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the user's own goals by title."""
        assert interaction.guild_id is not None
        found = await self.goals.visible(
            interaction.guild_id, actor(interaction), owner_id=interaction.user.id, query=current
        )
        return [app_commands.Choice(name=f"{g.title} ({g.progress}%)"[:100], value=str(g.id)) for g in found]

    async def any_goal_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer every goal the user may see."""
        assert interaction.guild_id is not None
        found = await self.goals.visible(interaction.guild_id, actor(interaction), query=current)
        return [app_commands.Choice(name=g.title[:100], value=str(g.id)) for g in found]

    async def milestone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the milestones of the goal chosen in the same command."""
        assert interaction.guild_id is not None
        goal_ref = getattr(interaction.namespace, "goal", None)
        if not goal_ref:
            return []
        try:
            goal = await self.goals.show(interaction.guild_id, actor(interaction), goal_ref)
        except Exception:  # autocomplete just offers nothing
            return []
        return [
            app_commands.Choice(name=f"{'✅ ' if m.done else ''}{m.title}"[:100], value=str(m.id))
            for m in goal.milestones
            if current.lower() in m.title.lower()
        ][:25]

    @app_commands.command(name="set", description="Set a goal, and say why it matters to you")
    @app_commands.describe(
        title="The goal",
        why="Why it matters: the value behind it",
        due="Due date, YYYY-MM-DD (optional)",
        visibility="Who sees it (default: only you)",
        term="Short-term or long-term",
        group="The group it belongs to (needed to share with a group or name partners)",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 100],
        why: app_commands.Range[str, 1, 500] | None = None,
        due: app_commands.Range[str, 1, 10] | None = None,
        visibility: VisibilityChoice = "private",
        term: HorizonChoice = "short",
        group: str | None = None,
    ) -> None:
        """Set a goal, and say why it matters to you."""
        assert interaction.guild_id is not None
        goal = await self.goals.set_goal(
            interaction.guild_id,
            actor(interaction),
            title=title,
            why=why,
            due=due,
            visibility=visibility,
            horizon=term,
            group_ref=group,
        )
        await reply(interaction, goal_embed(goal, title_prefix="New goal: "))

    @app_commands.command(name="milestone-add", description="Add a milestone to one of your goals")
    @app_commands.describe(goal="Your goal", title="The milestone")
    async def milestone_add(
        self, interaction: discord.Interaction, goal: str, title: app_commands.Range[str, 1, 100]
    ) -> None:
        """Add a milestone to one of your goals."""
        assert interaction.guild_id is not None
        view = await self.goals.add_milestone(interaction.guild_id, actor(interaction), goal, title)
        await reply(interaction, goal_embed(view))

    @app_commands.command(name="milestone-done", description="Tick off a milestone")
    @app_commands.describe(goal="Your goal", milestone="The milestone")
    async def milestone_done(self, interaction: discord.Interaction, goal: str, milestone: str) -> None:
        """Tick off a milestone."""
        assert interaction.guild_id is not None
        view = await self.goals.check_milestone(interaction.guild_id, actor(interaction), goal, milestone)
        await reply(interaction, goal_embed(view))

    @app_commands.command(name="milestone-move", description="Reorder a milestone")
    @app_commands.describe(goal="Your goal", milestone="The milestone", position="Its new place (1 = first)")
    async def milestone_move(
        self,
        interaction: discord.Interaction,
        goal: str,
        milestone: str,
        position: app_commands.Range[int, 1, 20],
    ) -> None:
        """Reorder a milestone."""
        assert interaction.guild_id is not None
        view = await self.goals.move_milestone(
            interaction.guild_id, actor(interaction), goal, milestone, position
        )
        await reply(interaction, goal_embed(view))

    @app_commands.command(name="update", description="Record progress on a goal, with a note")
    @app_commands.describe(
        goal="Your goal", progress="Progress in percent, 0–100", note="What moved (optional)"
    )
    async def update(
        self,
        interaction: discord.Interaction,
        goal: str,
        progress: int | None = None,
        note: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        """Record progress on a goal, with a note."""
        assert interaction.guild_id is not None
        view = await self.goals.update(
            interaction.guild_id, actor(interaction), goal, progress=progress, note=note
        )
        await reply(interaction, goal_embed(view))

    @app_commands.command(name="done", description="Mark a goal done, with a short reflection")
    @app_commands.describe(goal="Your goal", reflection="What you learned (optional)")
    async def done(
        self,
        interaction: discord.Interaction,
        goal: str,
        reflection: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        """Mark a goal done, with a short reflection."""
        assert interaction.guild_id is not None
        view = await self.goals.complete(interaction.guild_id, actor(interaction), goal, reflection)
        await reply(interaction, goal_embed(view, title_prefix="🎉 Done: "))

    @app_commands.command(name="status", description="Drop, pause or resume a goal")
    @app_commands.describe(goal="Your goal", status="What to do with it")
    async def status(
        self, interaction: discord.Interaction, goal: str, status: Literal["dropped", "paused", "active"]
    ) -> None:
        """Drop, pause or resume a goal."""
        assert interaction.guild_id is not None
        view = await self.goals.set_status(interaction.guild_id, actor(interaction), goal, status)
        await reply(interaction, goal_embed(view))

    @app_commands.command(name="partner", description="Name an accountability partner from the goal's group")
    @app_commands.describe(goal="Your goal", user="Your partner")
    async def partner(self, interaction: discord.Interaction, goal: str, user: discord.User) -> None:
        """Name an accountability partner from the goal's group."""
        assert interaction.guild_id is not None
        member = server_member(user)
        try:
            view = await self.goals.add_partner(interaction.guild_id, actor(interaction), goal, member.id)
        except GoalIsPrivate as refused:
            choice = discord.ui.View(timeout=None)
            choice.add_item(ShowToPartnerButton(refused.goal_id, refused.partner_id))
            choice.stop()  # the click is handled by the persistent ShowToPartnerButton
            await reply(interaction, card(refused.title, refused.message), view=choice)
            return
        await reply(interaction, goal_embed(view))

    @app_commands.command(name="cheer", description="Cheer a goal you're a partner on, with a short note")
    @app_commands.describe(goal="A goal you're a partner on", note="A word of encouragement (optional)")
    async def cheer(
        self, interaction: discord.Interaction, goal: str, note: app_commands.Range[str, 1, 500] | None = None
    ) -> None:
        """Cheer a goal you're a partner on, with a short note."""
        assert interaction.guild_id is not None
        if not goal.isdecimal():
            raise Invalid("Pick the goal from the list as you type.")
        view = await self.goals.cheer(interaction.user.id, int(goal), note)
        await reply(
            interaction, card("Cheer sent 👏", f"<@{view.owner_id}> will see it.", color=SUCCESS_COLOR)
        )

    @app_commands.command(name="show", description="Show a goal you can see")
    @app_commands.describe(goal="The goal")
    async def show(self, interaction: discord.Interaction, goal: str) -> None:
        """Show a goal you can see."""
        assert interaction.guild_id is not None
        await reply(
            interaction, goal_embed(await self.goals.show(interaction.guild_id, actor(interaction), goal))
        )

    @app_commands.command(name="list", description="Your goals, a member's shared goals, or a group's")
    @app_commands.describe(member="Someone's shared goals", group="A group's shared goals")
    async def list_(
        self, interaction: discord.Interaction, member: discord.User | None = None, group: str | None = None
    ) -> None:
        """Your goals, a member's shared goals, or a group's."""
        assert interaction.guild_id is not None
        viewer = actor(interaction)
        group_id = (
            (await self.bot.services.groups.get(interaction.guild_id, viewer, group)).id if group else None
        )
        owner_id = member.id if member else (None if group else interaction.user.id)
        days = 0
        if owner_id == interaction.user.id and group_id is None:
            found, days = await self.goals.own_goals(interaction.guild_id, viewer, limit=25)
        else:
            found = await self.goals.visible(
                interaction.guild_id, viewer, owner_id=owner_id, group_id=group_id, limit=25
            )
        whose = (
            f"<@{owner_id}>'s"
            if owner_id and owner_id != interaction.user.id
            else "Your"
            if owner_id
            else "Shared"
        )
        lines = [
            f"**{verbatim(g.title)}** — {progress_bar(g.progress)}"
            + ("" if g.status == "active" else f" ({g.status})")
            + ("" if g.owner_id == interaction.user.id else f" · <@{g.owner_id}>")
            for g in found
        ]
        embed = card(f"{whose} goals", "\n".join(lines)[:4000] or "No goals to show yet.")
        if owner_id == interaction.user.id:
            if group_id is not None:  # mine within one group: the streak is read apart
                days = await self.goals.streak(interaction.guild_id, interaction.user.id)
            if days:
                embed.set_footer(
                    text=f"🔥 {days}-day streak of working on your goals (your own calendar days)"
                )
        await reply(interaction, embed)

    for _command in (milestone_add, milestone_done, milestone_move, update, done, status, partner):
        _command.autocomplete("goal")(own_goal_autocomplete)
    for _command in (show, cheer):
        _command.autocomplete("goal")(any_goal_autocomplete)
    for _command in (milestone_done, milestone_move):
        _command.autocomplete("milestone")(milestone_autocomplete)
    for _command in (set_, list_):
        _command.autocomplete("group")(group_choices)
    del _command


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent buttons."""
    bot.add_dynamic_items(CheerButton, NudgeButton, ShowToPartnerButton)
    await bot.add_cog(GoalsCog(bot))
