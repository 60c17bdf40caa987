"""/discuss and /confidential: facilitated discussion threads, ground rules, reminders."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.domain.discussions import PROMPT_MAX, RULE_MAX, RULES_MAX
from bot.errors import Invalid
from bot.services.discussions import ANONYMOUS_MAX
from bot.services.discussions.schedules import EVERY_WEEKS_MAX, Rituals
from bot.services.verbatim import verbatim
from cogs._prompts import PromptModal, discussion_prompt_choices, library_embed
from cogs._ui import (
    SUCCESS_COLOR,
    WEEKDAY_CHOICES,
    WEEKDAYS,
    ReportingItem,
    ReportingModal,
    actor,
    card,
    group_choices,
    reply,
)


def thread_here(interaction: discord.Interaction, thread: discord.Thread | None) -> int:
    """Return the chosen thread, or the thread the command was run in."""
    if thread is not None:
        return thread.id
    if isinstance(interaction.channel, discord.Thread):
        return interaction.channel.id
    raise Invalid("Run this inside the discussion thread, or choose the thread.")


class RulesModal(ReportingModal, title="Ground rules"):
    """The group's ground rules, one per line."""

    def __init__(self, bot: MentorBot, group: str, rules: tuple[str, ...]) -> None:
        super().__init__()
        self.bot, self.group = bot, group
        self.text = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default="\n".join(rules), max_length=RULES_MAX * (RULE_MAX + 1)
        )
        self.add_item(discord.ui.Label(text="One rule per line", component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the rules."""
        assert interaction.guild_id is not None
        rules = await self.bot.services.discussions.set_rules(
            interaction.guild_id, actor(interaction), self.group, self.text.value
        )
        listed = "\n".join(f"{n}. {r}" for n, r in enumerate(rules, start=1))
        await reply(interaction, card("Ground rules saved", listed, color=SUCCESS_COLOR))


class AnonymousModal(ReportingModal, title="Ask anonymously"):
    """The question, typed in a form; nobody sees who asked it."""

    def __init__(self, bot: MentorBot, group: str) -> None:
        super().__init__()
        self.bot, self.group = bot, group
        self.text = discord.ui.TextInput(style=discord.TextStyle.paragraph, max_length=ANONYMOUS_MAX)
        self.add_item(
            discord.ui.Label(
                text="Your question or concern",
                description="Posted in the group's open discussion without your name",
                component=self.text,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Post it anonymously."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        thread_id = await self.bot.services.discussions.ask_anonymously(
            interaction.guild_id, interaction.user.id, self.group, self.text.value
        )
        text = (
            f"Posted in <#{thread_id}> without your name. Nobody, facilitators included, can see who asked."
        )
        await reply(interaction, card("Posted anonymously", text, color=SUCCESS_COLOR))


class MuteAnonymousButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"anon:mute:(?P<id>\d+)"
):
    """A facilitator stops an anonymous author from posting anonymously again, still not knowing who."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Mute this anonymous author", custom_id=f"anon:mute:{post_id}")
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MuteAnonymousButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]))

    async def act(self, interaction: discord.Interaction) -> None:
        """Mute the author behind this post."""
        assert interaction.guild_id is not None
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        name = await bot.services.discussions.mute_anonymous(
            interaction.guild_id, actor(interaction), self.post_id
        )
        text = f"This author can no longer post anonymously in {name}. You still don't know who."
        await interaction.response.send_message(
            embed=card("Muted", text, color=SUCCESS_COLOR), ephemeral=True
        )


