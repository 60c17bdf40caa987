"""Throwaway discord.py bots that exercise the fake Discord (tests/e2e/test_fake_discord_*.py).

:class:`ThrowawayBot` logs in over HTTP, finds the gateway via ``GET /gateway/bot`` and talks
to the fake exactly as it would talk to Discord, with commands, views and modals to drive;
:class:`RestBot` has the commands that reach the REST edge cases (answering twice, too late).
"""

from __future__ import annotations

import asyncio

import discord
import yarl
from discord import app_commands, ui
from discord.ext import commands
from discord.http import Route

from tests.fake_discord.testing import use_gateway_from_api

TOKEN = "test-token"
ZONES = ["Europe/Paris", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]


class FeedbackModal(ui.Modal, title="Feedback"):
    text = ui.TextInput(label="How was it?", max_length=200)
    mood = ui.Label(
        text="Mood",
        component=ui.Select(
            custom_id="mood",
            options=[
                discord.SelectOption(label="Good", value="good"),
                discord.SelectOption(label="Bad", value="bad"),
            ],
        ),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        mood = self.mood.component.values[0]  # type: ignore[union-attr]
        await interaction.response.send_message(f"got {self.text.value} / {mood}", ephemeral=True)


class PanelView(ui.View):
    @ui.button(label="Press", custom_id="press", style=discord.ButtonStyle.primary)
    async def press(self, interaction: discord.Interaction, button: ui.Button) -> None:
        await interaction.response.edit_message(content=f"pressed by {interaction.user.name}", view=None)

    @ui.select(
        custom_id="pick",
        options=[discord.SelectOption(label="One", value="1"), discord.SelectOption(label="Two", value="2")],
    )
    async def pick(self, interaction: discord.Interaction, select: ui.Select) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class NoteModal(ui.Modal, title="Check-in note"):
    note = ui.Label(text="Anything to add?", component=ui.TextInput(style=discord.TextStyle.paragraph))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text = self.note.component.value  # type: ignore[union-attr]
        await interaction.response.edit_message(content=f"noted: {text}", view=None)


class CheckInView(ui.View):
    @ui.button(label="I'm fine", custom_id="checkin:fine")
    async def fine(self, interaction: discord.Interaction, button: ui.Button) -> None:
        in_dm = interaction.guild is None and isinstance(interaction.channel, discord.DMChannel)
        await interaction.response.send_message(f"thanks (dm={in_dm})")

    @ui.button(label="Add a note", custom_id="checkin:note")
    async def note(self, interaction: discord.Interaction, button: ui.Button) -> None:
        await interaction.response.send_modal(NoteModal())


class ThrowawayBot(commands.AutoShardedBot):
    def __init__(self, *, intents: discord.Intents | None = None, **kwargs: object) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
            **kwargs,
        )
        self.seen_messages: list[discord.Message] = []
        self.resumed = asyncio.Event()
        self.dm_errors: list[discord.HTTPException] = []

    async def setup_hook(self) -> None:
        _, url, _ = await self.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        tree = self.tree

        @tree.command(name="hello", description="Say hello")
        async def hello(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"Hello {name}!")

        @tree.command(name="slow", description="Defer then follow up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.01)
            await interaction.followup.send("done thinking")

        @tree.command(name="quiet", description="Ephemeral defer then edit")
        async def quiet(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.edit_original_response(content="only you see this")

        @tree.command(name="feedback", description="Open a modal")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(name="panel", description="A button and a select")
        async def panel(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Panel", view=PanelView())

        @tree.command(name="checkin", description="DM me a check-in")
        async def checkin(interaction: discord.Interaction) -> None:
            try:
                await interaction.user.send("How are you?", view=CheckInView())
            except discord.Forbidden as exc:
                self.dm_errors.append(exc)
                await interaction.response.send_message("I cannot DM you", ephemeral=True)
            else:
                await interaction.response.send_message("Check your DMs", ephemeral=True)

        @tree.command(name="silent", description="Never answers")
        async def silent(interaction: discord.Interaction) -> None:
            return

        @tree.command(name="tz", description="Set your time zone")
        async def tz(interaction: discord.Interaction, zone: str) -> None:
            await interaction.response.send_message(f"zone={zone}", ephemeral=True)

        @tz.autocomplete("zone")
        async def tz_complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=z, value=z) for z in ZONES if z.lower().startswith(current.lower())
            ]

        team = app_commands.Group(name="team", description="Teams")
        member = app_commands.Group(name="member", description="Team members", parent=team)

        @member.command(name="add", description="Add a member")
        async def member_add(
            interaction: discord.Interaction, who: discord.Member, role: discord.Role, size: int = 1
        ) -> None:
            perms = interaction.app_permissions
            await interaction.response.send_message(
                f"{who.display_name}|{role.name}|{size}|{type(who).__name__}|{perms.send_messages}"
            )

        tree.add_command(team)
        await tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)

    async def on_resumed(self) -> None:
        self.resumed.set()


class NoIdentifyDelayBot(ThrowawayBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s between IDENTIFYs of non-initial shards (max_concurrency 1).
        return None


class RestBot(commands.AutoShardedBot):
    """Commands that reach the REST edge cases: answering twice, a too long modal, too late."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix="!", intents=intents or discord.Intents.default(), guild_ready_timeout=0.05
        )
        self.joined: list[int] = []
        self.removed: list[int] = []
        self.errors: list[discord.HTTPException] = []

    async def setup_hook(self) -> None:
        await use_gateway_from_api(self)

        @self.tree.command(name="twice", description="Answers twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            try:
                await self.http.request(
                    Route(
                        "POST",
                        "/interactions/{interaction_id}/{token}/callback",
                        interaction_id=interaction.id,
                        token=interaction.token,
                    ),
                    json={"type": 4, "data": {"content": "second"}},
                )
            except discord.HTTPException as exc:
                self.errors.append(exc)
            await interaction.followup.send("whisper", ephemeral=True)

        @self.tree.command(name="bigmodal", description="A modal with a too long title")
        async def bigmodal(interaction: discord.Interaction) -> None:
            modal = ui.Modal(title="x" * 46)
            modal.add_item(ui.TextInput(label="a"))
            try:
                await interaction.response.send_modal(modal)
            except discord.HTTPException as exc:
                self.errors.append(exc)
                await interaction.response.send_message("modal refused", ephemeral=True)

        @self.tree.command(name="late", description="Answers after the deadline")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            try:
                await interaction.response.send_message("too late")
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @self.tree.command(name="tardy", description="Follows up after the token expired")
        async def tardy(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await asyncio.sleep(0.3)
            try:
                await interaction.followup.send("too late")
            except discord.HTTPException as exc:
                self.errors.append(exc)

        await self.tree.sync()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.append(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.removed.append(guild.id)
