"""Audit-log reasons: every moderation request says, in the server's audit log, who and why."""

from __future__ import annotations

import discord

from bot.domain.text import clip
from bot.services.actors import Actor, Audit

REASON_MAX = 512  # Discord's limit for X-Audit-Log-Reason


def audit_reason(guild: discord.Guild, audit: Audit | None, default: str) -> str:
    """Return the audit-log reason: "<name> (<id>) <action> in group <group>: <reason>".

    The bot makes the request, so Discord's audit log names the bot: the reason names the
    member who asked. A name not known is left out (the id is enough to find them).
    """
    if audit is None:
        return default
    action = audit.action.replace("{target}", _named(guild, audit.target) if audit.target else "")
    text = f"{_named(guild, audit.actor)} {action}"
    if audit.group:
        text += f" in group {audit.group}"
    text += f": {audit.reason}" if audit.reason else " (no reason given)"
    return clip(text, REASON_MAX)


def _named(guild: discord.Guild, person: Actor) -> str:
    member = guild.get_member(person.user_id)
    name = person.name or (member.display_name if member is not None else None)
    return f"{name} ({person.user_id})" if name else f"user {person.user_id}"
