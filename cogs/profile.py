"""/profile: a member's time zone, quiet hours and bio, and a check that DMs reach them."""

from __future__ import annotations

import re
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.domain.timezones import format_minutes, local_now, search_zones
from bot.services.profiles import BIO_MAX, INTEREST_MAX, INTERESTS_MAX, Profile
from bot.services.verbatim import verbatim
from cogs._ui import SUCCESS_COLOR, ReportingItem, ReportingModal, card, reply

DM_CHECK_ID = "profile:dm-ok"


def profile_embed(profile: Profile, now_utc: datetime) -> discord.Embed:
    """Render a profile for its owner."""
    embed = card("Your mentoring profile")
    if profile.timezone:
        local = local_now(profile.timezone, now_utc)
        embed.add_field(name="Time zone", value=f"{profile.timezone}\nnow {local:%a %H:%M}", inline=True)
    else:
        embed.add_field(name="Time zone", value="not set: use `/profile timezone`", inline=True)
    quiet = profile.quiet_hours
    embed.add_field(
        name="Quiet hours",
        value=f"{format_minutes(quiet[0])}–{format_minutes(quiet[1])}" if quiet else "none",
        inline=True,
    )
    embed.add_field(
        name="Career stage", value=profile.career_stage or "not set: `/profile stage`", inline=True
    )
    embed.add_field(name="DMs from the bot", value="on" if profile.dm_allowed else "off", inline=True)
    embed.add_field(
        name="Interests", value=verbatim(", ".join(profile.interests))[:1024] or "—", inline=False
    )
    embed.add_field(name="Bio", value=verbatim(profile.bio)[:1024] or "—", inline=False)
    embed.set_footer(
        text="Only you see this. Check-ins and prompts arrive at your local time, never in quiet hours."
    )
    return embed


