"""/privacy: see what the bot stores about you, take a copy, or erase it."""

from __future__ import annotations

import io
import json
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.services.privacy import DataSummary, ErasureReport
from cogs._ui import SUCCESS_COLOR, ReportingView, actor, card, reply

ERASE_WARNING = (
    "This deletes, in this server: {their} profile, check-in answers (and the copies shared with a "
    "group), goals with their notes, agreements to ground rules, coffee and matching choices, and "
    "messages waiting to be sent. {They} leave {their} groups.\n\n"
    "Counts stay correct without naming anyone: check-ins received, coffee pairings, messages "
    "counted in discussions and moderation records keep an anonymous placeholder instead of the "
    "id. **This cannot be undone.**"
)


def _share(counts: dict[str, int], labels: dict[str, str]) -> str:
    return ", ".join(f"{counts[key]} {label}" for key, label in labels.items() if counts.get(key)) or "none"


def summary_embed(s: DataSummary) -> discord.Embed:
    """What is stored, in plain words, and who can see each part."""
    embed = card(
        "What I store about you here",
        "Only in this server; every part below says who can see it. `/privacy export` gives you a copy "
        "of all of it, `/privacy erase` deletes it.",
    )
    profile = ", ".join(s.profile_fields) or "nothing yet"
    groups = ", ".join(s.groups) or "none"
    rows = [
        (
            "Profile",
            f"{profile}.\nSeen by: you; your groups see your time zone, coffee partners your interests.",
        ),
        (
            "Groups",
            f"{groups} (and {s.past_groups} you left); {s.agreements} agreements to ground rules.\n"
            "Seen by: each group's members, facilitators and coordinators.",
        ),
        (
            "Check-ins",
            f"{s.checkins_received} received; answers: "
            + _share(
                s.answers, {"private": "only you", "facilitators": "facilitators", "group": "your group"}
            )
            + ".\nSeen by: whom you chose for each answer. Who answered is counted for facilitators.",
        ),
        (
            "Goals",
            _share(s.goals, {"private": "private", "partners": "with partners", "group": "with your group"})
            + f"; {s.goal_notes_on_others} notes on others' goals; partner of {s.partner_of}.\n"
            "Seen by: whom you chose for each goal (private ones: nobody else, coordinators included).",
        ),
        (
            "Coffee",
            f"{'taking part' if s.coffee_joined else 'not taking part'}; {s.coffee_pairings} pairings; "
            f"{s.do_not_pair} on your do-not-pair list.\nSeen by: your partners; your list only by you.",
        ),
        (
            "Discussions",
            f"{s.messages_counted} messages counted in {s.discussions} discussions — counts, never text.\n"
            "Seen by: the group's facilitators. Anonymous questions keep no name at all.",
        ),
        (
            "Moderation",
            f"{s.moderation_about_you} records about you; {s.reports_made} reports you made.\n"
            "Seen by: the group's facilitators and coordinators; who reported whom is never told.",
        ),
        ("Matching", f"{s.matching or 'not opted in'}.\nSeen by: coordinators when they match."),
        (
            "Research",
            ("allowed" if s.research_opt_in else "not allowed (the default)")
            + ": program research may use your counts (check-ins, goals, meetings, discussions) under a "
            "pseudonym, never your name, id or words. Change it with `/privacy research`.\n"
            "Seen by: the program's evaluators, only if you allow it.",
        ),
    ]
    for name, value in rows:
        embed.add_field(name=name, value=value[:1024], inline=False)
    stored = (
        "What you type about yourself (bio, interests, answers, goals, milestones, notes, reasons) is "
        "stored encrypted."
        if s.encrypted
        else "What you type about yourself (bio, interests, answers, goals, milestones, notes, reasons) is "
        "stored in clear: this server's bot operator can read it in the database."
    )
    kept = []
    if s.answer_retention_days:
        kept.append(f"answers are deleted after {s.answer_retention_days} days")
    if s.participation_retention_days:
        kept.append(f"discussion counts after {s.participation_retention_days} days")
    kept_text = "; ".join(kept) if kept else "kept until you erase them"
    embed.add_field(name="How it is kept", value=f"{stored} Answers and counts: {kept_text}.", inline=False)
    return embed


def erased_embed(report: ErasureReport, whose: str) -> discord.Embed:
    """What an erasure did."""
    return card(
        "Erased",
        f"{whose} data in this server is gone: {report.deleted} records deleted, {report.pseudonymised} "
        "kept as anonymous counts.",
        color=SUCCESS_COLOR,
    )


