"""Guild scheduled events: the model, Discord's status automation and the gateway events.

Shapes follow Discord's OpenAPI description (``ExternalScheduledEventResponse`` and its voice
and stage siblings) and the Guild Scheduled Event page of Discord's docs: ``entity_metadata``
with a ``location`` for EXTERNAL events (``null`` for the others), ``channel_id`` ``null`` for
EXTERNAL ones, ``creator`` and ``creator_id``, ``user_count`` only when asked for.

Time: what "now" means for these checks (a start in the future, the automation below) is
``World.clock()``, the real clock unless a test sets ``fake.clock`` to its own.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .models import GUILD_STAGE_VOICE, GUILD_VOICE, FakeGuild, FakeUser
from .permissions import P, has
from .util import iso

if TYPE_CHECKING:
    from .state import World

INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16

STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
ENTITY_TYPES = (STAGE_INSTANCE, VOICE, EXTERNAL)
GUILD_ONLY = 2
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
#: Discord's valid status transitions; COMPLETED and CANCELED are final.
TRANSITIONS = {SCHEDULED: (ACTIVE, CANCELED), ACTIVE: (COMPLETED,)}
#: A guild can hold at most this many SCHEDULED or ACTIVE events.
MAX_OPEN_EVENTS = 100
#: "Any scheduled event which has not begun after its scheduled start time will be automatically
#: cancelled after a few hours" (the docs give no figure).
UNSTARTED_CANCEL_AFTER = dt.timedelta(hours=3)
#: The channel type each channel-hosted entity type needs.
CHANNEL_TYPE_FOR = {STAGE_INSTANCE: GUILD_STAGE_VOICE, VOICE: GUILD_VOICE}
#: What the bot needs in the event's channel, besides CREATE_EVENTS/MANAGE_EVENTS.
CHANNEL_PERMISSIONS = {
    STAGE_INSTANCE: int(P.MANAGE_CHANNELS | P.MUTE_MEMBERS | P.MOVE_MEMBERS),
    VOICE: int(P.VIEW_CHANNEL | P.CONNECT),
}


class FakeScheduledEvent:
    """One guild scheduled event."""

    def __init__(
        self,
        guild: FakeGuild,
        event_id: int,
        *,
        name: str,
        creator: FakeUser,
        start: dt.datetime,
        end: dt.datetime | None,
        entity_type: int,
        channel_id: int | None = None,
        location: str | None = None,
        description: str | None = None,
        image: str | None = None,
        recurrence_rule: dict[str, Any] | None = None,
    ) -> None:
        self.guild = guild
        self.id = event_id
        self.name = name
        self.description = description
        self.creator = creator
        self.scheduled_start_time = start
        self.scheduled_end_time = end
        self.entity_type = entity_type
        self.channel_id = channel_id
        self.location = location
        self.image = image
        self.recurrence_rule = recurrence_rule
        self.privacy_level = GUILD_ONLY
        self.status = SCHEDULED
        #: users interested in the event ("Interested" in the client), by id
        self.subscribers: list[int] = []

    @property
    def open(self) -> bool:
        """Whether the event still counts toward the guild's limit (SCHEDULED or ACTIVE)."""
        return self.status in (SCHEDULED, ACTIVE)

    def to_dict(self, *, with_user_count: bool = False) -> dict[str, Any]:
        """The scheduled event object (REST and gateway)."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "guild_id": str(self.guild.id),
            "name": self.name,
            "description": self.description,
            "channel_id": None if self.channel_id is None else str(self.channel_id),
            "creator_id": str(self.creator.id),
            "creator": self.creator.to_dict(),
            "image": self.image,
            "scheduled_start_time": iso(self.scheduled_start_time),
            "scheduled_end_time": iso(self.scheduled_end_time),
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": None,
            "recurrence_rule": self.recurrence_rule,
            "privacy_level": self.privacy_level,
            "user_rsvp": None,
            "guild_scheduled_event_exceptions": [],
            "entity_metadata": {"location": self.location} if self.entity_type == EXTERNAL else None,
        }
        if with_user_count:
            data["user_count"] = len(self.subscribers)
        return data

    def __repr__(self) -> str:
        return f"<FakeScheduledEvent id={self.id} name={self.name!r} status={self.status}>"


def bot_sees(world: World, event: FakeScheduledEvent) -> bool:
    """Whether the bot may see the event: any member sees EXTERNAL ones, channel events need VIEW_CHANNEL."""
    if event.channel_id is None:
        return True
    chan = world.channels.get(event.channel_id)
    return chan is not None and not chan.deleted and has(world.bot_permissions(chan), int(P.VIEW_CHANNEL))


def emit_event(world: World, kind: str, event: FakeScheduledEvent) -> None:
    """GUILD_SCHEDULED_EVENT_CREATE / _UPDATE / _DELETE (intent GUILD_SCHEDULED_EVENTS)."""
    if not bot_sees(world, event):
        return
    world.emit(
        f"GUILD_SCHEDULED_EVENT_{kind}",
        event.to_dict(),
        guild_id=event.guild.id,
        intent=INTENT_GUILD_SCHEDULED_EVENTS,
    )


def set_status(world: World, event: FakeScheduledEvent, status: int) -> None:
    """Change the status and tell the bot (GUILD_SCHEDULED_EVENT_UPDATE)."""
    if event.status != status:
        event.status = status
        emit_event(world, "UPDATE", event)


def run_automation(world: World, guild: FakeGuild | None = None) -> None:
    """Apply Discord's status automation as of ``world.clock()``.

    EXTERNAL events become ACTIVE at their start and COMPLETED at their end; any event still
    SCHEDULED a few hours after its start is CANCELED. (Voice and stage events end when their
    channel empties; there is no voice in the fake, so they stay ACTIVE until edited.)
    """
    now = world.clock()
    guilds = [guild] if guild is not None else list(world.guilds.values())
    for g in guilds:
        for event in list(g.scheduled_events.values()):
            if event.entity_type == EXTERNAL:
                if event.status == SCHEDULED and event.scheduled_start_time <= now:
                    set_status(world, event, ACTIVE)
                if (
                    event.status == ACTIVE
                    and event.scheduled_end_time is not None
                    and event.scheduled_end_time <= now
                ):
                    set_status(world, event, COMPLETED)
            elif event.status == SCHEDULED and event.scheduled_start_time + UNSTARTED_CANCEL_AFTER <= now:
                set_status(world, event, CANCELED)


def gateway_list(world: World, guild: FakeGuild) -> list[dict[str, Any]]:
    """``guild_scheduled_events`` of GUILD_CREATE: the open events the bot can see."""
    return [e.to_dict() for e in guild.scheduled_events.values() if e.open and bot_sees(world, e)]


__all__ = [
    "ACTIVE",
    "CANCELED",
    "COMPLETED",
    "EXTERNAL",
    "GUILD_ONLY",
    "INTENT_GUILD_SCHEDULED_EVENTS",
    "SCHEDULED",
    "STAGE_INSTANCE",
    "VOICE",
    "FakeScheduledEvent",
]