class ProfileModal(ReportingModal, title="Edit your profile"):
    """Time zone, quiet hours, interests and bio in one form."""

    def __init__(self, bot: MentorBot, profile: Profile) -> None:
        super().__init__()
        self.bot = bot
        self.zone = discord.ui.TextInput(
            default=profile.timezone or "", placeholder="Europe/Paris", required=False, max_length=64
        )
        quiet = profile.quiet_hours
        self.quiet = discord.ui.TextInput(
            default=f"{format_minutes(quiet[0])}-{format_minutes(quiet[1])}" if quiet else "",
            placeholder="22:00-07:00 (leave empty for none)",
            required=False,
            max_length=20,
        )
        self.interests = discord.ui.TextInput(
            default=", ".join(profile.interests),
            placeholder="grant writing, teaching, leadership",
            required=False,
            max_length=INTERESTS_MAX * (INTEREST_MAX + 2),
        )
        self.bio = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default=profile.bio or "", required=False, max_length=BIO_MAX
        )
        self.add_item(
            discord.ui.Label(text="Time zone", description="A Region/City name", component=self.zone)
        )
        self.add_item(
            discord.ui.Label(text="Quiet hours", description="No messages then", component=self.quiet)
        )
        self.add_item(
            discord.ui.Label(
                text="Interests",
                description="Comma-separated, for matching and coffee",
                component=self.interests,
            )
        )
        self.add_item(
            discord.ui.Label(text="Bio", description="What your groups see about you", component=self.bio)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Save the profile and show it."""
        services = self.bot.services
        assert interaction.guild_id is not None
        changes: dict[str, str] = {
            "quiet_hours": self.quiet.value,
            "bio": self.bio.value,
            "interests": self.interests.value,
        }
        if self.zone.value.strip():
            changes["timezone"] = self.zone.value
        profile = await services.profiles.update(interaction.guild_id, interaction.user.id, **changes)
        await reply(interaction, profile_embed(profile, services.clock.now()))


class DmCheckButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=re.escape(DM_CHECK_ID)
):
    """The button in the test DM; it still works after a restart."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(label="It works", style=discord.ButtonStyle.success, custom_id=DM_CHECK_ID)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> DmCheckButton:
        """Rebuild the button from a click."""
        return cls()

    async def act(self, interaction: discord.Interaction) -> None:
        """Confirm in place that DMs work."""
        embed = card(
            "DMs work", "You're all set: check-ins and nudges will reach you here.", color=SUCCESS_COLOR
        )
        await interaction.response.edit_message(embed=embed, view=None)


@app_commands.guild_only()
class ProfileCog(
    commands.GroupCog, group_name="profile", group_description="Your time zone, quiet hours and bio"
):
    """Member profile commands."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="See your profile (only you see it)")
    async def show(self, interaction: discord.Interaction) -> None:
        """See your profile (only you see it)."""
        assert interaction.guild_id is not None
        profile = await self.bot.services.profiles.get(interaction.guild_id, interaction.user.id)
        await reply(interaction, profile_embed(profile, self.bot.services.clock.now()))

    @app_commands.command(
        name="timezone", description="Set your time zone so everything reaches you at local time"
    )
    @app_commands.describe(zone="Start typing a city or region, e.g. Tokyo or America/Denver")
    async def timezone(self, interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
        """Set your time zone so everything reaches you at local time."""
        assert interaction.guild_id is not None
        profile = await self.bot.services.profiles.update(
            interaction.guild_id, interaction.user.id, timezone=zone
        )
        await reply(interaction, profile_embed(profile, self.bot.services.clock.now()))

    @timezone.autocomplete("zone")
    async def _zone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=z.replace("_", " "), value=z) for z in search_zones(current, limit=25)
        ]

    @app_commands.command(name="stage", description="Set your career stage (used for near-peer matching)")
    @app_commands.describe(stage="Your stage on this program's career ladder")
    async def stage(self, interaction: discord.Interaction, stage: app_commands.Range[str, 1, 64]) -> None:
        """Set your career stage (used for near-peer matching)."""
        assert interaction.guild_id is not None
        profile = await self.bot.services.profiles.update(
            interaction.guild_id, interaction.user.id, career_stage=stage
        )
        await reply(interaction, profile_embed(profile, self.bot.services.clock.now()))

    @stage.autocomplete("stage")
    async def _stage_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        ladder = (await self.bot.services.program.get(interaction.guild_id)).career_stages
        return [app_commands.Choice(name=s, value=s) for s in ladder if current.lower() in s.lower()][:25]

    @app_commands.command(name="dms", description="Allow or stop the bot's DMs (check-ins, nudges)")
    @app_commands.describe(allowed="on: the bot may DM you; off: it won't")
    async def dms(self, interaction: discord.Interaction, allowed: bool) -> None:
        """Allow or stop the bot's DMs (check-ins, nudges)."""
        assert interaction.guild_id is not None
        profile = await self.bot.services.profiles.update(
            interaction.guild_id, interaction.user.id, dm_allowed=allowed
        )
        await reply(interaction, profile_embed(profile, self.bot.services.clock.now()))

    @app_commands.command(
        name="edit", description="Edit your time zone, quiet hours, interests and bio in a form"
    )
    async def edit(self, interaction: discord.Interaction) -> None:
        """Edit your time zone, quiet hours, interests and bio in a form."""
        assert interaction.guild_id is not None
        profile = await self.bot.services.profiles.get(interaction.guild_id, interaction.user.id)
        await interaction.response.send_modal(ProfileModal(self.bot, profile))

    @app_commands.command(name="test-dm", description="Check that check-in DMs can reach you")
    async def test_dm(self, interaction: discord.Interaction) -> None:
        """Check that check-in DMs can reach you."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = discord.ui.View(timeout=None)
        view.add_item(DmCheckButton())
        view.stop()  # handled by the persistent DmCheckButton, not by this instance
        embed = card(
            "Hello from your mentoring bot", "Press the button to confirm that my messages reach you."
        )
        try:
            await interaction.user.send(embed=embed, view=view)
        except discord.Forbidden:
            await reply(
                interaction,
                card(
                    "I can't DM you",
                    "Your DMs are closed to me. In this server's menu open **Privacy Settings** and turn on "
                    "**Direct Messages**, then run `/profile test-dm` again.",
                ),
            )
            return
        await reply(
            interaction, card("Check your DMs", "I sent you a message with a button.", color=SUCCESS_COLOR)
        )


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent button."""
    bot.add_dynamic_items(DmCheckButton)
    await bot.add_cog(ProfileCog(bot))