@app_commands.guild_only()
class DiscussionsCog(
    commands.GroupCog, group_name="discuss", group_description="Facilitated discussion threads"
):
    """Discussion commands; rights are checked by the discussion service."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="start", description="Open a discussion thread in your group from a prompt")
    @app_commands.describe(
        group="Your group",
        prompt="Type a prompt, or pick one from the library",
        hours="Open for how many hours",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        group: str,
        prompt: app_commands.Range[str, 1, PROMPT_MAX],
        hours: app_commands.Range[int, 1, 336] | None = None,
    ) -> None:
        """Open a discussion thread in your group from a prompt."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.bot.services.discussions.start(
            interaction.guild_id, actor(interaction), group, prompt, hours
        )
        await reply(
            interaction,
            card("Discussion open", f"<#{view.thread_id}> in {view.group_name}.", color=SUCCESS_COLOR),
        )

    @app_commands.command(name="close", description="Close a discussion with a note of who took part")
    @app_commands.describe(thread="The discussion (default: this thread)")
    async def close(self, interaction: discord.Interaction, thread: discord.Thread | None = None) -> None:
        """Close a discussion with a note of who took part."""
        assert interaction.guild_id is not None
        thread_id = thread_here(interaction, thread)
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.bot.services.discussions.close(interaction.guild_id, actor(interaction), thread_id)
        await reply(
            interaction,
            card("Discussion closed", f"<#{view.thread_id}> is archived and locked.", color=SUCCESS_COLOR),
        )

    @app_commands.command(
        name="participation", description="Who has spoken in a discussion, and how much (privately)"
    )
    @app_commands.describe(thread="The discussion (default: this thread)")
    async def participation(
        self, interaction: discord.Interaction, thread: discord.Thread | None = None
    ) -> None:
        """Who has spoken in a discussion, and how much (privately)."""
        assert interaction.guild_id is not None
        view = await self.bot.services.discussions.participation(
            interaction.guild_id, actor(interaction), thread_here(interaction, thread)
        )
        lines = [f"<@{user}>: {n} message{'s' if n != 1 else ''}" for user, n in view.counts]
        text = "\n".join(lines) or "Nobody yet."
        await reply(
            interaction,
            card(f"Participation · {view.group_name}", text[:4000]).set_footer(
                text="Counts only; the bot keeps no content."
            ),
        )

    @app_commands.command(
        name="ask-anonymously", description="Ask a question in your group's discussion without your name"
    )
    @app_commands.describe(group="Your group")
    async def ask_anonymously(self, interaction: discord.Interaction, group: str) -> None:
        """Ask a question in your group's discussion without your name."""
        await interaction.response.send_modal(AnonymousModal(self.bot, group))

    @app_commands.command(
        name="round", description="Run a discussion as a round: everyone gets the spotlight"
    )
    @app_commands.describe(
        thread="The discussion (default: this thread)",
        turn_minutes="How long each member holds the spotlight (it moves on early once they speak)",
        nudge_after_hours="When to nudge, once and privately, those who have not spoken",
    )
    async def run_round(
        self,
        interaction: discord.Interaction,
        thread: discord.Thread | None = None,
        turn_minutes: app_commands.Range[int, 5, 4320] = 60,
        nudge_after_hours: app_commands.Range[int, 1, 336] = 24,
    ) -> None:
        """Run a discussion as a round: everyone gets the spotlight."""
        assert interaction.guild_id is not None
        thread_id = thread_here(interaction, thread)
        view = await self.bot.services.discussion_rounds.start(
            interaction.guild_id, actor(interaction), thread_id, turn_minutes, nudge_after_hours
        )
        order = " → ".join(f"<@{user}>" for user in view.order)
        text = (
            f"The spotlight goes round <#{view.thread_id}>: {order}.\n"
            f"On {format_dt(view.nudge_at, 'F')} members who have not spoken get one private nudge, "
            "and you get the participation counts."
        )
        await reply(interaction, card("Round started", text[:4000], color=SUCCESS_COLOR))

    schedule = app_commands.Group(name="schedule", description="Discussions and reminders on a cadence")
    queue = app_commands.Group(name="queue", description="Prompts lined up for scheduled discussions")
    prompts = app_commands.Group(name="prompts", description="The server's prompt library")

    @schedule.command(
        name="discussions", description="Open a discussion every few weeks at the group's best hour"
    )
    @app_commands.describe(
        group="Your group",
        weekday="The day of the week",
        every_weeks="How often (default: the group's meeting cadence, or weekly)",
        hours="How long each discussion stays open",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def schedule_discussions(
        self,
        interaction: discord.Interaction,
        group: str,
        weekday: int,
        every_weeks: app_commands.Range[int, 1, EVERY_WEEKS_MAX] | None = None,
        hours: app_commands.Range[int, 1, 336] | None = None,
    ) -> None:
        """Open a discussion every few weeks at the group's best hour."""
        assert interaction.guild_id is not None
        view = await self.bot.services.discussion_schedules.set(
            interaction.guild_id, actor(interaction), group, "discussion", weekday, every_weeks, hours
        )
        text = (
            f"{_cadence(view.every_weeks, view.weekday)}, at the hour most members are awake. "
            f"Next: {format_dt(view.next_at, 'F')} ({format_dt(view.next_at, 'R')}).\n"
            "Each takes the next prompt from the group's queue (`/discuss queue add`), "
            "or the next one from the library that the group has not discussed yet."
        )
        await reply(interaction, card("Discussions scheduled", text, color=SUCCESS_COLOR))

    @schedule.command(name="reminders", description="Post the confidentiality reminder every few weeks")
    @app_commands.describe(
        group="Your group", weekday="The day of the week", every_weeks="How often (default: weekly)"
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def schedule_reminders(
        self,
        interaction: discord.Interaction,
        group: str,
        weekday: int,
        every_weeks: app_commands.Range[int, 1, EVERY_WEEKS_MAX] | None = None,
    ) -> None:
        """Post the confidentiality reminder every few weeks."""
        assert interaction.guild_id is not None
        view = await self.bot.services.discussion_schedules.set(
            interaction.guild_id, actor(interaction), group, "reminder", weekday, every_weeks
        )
        text = (
            f"{_cadence(view.every_weeks, view.weekday)}, with the ground rules. "
            f"Next: {format_dt(view.next_at, 'F')} ({format_dt(view.next_at, 'R')})."
        )
        await reply(interaction, card("Reminders scheduled", text, color=SUCCESS_COLOR))

    @schedule.command(name="show", description="A group's scheduled discussions, reminders and prompt queue")
    @app_commands.describe(group="Your group")
    async def schedule_show(self, interaction: discord.Interaction, group: str) -> None:
        """A group's scheduled discussions, reminders and prompt queue."""
        assert interaction.guild_id is not None
        rituals = await self.bot.services.discussion_schedules.show(
            interaction.guild_id, actor(interaction), group
        )
        await reply(interaction, rituals_embed(rituals))

    @schedule.command(name="stop", description="Stop a group's scheduled discussions or reminders")
    @app_commands.describe(group="Your group", what="What to stop")
    @app_commands.choices(
        what=[
            app_commands.Choice(name="Discussions", value="discussion"),
            app_commands.Choice(name="Confidentiality reminders", value="reminder"),
        ]
    )
    async def schedule_stop(self, interaction: discord.Interaction, group: str, what: str) -> None:
        """Stop a group's scheduled discussions or reminders."""
        assert interaction.guild_id is not None
        stopped = await self.bot.services.discussion_schedules.stop(
            interaction.guild_id, actor(interaction), group, what
        )
        kind = "discussions" if what == "discussion" else "reminders"
        if stopped:
            await reply(interaction, card("Stopped", f"No more scheduled {kind}.", color=SUCCESS_COLOR))
        else:
            await reply(interaction, card("Nothing to stop", f"There were no scheduled {kind}."))

    @queue.command(name="add", description="Line up a prompt for the group's next scheduled discussion")
    @app_commands.describe(group="Your group", prompt="Type a prompt, or pick one from the library")
    async def queue_add(
        self, interaction: discord.Interaction, group: str, prompt: app_commands.Range[str, 1, PROMPT_MAX]
    ) -> None:
        """Line up a prompt for the group's next scheduled discussion."""
        assert interaction.guild_id is not None
        place = await self.bot.services.discussion_schedules.enqueue_prompt(
            interaction.guild_id, actor(interaction), group, prompt
        )
        await reply(
            interaction, card("Prompt queued", f"It is number {place} in the queue.", color=SUCCESS_COLOR)
        )

    @queue.command(name="clear", description="Empty the group's prompt queue")
    @app_commands.describe(group="Your group")
    async def queue_clear(self, interaction: discord.Interaction, group: str) -> None:
        """Empty the group's prompt queue."""
        assert interaction.guild_id is not None
        removed = await self.bot.services.discussion_schedules.clear_queue(
            interaction.guild_id, actor(interaction), group
        )
        text = f"Removed {removed} prompt{'s' if removed != 1 else ''}; the library's rotation takes over."
        await reply(interaction, card("Queue emptied", text, color=SUCCESS_COLOR))

    @prompts.command(name="list", description="The server's prompt library")
    @app_commands.describe(search="Only prompts whose text or topic contains this")
    async def prompts_list(self, interaction: discord.Interaction, search: str | None = None) -> None:
        """The server's prompt library."""
        assert interaction.guild_id is not None
        prompts = await self.bot.services.prompts.prompts(interaction.guild_id)
        await reply(interaction, library_embed("Prompt library", prompts, search))

    @prompts.command(name="add", description="Add a prompt to the server's library (coordinators)")
    async def prompts_add(self, interaction: discord.Interaction) -> None:
        """Add a prompt to the server's library."""
        assert interaction.guild_id is not None
        await self.bot.services.program.require_coordinator(
            interaction.guild_id, actor(interaction), "add prompts to the library"
        )
        await interaction.response.send_modal(PromptModal(self.bot, "discussion"))

    @prompts.command(name="edit", description="Reword a prompt of the server's library (coordinators)")
    @app_commands.describe(prompt="The prompt to reword")
    @app_commands.autocomplete(prompt=discussion_prompt_choices)
    async def prompts_edit(self, interaction: discord.Interaction, prompt: str) -> None:
        """Reword a prompt of the server's library."""
        assert interaction.guild_id is not None
        await self.bot.services.program.require_coordinator(
            interaction.guild_id, actor(interaction), "edit the prompt library"
        )
        found = [p for p in await self.bot.services.prompts.prompts(interaction.guild_id) if p.key == prompt]
        if not found:
            raise Invalid("Pick the prompt from the list.")
        await interaction.response.send_modal(
            PromptModal(self.bot, "discussion", found[0].key, found[0].text)
        )

    @prompts.command(name="retire", description="Take a prompt out of the library and the rotation")
    @app_commands.describe(prompt="The prompt to retire")
    @app_commands.autocomplete(prompt=discussion_prompt_choices)
    async def prompts_retire(self, interaction: discord.Interaction, prompt: str) -> None:
        """Take a prompt out of the library and the rotation."""
        assert interaction.guild_id is not None
        retired = await self.bot.services.prompts.retire(interaction.guild_id, actor(interaction), prompt)
        await reply(interaction, card("Prompt retired", retired.text, color=SUCCESS_COLOR))

    @app_commands.command(name="rules", description="Show a group's ground rules")
    @app_commands.describe(group="The group")
    async def rules(self, interaction: discord.Interaction, group: str) -> None:
        """Show a group's ground rules."""
        assert interaction.guild_id is not None
        view, rules = await self.bot.services.discussions.rules(
            interaction.guild_id, actor(interaction), group
        )
        await reply(
            interaction,
            card(
                f"Ground rules · {verbatim(view.name)}",
                "\n".join(f"{n}. {verbatim(r)}" for n, r in enumerate(rules, start=1)),
            ),
        )

    @app_commands.command(name="rules-edit", description="Edit a group's ground rules in a form")
    @app_commands.describe(group="Your group")
    async def rules_edit(self, interaction: discord.Interaction, group: str) -> None:
        """Edit a group's ground rules in a form."""
        assert interaction.guild_id is not None
        await self.bot.services.groups.require_manager(
            interaction.guild_id, actor(interaction), group, "change the ground rules of"
        )
        _, rules = await self.bot.services.discussions.rules(interaction.guild_id, actor(interaction), group)
        await interaction.response.send_modal(RulesModal(self.bot, group, rules))

    for _command in (
        start,
        rules,
        rules_edit,
        ask_anonymously,
        schedule_discussions,
        schedule_reminders,
        schedule_show,
        schedule_stop,
        queue_add,
        queue_clear,
    ):
        _command.autocomplete("group")(group_choices)
    for _command in (start, queue_add):
        _command.autocomplete("prompt")(discussion_prompt_choices)
    del _command


def _cadence(every_weeks: int, weekday: int) -> str:
    return (
        f"Every {WEEKDAYS[weekday]}"
        if every_weeks == 1
        else f"Every {every_weeks} weeks on {WEEKDAYS[weekday]}"
    )


def rituals_embed(rituals: Rituals) -> discord.Embed:
    """A group's schedules, its prompt queue and the next prompt."""
    embed = card(f"Schedules · {rituals.group_name}")
    names = {"discussion": "Discussions", "reminder": "Confidentiality reminders"}
    for view in rituals.schedules:
        text = f"{_cadence(view.every_weeks, view.weekday)}. Next: {format_dt(view.next_at, 'F')}"
        if view.duration_hours:
            text += f", open for {view.duration_hours} h"
        embed.add_field(name=names[view.kind], value=text, inline=False)
    if not rituals.schedules:
        embed.description = "Nothing scheduled: see `/discuss schedule discussions` and `reminders`."
    queue = "\n".join(f"{n}. {verbatim(prompt)}" for n, prompt in enumerate(rituals.queue, start=1))
    embed.add_field(
        name="Queue", value=(queue or "Empty: the library's rotation decides.")[:1024], inline=False
    )
    if rituals.next_prompt:
        embed.add_field(name="Next prompt", value=rituals.next_prompt[:1024], inline=False)
    return embed


class ConfidentialCog(commands.Cog):
    """/confidential on demand."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="confidential", description="Post the confidentiality reminder and ground rules here"
    )
    @app_commands.describe(group="Your group")
    @app_commands.guild_only()
    @app_commands.autocomplete(group=group_choices)
    async def confidential(self, interaction: discord.Interaction, group: str) -> None:
        """Post the confidentiality reminder and ground rules here."""
        assert interaction.guild_id is not None
        here = interaction.channel.id if isinstance(interaction.channel, discord.Thread) else None
        await self.bot.services.discussions.remind(interaction.guild_id, actor(interaction), group, here)
        await reply(
            interaction, card("Reminder posted", "Thank you for keeping the space safe.", color=SUCCESS_COLOR)
        )


async def setup(bot: MentorBot) -> None:
    """Load the cogs and the persistent mute button."""
    bot.add_dynamic_items(MuteAnonymousButton)
    await bot.add_cog(DiscussionsCog(bot))
    await bot.add_cog(ConfidentialCog(bot))
