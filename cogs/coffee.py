"""/coffee: opt-in coffee pairings that stand in for the hallway encounter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import MentorBot
from bot.discord import permissions
from bot.services.coffee import EVERY_WEEKS_MAX, PAUSE_WEEKS_MAX, MemberStatus, ProgramView
from cogs._ui import (
    SUCCESS_COLOR,
    WEEKDAY_CHOICES,
    WEEKDAYS,
    ReportingItem,
    actor,
    card,
    reply,
    server_member,
)


class MetButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"coffee:met:(?P<id>\d+):(?P<answer>yes|no)",
):
    """A pair member answers "did you meet?"; a restart doesn't break it."""

    def __init__(self, match_id: int, answer: str) -> None:
        super().__init__(discord.ui.Button(label=answer, custom_id=f"coffee:met:{match_id}:{answer}"))
        self.match_id, self.answer = match_id, answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MetButton:
        """Rebuild from the button's id."""
        return cls(int(match["id"]), match["answer"])

    async def act(self, interaction: discord.Interaction) -> None:
        """Record the answer."""
        bot: MentorBot = interaction.client  # type: ignore[assignment]
        met = self.answer == "yes"
        await bot.services.coffee.answer_met(interaction.user.id, self.match_id, met)
        text = (
            "Wonderful, thank you for telling me."
            if met
            else "Thanks for telling me; there's always next round."
        )
        await interaction.response.send_message(
            embed=card("Noted", text, color=SUCCESS_COLOR), ephemeral=True
        )


@app_commands.guild_only()
class CoffeeCog(
    commands.GroupCog, group_name="coffee", group_description="Coffee pairings: meet someone new"
):
    """Coffee commands; the service checks who may do what."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="setup", description="Set up coffee pairings for this server (coordinators)")
    @app_commands.describe(
        channel="Where the pairs' private threads open",
        weekday="The day rounds are drawn",
        every_weeks="How often there is a round",
        no_repeat_rounds="Rounds before the same two people can be paired again",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        weekday: int = 0,
        every_weeks: app_commands.Range[int, 1, EVERY_WEEKS_MAX] = 2,
        no_repeat_rounds: app_commands.Range[int, 0, 52] = 6,
    ) -> None:
        """Set up coffee pairings for this server."""
        assert interaction.guild is not None
        await self.bot.services.program.require_coordinator(
            interaction.guild.id, actor(interaction), "set up coffee pairings"
        )
        permissions.require(channel, permissions.PRIVATE_THREADS)  # a private thread per pair
        view = await self.bot.services.coffee.configure(
            interaction.guild.id,
            actor(interaction),
            channel.id,
            every_weeks=every_weeks,
            weekday=weekday,
            no_repeat_rounds=no_repeat_rounds,
        )
        text = (
            f"{_cadence(view)}; each pair meets in a private thread of {channel.mention}.\n"
            "Members opt in with `/coffee join`."
        )
        await reply(interaction, program_embed("Coffee pairings are on", view, text))

    @app_commands.command(name="stop", description="Stop drawing coffee rounds (coordinators)")
    async def stop(self, interaction: discord.Interaction) -> None:
        """Stop drawing coffee rounds."""
        assert interaction.guild_id is not None
        await self.bot.services.coffee.stop(interaction.guild_id, actor(interaction))
        text = "No more rounds until `/coffee setup` starts them again; members stay opted in."
        await reply(interaction, card("Coffee pairings stopped", text, color=SUCCESS_COLOR))

    @app_commands.command(name="join", description="Opt in: meet someone new every few weeks")
    async def join(self, interaction: discord.Interaction) -> None:
        """Opt in: meet someone new every few weeks."""
        assert interaction.guild_id is not None
        status = await self.bot.services.coffee.join(interaction.guild_id, interaction.user.id)
        text = (
            "You're in. Each round I pair you with someone you haven't met, in a private thread, "
            "with a few words about each other."
        )
        await reply(interaction, status_embed("☕ You're in", status, text))

    @app_commands.command(name="leave", description="Opt out of coffee pairings")
    async def leave(self, interaction: discord.Interaction) -> None:
        """Opt out of coffee pairings."""
        assert interaction.guild_id is not None
        await self.bot.services.coffee.leave(interaction.guild_id, interaction.user.id)
        text = "You won't be paired again. `/coffee join` whenever you'd like to come back."
        await reply(interaction, card("You've left coffee pairings", text, color=SUCCESS_COLOR))

    @app_commands.command(name="pause", description="Sit out coffee rounds for a few weeks")
    @app_commands.describe(weeks="For how many weeks (it ends by itself)")
    async def pause(
        self, interaction: discord.Interaction, weeks: app_commands.Range[int, 1, PAUSE_WEEKS_MAX]
    ) -> None:
        """Sit out coffee rounds for a few weeks."""
        assert interaction.guild_id is not None
        until = await self.bot.services.coffee.pause(interaction.guild_id, interaction.user.id, weeks)
        text = f"No pairings until {format_dt(until, 'D')}; then you're back in by yourself."
        await reply(interaction, card("Paused", text, color=SUCCESS_COLOR))

    @app_commands.command(name="skip", description="Sit out the next coffee round only")
    async def skip(self, interaction: discord.Interaction) -> None:
        """Sit out the next coffee round only."""
        assert interaction.guild_id is not None
        when = await self.bot.services.coffee.skip_next(interaction.guild_id, interaction.user.id)
        text = (
            f"You'll sit out the round of {format_dt(when, 'D')}."
            if when
            else "You'll sit out the next round."
        )
        await reply(interaction, card("Skipping the next round", text, color=SUCCESS_COLOR))

    @app_commands.command(name="status", description="When the next coffee round is, and whether you're in")
    async def status(self, interaction: discord.Interaction) -> None:
        """When the next coffee round is, and whether you're in."""
        assert interaction.guild_id is not None
        status = await self.bot.services.coffee.status(interaction.guild_id, interaction.user.id)
        await reply(interaction, status_embed("☕ Coffee pairings", status))

    @app_commands.command(name="history", description="Whom you've had coffee with")
    async def history(self, interaction: discord.Interaction) -> None:
        """Whom you've had coffee with."""
        assert interaction.guild_id is not None
        past = await self.bot.services.coffee.history(interaction.guild_id, interaction.user.id)
        lines = []
        for entry in past:
            day = datetime.combine(entry.day, time(12), tzinfo=UTC)
            with_ = ", ".join(f"<@{user}>" for user in entry.partners) or "nobody"
            met = {True: "✅ met", False: "didn't meet", None: "no answer"}[entry.met]
            where = f" · <#{entry.thread_id}>" if entry.thread_id else ""
            lines.append(f"{format_dt(day, 'D')}: {with_} · {met}{where}")
        text = "\n".join(lines) or "No pairings yet."
        await reply(interaction, card("Your coffee history", text[:4000]))

    @app_commands.command(name="avoid", description="Never be paired with someone (they are not told)")
    @app_commands.describe(member="Who you'd rather not be paired with")
    async def avoid(self, interaction: discord.Interaction, member: discord.Member) -> None:
        """Never be paired with someone (they are not told)."""
        assert interaction.guild_id is not None
        await self.bot.services.coffee.avoid(
            interaction.guild_id, interaction.user.id, server_member(member).id
        )
        text = f"You won't be paired with {member.mention}. Nobody else can see this list."
        await reply(interaction, card("Noted, privately", text, color=SUCCESS_COLOR))

    @app_commands.command(name="allow", description="Take someone off your do-not-pair list")
    @app_commands.describe(member="Who can be paired with you again")
    async def allow(self, interaction: discord.Interaction, member: discord.User) -> None:
        """Take someone off your do-not-pair list."""
        assert interaction.guild_id is not None
        removed = await self.bot.services.coffee.allow(interaction.guild_id, interaction.user.id, member.id)
        text = f"{member.mention} can be paired with you again." if removed else "They weren't on your list."
        await reply(interaction, card("Do-not-pair list", text, color=SUCCESS_COLOR))

    @app_commands.command(name="stats", description="How coffee pairings are going (coordinators)")
    async def stats(self, interaction: discord.Interaction) -> None:
        """How coffee pairings are going."""
        assert interaction.guild_id is not None
        stats = await self.bot.services.coffee.stats(interaction.guild_id, actor(interaction))
        embed = card("☕ Coffee pairings")
        for name, value in (
            ("Opted in", f"{stats.participants} ({stats.paused} paused)"),
            ("Rounds", str(stats.rounds)),
            ("Pairs made", str(stats.pairs)),
            ("Pairs who met", f"{stats.pairs_met} of {stats.answered} who answered"),
            ("Sat out", str(stats.sit_outs)),
        ):
            embed.add_field(name=name, value=value, inline=True)
        embed.set_footer(text="Counts only: who met whom stays with the pairs.")
        await reply(interaction, embed)