class EraseConfirm(ReportingView):
    """Asks before erasing: it cannot be undone."""

    def __init__(self, bot: MentorBot, requester_id: int, user_id: int, *, member_left: bool = False) -> None:
        super().__init__(timeout=300)
        self.bot, self.requester_id, self.user_id, self.member_left = bot, requester_id, user_id, member_left

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the person who asked can confirm."""
        return interaction.user.id == self.requester_id

    @discord.ui.button(label="Erase", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Erase the data."""
        assert interaction.guild_id is not None
        await interaction.response.defer()
        privacy = self.bot.services.privacy
        if self.member_left:
            report = await privacy.erase_member(
                interaction.guild_id, actor(interaction), self.user_id, still_in_server=False
            )
            whose = f"<@{self.user_id}>'s"
        else:
            report = await privacy.erase(interaction.guild_id, self.user_id)
            whose = "Your"
        self.stop()
        await interaction.edit_original_response(embed=erased_embed(report, whose), view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Keep everything."""
        self.stop()
        await interaction.response.edit_message(embed=card("Nothing erased", "Everything stays."), view=None)


@app_commands.guild_only()
class PrivacyCog(
    commands.GroupCog, group_name="privacy", group_description="Your data: see it, copy it, erase it"
):
    """Members' data rights."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="What I store about you here, and who can see it")
    async def show(self, interaction: discord.Interaction) -> None:
        """What I store about you here, and who can see it."""
        assert interaction.guild_id is not None
        summary = await self.bot.services.privacy.summary(interaction.guild_id, interaction.user.id)
        await reply(interaction, summary_embed(summary))

    @app_commands.command(name="export", description="A JSON file with all your data in this server")
    async def export(self, interaction: discord.Interaction) -> None:
        """A JSON file with all your data in this server."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.bot.services.privacy.export(interaction.guild_id, interaction.user.id)
        content = json.dumps(data, ensure_ascii=False, indent=2).encode()
        name = f"mentorbot-data-{interaction.guild_id}.json"
        profile = await self.bot.services.profiles.get(interaction.guild_id, interaction.user.id)
        if profile.dm_allowed:
            try:
                await interaction.user.send(
                    embed=card("Your data", "Everything I store about you in one server, as JSON."),
                    file=discord.File(io.BytesIO(content), filename=name),
                )
            except discord.HTTPException:
                pass  # DMs closed: hand it over here instead
            else:
                await reply(interaction, card("Check your DMs", "I sent you the file.", color=SUCCESS_COLOR))
                return
        await interaction.followup.send(
            embed=card("Your data", "Your DMs are closed to me, so here it is; only you can see this."),
            file=discord.File(io.BytesIO(content), filename=name),
            ephemeral=True,
        )

    @app_commands.command(
        name="research", description="Allow or stop research use of your counts (never your words)"
    )
    @app_commands.describe(choice="on: your de-identified counts go into research exports; off: they do not")
    async def research(self, interaction: discord.Interaction, choice: Literal["on", "off"]) -> None:
        """Allow or stop research use of your counts (never your words)."""
        assert interaction.guild_id is not None
        on = choice == "on"
        await self.bot.services.profiles.update(interaction.guild_id, interaction.user.id, research_opt_in=on)
        if on:
            embed = card(
                "Research use allowed",
                "Research exports of this program will include your counts (check-ins answered, goals, "
                "meetings attended, discussions joined) under a pseudonym: never your name, your id or "
                "anything you wrote. `/privacy research off` stops it for future exports.",
                color=SUCCESS_COLOR,
            )
        else:
            embed = card(
                "Research use off",
                "Research exports of this program leave you out entirely. Exports already made are "
                "not changed.",
                color=SUCCESS_COLOR,
            )
        await reply(interaction, embed)

    @app_commands.command(name="erase", description="Delete your data in this server (asks first)")
    async def erase(self, interaction: discord.Interaction) -> None:
        """Delete your data in this server (asks first)."""
        view = EraseConfirm(self.bot, interaction.user.id, interaction.user.id)
        text = ERASE_WARNING.format(their="your", They="You")
        await reply(interaction, card("Erase your data?", text), view=view)

    @app_commands.command(
        name="erase-member", description="Delete the data of someone who left the server (coordinators)"
    )
    @app_commands.describe(user="Who left (their id works too)")
    async def erase_member(self, interaction: discord.Interaction, user: discord.User) -> None:
        """Delete the data of someone who left the server."""
        assert interaction.guild is not None
        still_in = isinstance(user, discord.Member)
        if not still_in:
            try:
                await interaction.guild.fetch_member(user.id)
                still_in = True
            except discord.NotFound:
                still_in = False
        # Checks rights and membership before anything is shown.
        privacy = self.bot.services.privacy
        await privacy.check_erase_member(
            interaction.guild.id, actor(interaction), user.id, still_in_server=still_in
        )
        view = EraseConfirm(self.bot, interaction.user.id, user.id, member_left=True)
        text = ERASE_WARNING.format(their="their", They="They")
        await reply(interaction, card(f"Erase {user.mention}'s data?", text), view=view)


async def setup(bot: MentorBot) -> None:
    """Load the cog."""
    await bot.add_cog(PrivacyCog(bot))
