"""The MeetingCalendar port implemented with discord.py: the server's scheduled events."""

from __future__ import annotations

import logging

import discord

from bot.discord import lookup
from bot.errors import Invalid, NotFound
from bot.services.groups.homes import BotLacksPermission
from bot.services.meetings.calendar import EventRequest

log = logging.getLogger(__name__)


def missing_event_permission(
    guild: discord.Guild, voice_channel_id: int | None = None
) -> BotLacksPermission | None:
    """Return the error for the permission the bot lacks to put a meeting on the calendar, if any."""
    # Discord: creating an event needs Create Events (guild-wide for an external event; in the
    # channel, with View Channel and Connect, for a voice one). Changing or cancelling the bot's own
    # events needs Create Events or Manage Events.
    me = guild.me
    channel = guild.get_channel(voice_channel_id) if voice_channel_id is not None else None
    if channel is None:  # no voice channel (or it is gone): an external event at the group's home
        if not me.guild_permissions.create_events:
            return BotLacksPermission("Create Events", "in this server")
        return None
    permissions = channel.permissions_for(me)
    for flag, label in (
        ("view_channel", "View Channel"),
        ("connect", "Connect"),
        ("create_events", "Create Events"),
    ):
        if not getattr(permissions, flag):
            return BotLacksPermission(label, f"in {channel.mention}")
    return None


class DiscordMeetingCalendar:
    """Creates and cancels scheduled events; finds its own again by the meeting's marker."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def create_event(self, request: EventRequest) -> int:
        """Create the event (or return the one already made for this meeting)."""
        guild = await lookup.server(self._client, request.guild_id)
        try:
            existing = await guild.fetch_scheduled_events()
        except discord.Forbidden:
            existing = []
        for event in existing:
            if request.marker and request.marker in (event.description or ""):
                return event.id
        channel = guild.get_channel(request.voice_channel_id) if request.voice_channel_id else None
        voice = channel if isinstance(channel, discord.VoiceChannel) else None
        missing = missing_event_permission(guild, voice.id if voice else None)
        if missing is not None:
            raise missing
        common = {
            "name": request.name,
            "description": request.description,
            "start_time": request.starts_at,
            "end_time": request.ends_at,
            "privacy_level": discord.PrivacyLevel.guild_only,
            "reason": "Meeting planned with the bot",
        }
        try:
            if voice is not None:
                event = await guild.create_scheduled_event(
                    channel=voice, entity_type=discord.EntityType.voice, **common
                )
            else:
                event = await guild.create_scheduled_event(
                    entity_type=discord.EntityType.external, location=request.location, **common
                )
        except discord.Forbidden:
            raise BotLacksPermission("Create Events", "in this server") from None
        except discord.HTTPException as error:
            if error.status >= 500:
                raise  # Discord's trouble: the sweep tries again
            raise Invalid(f"Discord refused the event: {error.text[:200]}") from None
        log.info("scheduled event %s in guild %s", event.id, guild.id)
        return event.id

    async def cancel_event(self, guild_id: int, event_id: int) -> None:
        """Cancel the event (end it if it has started); an event already gone is fine."""
        try:
            guild = await lookup.server(self._client, guild_id)
        except NotFound:
            return  # the bot left the server: its events went with it
        try:
            event = await guild.fetch_scheduled_event(event_id)
            if event.status is discord.EventStatus.scheduled:
                await event.cancel(reason="Meeting cancelled")
            elif event.status is discord.EventStatus.active:
                await event.end(reason="Meeting cancelled")
        except discord.NotFound:
            return
        except discord.Forbidden:
            raise BotLacksPermission("Create Events", "in this server") from None