def _cadence(view: ProgramView) -> str:
    day = WEEKDAYS[view.weekday]
    return (
        f"A round every {day}"
        if view.every_weeks == 1
        else f"A round every {view.every_weeks} weeks on {day}"
    )


def program_embed(title: str, view: ProgramView, text: str) -> discord.Embed:
    """The program's settings and its next round."""
    embed = card(title, text, color=SUCCESS_COLOR)
    if view.next_round_at:
        embed.add_field(
            name="Next round",
            value=f"{format_dt(view.next_round_at, 'F')} ({format_dt(view.next_round_at, 'R')})",
        )
    embed.add_field(name="Repeats", value=f"not within {view.no_repeat_rounds} rounds")
    return embed


def status_embed(title: str, status: MemberStatus, text: str | None = None) -> discord.Embed:
    """Whether the member is in, paused or skipping, and when the next round is."""
    program = status.program
    if not status.joined:
        state = "You're not in: `/coffee join` to take part."
    elif status.paused_until:
        state = f"Paused until {format_dt(status.paused_until, 'D')}."
    elif status.skip_next:
        state = "In, but sitting out the next round."
    else:
        state = "In."
    embed = card(title, text or state)
    if text:
        embed.add_field(name="You", value=state, inline=False)
    embed.add_field(name="How often", value=_cadence(program), inline=True)
    if program.next_round_at:
        embed.add_field(name="Next round", value=format_dt(program.next_round_at, "F"), inline=True)
    elif not program.active:
        embed.add_field(name="Next round", value="Paused by the coordinators", inline=True)
    embed.add_field(name="Taking part", value=str(program.participants), inline=True)
    return embed


async def setup(bot: MentorBot) -> None:
    """Load the cog and the persistent "did you meet?" buttons."""
    bot.add_dynamic_items(MetButton)
    await bot.add_cog(CoffeeCog(bot))
