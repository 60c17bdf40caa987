"""Turn any error raised while handling an interaction into a short, private reply."""

from __future__ import annotations

import logging
import uuid

import discord
import sqlalchemy.exc
from discord import app_commands

from bot.discord.interaction_deadline import answering
from bot.errors import DomainError, Unavailable

log = logging.getLogger(__name__)

ERROR_COLOR = 0xE5534B
# What a busy or unreachable database says (SQLite's lock, PostgreSQL restarting or refusing).
UNAVAILABLE_SIGNS = (
    "database is locked",
    "unable to open",
    "connection",
    "connect",
    "timeout",
    "shutting down",
)


def database_unavailable(error: BaseException) -> bool:
    """Tell a busy or unreachable database (worth retrying) from a real fault such as a missing table."""
    if isinstance(error, sqlalchemy.exc.TimeoutError | ConnectionRefusedError):
        return True
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        return error.connection_invalidated or any(
            sign in str(error.orig).lower() for sign in UNAVAILABLE_SIGNS
        )
    return False


def describe(error: BaseException) -> tuple[str, str, bool]:
    """Return (title, text, unexpected) for an error; unexpected ones get an error id."""
    original = getattr(error, "original", None) or error
    if isinstance(original, DomainError):
        return original.title, original.message, False
    if isinstance(original, Unavailable):
        return original.title, f"{original.message} Nothing was changed; please try again in a moment.", False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "Server only", "This command works inside a server, not in DMs.", False
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return "Not allowed", f"You need the **{missing}** permission for this.", False
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return "I'm missing a permission", f"Give me the **{missing}** permission here and try again.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return "Slow down", f"Try again in {error.retry_after:.0f} seconds.", False
    if isinstance(error, app_commands.TransformerError):
        # Discord offers only valid choices, but a member may have left, or a mention may name nobody.
        what = {
            discord.AppCommandOptionType.user: "a member of this server",
            discord.AppCommandOptionType.channel: "a channel I can see here",
            discord.AppCommandOptionType.role: "a role of this server",
        }.get(error.type, "a valid choice")
        return "Not a valid choice", f"That has to be {what}; pick one from the list.", False
    if isinstance(error, app_commands.CheckFailure):
        return "Not allowed", "You can't use this command here.", False
    if database_unavailable(original):
        # Busy (SQLite's lock held too long) or unreachable (PostgreSQL restarting): nothing was
        # saved, and the same command will work once the database answers again.
        return (
            "Just a moment",
            "I can't reach my database right now, so nothing was changed. Please try again in a moment.",
            False,
        )
    if isinstance(original, discord.Forbidden):
        return (
            "I'm missing a permission",
            "Discord refused me that action here (missing permission). Ask a server admin to check my role.",
            False,
        )
    return "Something went wrong", "", True


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer the user privately and log unexpected errors with a traceback and an id."""
    title, text, unexpected = describe(error)
    if unexpected:
        error_id = uuid.uuid4().hex[:8]
        original = getattr(error, "original", None) or error
        log.error(
            "error %s in interaction %s (%s) by user %s",
            error_id,
            interaction.id,
            getattr(interaction.command, "qualified_name", interaction.type.name),
            interaction.user.id,
            exc_info=original,
        )
        text = f"Something went wrong on my side. It has been logged as error `{error_id}`; please try again."
    embed = discord.Embed(title=title, description=text, color=ERROR_COLOR)
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            return
        async with answering(interaction):
            if interaction.response.is_done():
                await interaction.followup.send(embed=embed, ephemeral=True)
            else:
                await interaction.response.send_message(embed=embed, ephemeral=True)
    except discord.HTTPException:
        log.warning(
            "could not tell user %s about an error in interaction %s", interaction.user.id, interaction.id
        )
