"""/facilitate: moderation within a group's own spaces; "Report to facilitator" for members."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.domain.text import clip
from bot.errors import Invalid, NotFound
from bot.services.moderation import ACTION_LABELS, REASON_MAX, LogEntry, Place
from bot.services.verbatim import verbatim
from cogs._ui import (
    SUCCESS_COLOR,
    Pager,
    ReportingModal,
    actor,
    card,
    group_choices,
    member_actor,
    reply,
    server_member,
)

MESSAGE_LINK = re.compile(r"https?://(?:\w+\.)?discord(?:app)?\.com/channels/(\d+)/(\d+)/(\d+)")


def place_of(channel: discord.abc.GuildChannel | discord.Thread | discord.abc.Messageable) -> Place:
    """Return a channel, and its parent when it is a thread."""
    parent = channel.parent_id if isinstance(channel, discord.Thread) else None
    return Place(channel.id, parent)  # type: ignore[union-attr]


def log_embed(group_name: str, entries: list[LogEntry], page: int, pages: int) -> discord.Embed:
    """Render a page of moderation history."""
    embed = card(f"Moderation log · {group_name}", None if entries else "Nothing recorded yet.")
    for entry in entries:
        target = f" <@{entry.target_id}>" if entry.target_id else ""
        extra = f" ({entry.details['minutes']} min)" if "minutes" in entry.details else ""
        embed.add_field(
            name=f"{entry.action.replace('_', ' ')} · {entry.at:%d %b %Y %H:%M} UTC",
            value=f"<@{entry.actor_id}> {ACTION_LABELS[entry.action]}{target}{extra}"
            + (f"\n*{clip(verbatim(entry.reason), 900)}*" if entry.reason else ""),
            inline=False,
        )
    embed.set_footer(text=f"Page {page + 1} of {pages}")
    return embed


class ReasonModal(ReportingModal):
    """Asks why before removing a message, or lets a reporter add a note."""

    def __init__(self, bot: MentorBot, message: discord.Message, *, report: bool) -> None:
        super().__init__(title="Report to facilitator" if report else "Remove this message")
        self.bot, self.message, self.report = bot, message, report
        self.text = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=not report, max_length=REASON_MAX
        )
        label = "Anything to add? (optional)" if report else "Reason (the author is told)"
        self.add_item(discord.ui.Label(text=label, component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Report or remove."""
        assert interaction.guild is not None
        moderation = self.bot.services.moderation
        if self.report:
            await moderation.report(
                interaction.guild.id,
                interaction.user.id,
                place_of(self.message.channel),
                self.message.id,
                self.message.author.id,
                self.message.jump_url,
                self.text.value,
                owner_id=interaction.guild.owner_id or interaction.guild.id,
            )
            text = "Thank you. The people who look after this space will see it; nobody else does."
            await reply(interaction, card("Report sent", text, color=SUCCESS_COLOR))
            return
        author = self.message.author if isinstance(self.message.author, discord.Member) else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await moderation.remove_message(
            interaction.guild.id,
            actor(interaction),
            place_of(self.message.channel),
            self.message.id,
            self.text.value,
            author=member_actor(author) if author else None,
        )
        await reply(
            interaction,
            card("Message removed", "Its author got a private note with your reason.", color=SUCCESS_COLOR),
        )


