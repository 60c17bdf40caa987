"""The port through which meeting services put meetings on the server's calendar (Discord events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class EventRequest:
    """A meeting as a server scheduled event: where and when, and a marker that finds it again."""

    guild_id: int
    name: str  # 1-100 characters
    description: str  # 1-1000 characters, ends with the marker
    starts_at: datetime
    ends_at: datetime
    location: str  # an external event's location (1-100 characters): the group's home
    voice_channel_id: int | None = None  # a voice event instead, when the meeting has a voice channel
    marker: str = ""  # unique per meeting: an event carrying it in its description is this meeting's


class MeetingCalendar(Protocol):
    """Creates and cancels the server's scheduled events for meetings."""

    async def create_event(self, request: EventRequest) -> int:
        """Create the event, or return the one already carrying the request's marker; return its id.

        Raises BotLacksPermission when the bot may not create events there, NotFound when the
        server or the voice channel is gone, Invalid when Discord refuses the event's fields.
        """
        ...

    async def cancel_event(self, guild_id: int, event_id: int) -> None:
        """Cancel an event that has not started, or end one that has; one that is gone is not an error."""
        ...


def event_url(guild_id: int, event_id: int) -> str:
    """Return the link that opens the event in Discord."""
    return f"https://discord.com/events/{guild_id}/{event_id}"


def channel_url(guild_id: int, channel_id: int) -> str:
    """Return the link that opens a channel in Discord (an external event's location)."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}"