@app_commands.guild_only()
class ModerationCog(
    commands.GroupCog, group_name="facilitate", group_description="Facilitators: protect your group's space"
):
    """Facilitator moderation; rights are checked by the moderation service."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()
        self.menus = [
            app_commands.ContextMenu(name="Remove (facilitator)", callback=self.remove_menu),
            app_commands.ContextMenu(name="Report to facilitator", callback=self.report_menu),
        ]
        for menu in self.menus:
            menu.guild_only = True

    async def cog_load(self) -> None:
        """Register the message context menus."""
        for menu in self.menus:
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        """Unregister the message context menus."""
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command | app_commands.ContextMenu
    ) -> None:
        """Show a member, privately, the facilitators' notes their closed DMs kept from them."""
        if interaction.guild_id is None:
            return
        notes = await self.bot.services.moderation.take_undelivered_notes(
            interaction.guild_id, interaction.user.id
        )
        if notes:
            text = "\n\n".join(notes)[:4000]
            await interaction.followup.send(
                embed=card("A note from your group's facilitators", text), ephemeral=True
            )

    async def remove_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Remove a message in your group (facilitators)."""
        await interaction.response.send_modal(ReasonModal(self.bot, message, report=False))

    async def report_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Report a message privately to the group's facilitators."""
        await interaction.response.send_modal(ReasonModal(self.bot, message, report=True))

    @app_commands.command(name="lock", description="Lock or unlock a discussion thread of your group")
    @app_commands.describe(
        group="Your group",
        thread="The thread",
        locked="True locks, False unlocks",
        reason="Why (recorded, and shown in the server's audit log)",
    )
    async def lock(
        self,
        interaction: discord.Interaction,
        group: str,
        thread: discord.Thread,
        locked: bool = True,
        reason: app_commands.Range[str, 1, REASON_MAX] | None = None,
    ) -> None:
        """Lock or unlock a discussion thread of your group."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.bot.services.moderation.lock(
            interaction.guild_id, actor(interaction), group, place_of(thread), locked, reason
        )
        await reply(
            interaction,
            card(
                "Locked" if locked else "Unlocked",
                f"{thread.mention} in {verbatim(view.name)}.",
                color=SUCCESS_COLOR,
            ),
        )

    @app_commands.command(
        name="slowmode", description="Set slow mode in your group's channel or a thread (0 = off)"
    )
    @app_commands.describe(
        group="Your group",
        seconds="Seconds between messages (0 turns it off)",
        channel="Default: the group's channel",
        reason="Why (recorded, and shown in the server's audit log)",
    )
    async def slowmode(
        self,
        interaction: discord.Interaction,
        group: str,
        seconds: app_commands.Range[int, 0, 21600],
        channel: discord.TextChannel | discord.Thread | None = None,
        reason: app_commands.Range[str, 1, REASON_MAX] | None = None,
    ) -> None:
        """Set slow mode in your group's channel or a thread (0 = off)."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        moderation = self.bot.services.moderation
        if channel is None:
            home = (await self.bot.services.groups.get(interaction.guild_id, actor(interaction), group)).home
            if home is None:
                raise Invalid("This group has no channel.")
            place = Place(home.channel_id)
        else:
            place = place_of(channel)
        await moderation.slowmode(interaction.guild_id, actor(interaction), group, place, seconds, reason)
        await reply(
            interaction,
            card("Slow mode", f"{seconds} s between messages in <#{place.channel_id}>.", color=SUCCESS_COLOR),
        )

    @app_commands.command(name="timeout", description="Time out a member of your group")
    @app_commands.describe(
        group="Your group", user="The member", minutes="How long (up to 28 days)", reason="Why (recorded)"
    )
    async def timeout(
        self,
        interaction: discord.Interaction,
        group: str,
        user: discord.User,
        minutes: app_commands.Range[int, 1, 40320],
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        """Time out a member of your group."""
        assert interaction.guild_id is not None
        target = member_actor(server_member(user))
        await interaction.response.defer(ephemeral=True, thinking=True)
        until = await self.bot.services.moderation.timeout(
            interaction.guild_id, actor(interaction), group, target, minutes, reason
        )
        await reply(
            interaction,
            card("Timed out", f"{user.mention} until {format_dt(until, 'F')}.", color=SUCCESS_COLOR),
        )

    @app_commands.command(name="untimeout", description="Lift a member's timeout")
    @app_commands.describe(group="Your group", user="The member")
    async def untimeout(self, interaction: discord.Interaction, group: str, user: discord.User) -> None:
        """Lift a member's timeout."""
        assert interaction.guild_id is not None
        target = member_actor(server_member(user))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.services.moderation.lift_timeout(
            interaction.guild_id, actor(interaction), group, target
        )
        await reply(
            interaction, card("Timeout lifted", f"{user.mention} can talk again.", color=SUCCESS_COLOR)
        )

    @app_commands.command(name="remove-message", description="Remove a message in your group by its link")
    @app_commands.describe(link="The message link (Copy Message Link)", reason="Why (the author is told)")
    async def remove_message(
        self, interaction: discord.Interaction, link: str, reason: app_commands.Range[str, 1, REASON_MAX]
    ) -> None:
        """Remove a message in your group by its link."""
        assert interaction.guild is not None
        match = MESSAGE_LINK.search(link)
        if match is None:
            raise Invalid("That isn't a message link: use “Copy Message Link” on the message.")
        guild_id, channel_id, message_id = (int(g) for g in match.groups())
        if guild_id != interaction.guild.id:
            raise Invalid("That message is in another server.")
        channel = interaction.guild.get_channel_or_thread(channel_id)
        if channel is None:
            raise NotFound("That message's channel no longer exists.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.services.moderation.remove_message(
            interaction.guild.id, actor(interaction), place_of(channel), message_id, reason
        )
        await reply(
            interaction,
            card("Message removed", "Its author got a private note with your reason.", color=SUCCESS_COLOR),
        )

    @app_commands.command(name="warn", description="Warn a member of your group privately")
    @app_commands.describe(
        group="Your group", user="The member", reason="What to take care of (they are told)"
    )
    async def warn(
        self,
        interaction: discord.Interaction,
        group: str,
        user: discord.User,
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        """Warn a member of your group privately."""
        assert interaction.guild_id is not None
        target = member_actor(server_member(user))
        await self.bot.services.moderation.warn(
            interaction.guild_id, actor(interaction), group, target, reason
        )
        await reply(
            interaction,
            card("Warning sent", f"{user.mention} gets it privately; it is recorded.", color=SUCCESS_COLOR),
        )

    @app_commands.command(name="pause", description="Pause a member's participation in your group")
    @app_commands.describe(group="Your group", user="The member", reason="Why (they are told)")
    async def pause(
        self,
        interaction: discord.Interaction,
        group: str,
        user: discord.User,
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        """Pause a member's participation in your group."""
        assert interaction.guild_id is not None
        target = member_actor(server_member(user))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.services.moderation.pause(
            interaction.guild_id, actor(interaction), group, target, reason
        )
        await reply(
            interaction,
            card(
                "Paused",
                f"{user.mention} has no access, no check-ins and no meeting reminders until restored.",
                color=SUCCESS_COLOR,
            ),
        )

    @app_commands.command(name="restore", description="Restore a paused member")
    @app_commands.describe(group="Your group", user="The member")
    async def restore(self, interaction: discord.Interaction, group: str, user: discord.User) -> None:
        """Restore a paused member."""
        assert interaction.guild_id is not None
        target = member_actor(server_member(user))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.services.moderation.restore(interaction.guild_id, actor(interaction), group, target)
        await reply(
            interaction, card("Restored", f"{user.mention} is back in the group.", color=SUCCESS_COLOR)
        )

    @app_commands.command(name="remove", description="Remove a member from your group, with a reason")
    @app_commands.describe(group="Your group", user="The member", reason="Why (recorded)")
    async def remove(
        self,
        interaction: discord.Interaction,
        group: str,
        user: discord.User,
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        """Remove a member from your group, with a reason."""
        assert interaction.guild_id is not None
        target = member_actor(server_member(user))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.services.moderation.remove(
            interaction.guild_id, actor(interaction), group, target, reason
        )
        await reply(
            interaction, card("Removed", f"{user.mention} is no longer in the group.", color=SUCCESS_COLOR)
        )

    @app_commands.command(name="log", description="Your group's moderation history")
    @app_commands.describe(group="Your group")
    async def log(self, interaction: discord.Interaction, group: str) -> None:
        """Your group's moderation history."""
        assert interaction.guild_id is not None
        guild_id, moderation = interaction.guild_id, self.bot.services.moderation
        name = (await self.bot.services.groups.get(guild_id, actor(interaction), group)).name

        async def page_of(clicked: discord.Interaction, page: int) -> tuple[discord.Embed, int]:
            entries, pages = await moderation.history(guild_id, actor(clicked), group, page)
            return log_embed(name, entries, page, pages), pages

        await Pager.send(interaction, page_of)

    for _command in (lock, slowmode, timeout, untimeout, warn, pause, restore, remove, log):
        _command.autocomplete("group")(group_choices)
    del _command


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(ModerationCog(bot))
