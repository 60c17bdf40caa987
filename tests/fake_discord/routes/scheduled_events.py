"""Guild scheduled events: list, create, get, modify, delete, and who is interested.

Validation and permissions follow Discord's OpenAPI description and the Guild Scheduled Event
docs: ``name`` 1-100, ``description`` 1-1000, ``privacy_level`` 2 (GUILD_ONLY) required,
``entity_type`` 1/2/3; EXTERNAL needs ``entity_metadata.location`` (1-100), a
``scheduled_end_time`` and no ``channel_id``; VOICE and STAGE_INSTANCE need a channel of that
kind. The start must be in the future (``GUILD_SCHEDULED_EVENT_SCHEDULE_PAST``); the end after
the start. Creating needs CREATE_EVENTS (guild-wide for EXTERNAL; in the channel, with
VIEW_CHANNEL + CONNECT for VOICE or MANAGE_CHANNELS + MUTE_MEMBERS + MOVE_MEMBERS for a stage);
changing or deleting needs CREATE_EVENTS or MANAGE_EVENTS for the bot's own events and
MANAGE_EVENTS for others'. At most 100 SCHEDULED or ACTIVE events per guild (30038).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import errors
from ..permissions import P, base_permissions, channel_permissions, has
from ..rest import Ctx, route
from ..scheduled_events import (
    CHANNEL_PERMISSIONS,
    CHANNEL_TYPE_FOR,
    ENTITY_TYPES,
    EXTERNAL,
    GUILD_ONLY,
    MAX_OPEN_EVENTS,
    SCHEDULED,
    TRANSITIONS,
    FakeScheduledEvent,
    bot_sees,
    emit_event,
    run_automation,
)
from ..state import FakeGuild, World
from ..util import parse_iso
from ..validation import Errors
from .common import get_guild

_FIELDS = (
    "name",
    "description",
    "privacy_level",
    "scheduled_start_time",
    "scheduled_end_time",
    "entity_type",
    "channel_id",
    "entity_metadata",
    "image",
    "recurrence_rule",
    "status",
)


def unknown_event() -> errors.APIError:
    return errors.APIError(404, 10070, "Unknown Guild Scheduled Event")


def too_many_events() -> errors.APIError:
    return errors.APIError(
        400, 30038, f"Maximum number of uncompleted guild scheduled events reached ({MAX_OPEN_EVENTS})"
    )


def _event(ctx: Ctx, guild: FakeGuild) -> FakeScheduledEvent:
    event = guild.scheduled_events.get(ctx.snowflake("guild_scheduled_event_id", unknown_event))
    if event is None or not bot_sees(ctx.world, event):
        raise unknown_event()
    return event


def _time(err: Errors, body: dict[str, Any], key: str) -> dt.datetime | None:
    raw = body.get(key)
    if raw is None:
        return None
    try:
        return parse_iso(str(raw))
    except ValueError:
        err.add([key], "DATE_TIME_TYPE_PARSE", "Could not parse date-time.")
        return None


def _check_fields(err: Errors, body: dict[str, Any], *, creating: bool) -> None:
    """Types and lengths of the fields given (all required ones when creating)."""
    if (creating or "name" in body) and err.required(["name"], body.get("name")):
        err.length_between(["name"], body["name"], 1, 100)
    if body.get("description") is not None:
        err.length_between(["description"], body["description"], 1, 1000)
    privacy = body.get("privacy_level")
    given = creating or "privacy_level" in body
    if given and err.required(["privacy_level"], privacy) and privacy != GUILD_ONLY:
        err.add(["privacy_level"], "BASE_TYPE_CHOICES", f"Value must be one of ({GUILD_ONLY},).")
    kind = body.get("entity_type")
    if (creating or kind is not None) and err.required(["entity_type"], kind) and kind not in ENTITY_TYPES:
        err.add(["entity_type"], "BASE_TYPE_CHOICES", f"Value must be one of {ENTITY_TYPES}.")
    if creating:
        err.required(["scheduled_start_time"], body.get("scheduled_start_time"))
    if body.get("scheduled_start_time") is None and "scheduled_start_time" in body and not creating:
        err.add(["scheduled_start_time"], "BASE_TYPE_REQUIRED", "This field is required")
    metadata = body.get("entity_metadata")
    if metadata is not None and not isinstance(metadata, dict):
        err.add(["entity_metadata"], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")


def _resolve_entity(
    ctx: Ctx,
    err: Errors,
    guild: FakeGuild,
    entity_type: int,
    channel_id: Any,
    metadata: dict[str, Any] | None,
    end: dt.datetime | None,
) -> tuple[int | None, str | None]:
    """Discord's field requirements by entity type; returns (channel id, location)."""
    if entity_type == EXTERNAL:
        if channel_id is not None:
            err.add(["channel_id"], "BASE_TYPE_BAD_VALUE", "Must be null for external events.")
        location = (metadata or {}).get("location")
        if err.required(["entity_metadata", "location"], location):
            err.length_between(["entity_metadata", "location"], location, 1, 100)
        if end is None:
            err.add(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "This field is required")
        return None, location
    if channel_id is None:
        err.add(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required")
        return None, None
    chan = ctx.world.channels.get(int(channel_id)) if str(channel_id).isdigit() else None
    if chan is None or chan.deleted or chan.guild is not guild:
        raise errors.unknown_channel()
    if chan.type != CHANNEL_TYPE_FOR[entity_type]:
        err.add(["channel_id"], "CHANNEL_TYPE_INVALID", "Channel is not of the required type.")
    return chan.id, None


def _require(
    world: World, guild: FakeGuild, event_type: int, channel_id: int | None, *, own: bool | None
) -> None:
    """403 50013 unless the bot may create (``own=None``) or change this kind of event."""
    bot = guild.bot_member
    perms = base_permissions(guild, bot)
    if channel_id is not None:
        chan = world.channels[channel_id]
        perms = channel_permissions(chan, bot)
        if not has(perms, int(P.VIEW_CHANNEL)):
            raise errors.missing_access()
        if not has(perms, CHANNEL_PERMISSIONS[event_type]):
            raise errors.missing_permissions()
    if own is None:
        allowed = has(perms, int(P.CREATE_EVENTS))
    elif own:
        allowed = has(perms, int(P.CREATE_EVENTS)) or has(perms, int(P.MANAGE_EVENTS))
    else:
        allowed = has(perms, int(P.MANAGE_EVENTS))
    if not allowed:
        raise errors.missing_permissions()


@route("GET", "/guilds/{guild_id}/scheduled-events")
async def list_events(ctx: Ctx) -> Any:
    """The guild's events the bot can see (``with_user_count`` adds ``user_count``)."""
    guild = get_guild(ctx)
    run_automation(ctx.world, guild)
    counts = ctx.query_bool("with_user_count")
    return [
        e.to_dict(with_user_count=counts) for e in guild.scheduled_events.values() if bot_sees(ctx.world, e)
    ]


@route("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def get_event(ctx: Ctx) -> Any:
    """One event (404 10070)."""
    guild = get_guild(ctx)
    run_automation(ctx.world, guild)
    return _event(ctx, guild).to_dict(with_user_count=ctx.query_bool("with_user_count"))


@route("POST", "/guilds/{guild_id}/scheduled-events")
async def create_event(ctx: Ctx) -> Any:
    """Create an event (GUILD_SCHEDULED_EVENT_CREATE)."""
    world = ctx.world
    guild = get_guild(ctx)
    run_automation(world, guild)
    body = ctx.body()
    err = Errors()
    _check_fields(err, body, creating=True)
    start = _time(err, body, "scheduled_start_time")
    end = _time(err, body, "scheduled_end_time")
    entity_type = body.get("entity_type")
    channel_id, location = (None, None)
    if entity_type in ENTITY_TYPES:
        channel_id, location = _resolve_entity(
            ctx, err, guild, entity_type, body.get("channel_id"), body.get("entity_metadata"), end
        )
    _check_times(err, world, start, end, check_start=True)
    err.raise_if_any()
    assert start is not None
    _require(world, guild, entity_type, channel_id, own=None)
    if sum(e.open for e in guild.scheduled_events.values()) >= MAX_OPEN_EVENTS:
        raise too_many_events()
    event = FakeScheduledEvent(
        guild,
        world.ids.next(),
        name=body["name"],
        creator=world.bot_user,
        start=start,
        end=end,
        entity_type=entity_type,
        channel_id=channel_id,
        location=location,
        description=body.get("description"),
        image=_image(body.get("image")),
        recurrence_rule=body.get("recurrence_rule"),
    )
    guild.scheduled_events[event.id] = event
    emit_event(world, "CREATE", event)
    return event.to_dict()


@route("PATCH", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def modify_event(ctx: Ctx) -> Any:
    """Edit an event, start or end it through ``status`` (GUILD_SCHEDULED_EVENT_UPDATE)."""
    world = ctx.world
    guild = get_guild(ctx)
    run_automation(world, guild)
    event = _event(ctx, guild)
    body = {k: v for k, v in ctx.body().items() if k in _FIELDS}
    err = Errors()
    _check_fields(err, body, creating=False)
    start = _time(err, body, "scheduled_start_time") or event.scheduled_start_time
    end = _time(err, body, "scheduled_end_time") if "scheduled_end_time" in body else event.scheduled_end_time
    entity_type = body.get("entity_type") or event.entity_type
    changes_entity = "entity_type" in body or "channel_id" in body or "entity_metadata" in body
    channel_id, location = event.channel_id, event.location
    if entity_type in ENTITY_TYPES and (changes_entity or "scheduled_end_time" in body):
        channel_id, location = _resolve_entity(
            ctx,
            err,
            guild,
            entity_type,
            body.get("channel_id", event.channel_id),
            body.get("entity_metadata", {"location": event.location}),
            end,
        )
    moves_start = "scheduled_start_time" in body and start != event.scheduled_start_time
    if moves_start and event.status != SCHEDULED:
        err.add(
            ["scheduled_start_time"],
            "GUILD_SCHEDULED_EVENT_SCHEDULE_INVALID_START_BY_STATUS",
            "Cannot change the start time of an event that has started.",
        )
    _check_times(err, world, start, end, check_start=moves_start)
    status = body.get("status")
    if status is not None and status != event.status and status not in TRANSITIONS.get(event.status, ()):
        err.add(
            ["status"],
            "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
            "Cannot change the status of this event like that.",
        )
    err.raise_if_any()
    _require(world, guild, event.entity_type, event.channel_id, own=event.creator.id == world.bot_user.id)
    if channel_id != event.channel_id and channel_id is not None:
        _require(world, guild, entity_type, channel_id, own=True)
    for key in ("name", "description"):
        if key in body:
            setattr(event, key, body[key])
    if "image" in body:
        event.image = _image(body["image"])
    if "recurrence_rule" in body:
        event.recurrence_rule = body["recurrence_rule"]
    event.scheduled_start_time, event.scheduled_end_time = start, end
    event.entity_type, event.channel_id = entity_type, channel_id
    event.location = location if entity_type == EXTERNAL else None
    if status is not None:
        event.status = status
    emit_event(world, "UPDATE", event)
    return event.to_dict()


@route("DELETE", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def delete_event(ctx: Ctx) -> Any:
    """Delete an event (GUILD_SCHEDULED_EVENT_DELETE)."""
    world = ctx.world
    guild = get_guild(ctx)
    event = _event(ctx, guild)
    _require(world, guild, event.entity_type, event.channel_id, own=event.creator.id == world.bot_user.id)
    del guild.scheduled_events[event.id]
    emit_event(world, "DELETE", event)
    return None


@route("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users")
async def event_users(ctx: Ctx) -> Any:
    """Users interested in the event, by ascending id (``limit`` <= 100, ``before``/``after``,
    ``with_member``)."""
    world = ctx.world
    guild = get_guild(ctx)
    event = _event(ctx, guild)
    limit = ctx.query_int("limit", 100) or 100
    if not 1 <= limit <= 100:
        raise errors.invalid_form(
            errors.nest(
                ["limit"],
                errors.field_error("NUMBER_TYPE_MAX", "int value should be less than or equal to 100."),
            )
        )
    ids = sorted(event.subscribers)
    before, after = ctx.query_int("before"), ctx.query_int("after")
    if before is not None:
        ids = [i for i in ids if i < before][-limit:]
    else:
        ids = [i for i in ids if i > (after or 0)][:limit]
    out = []
    for user_id in ids:
        entry: dict[str, Any] = {
            "guild_scheduled_event_id": str(event.id),
            "user": world.users[user_id].to_dict(),
        }
        member = guild.member(user_id)
        if ctx.query_bool("with_member") and member is not None:
            entry["member"] = member.to_dict()
        out.append(entry)
    return out


def _check_times(
    err: Errors, world: World, start: dt.datetime | None, end: dt.datetime | None, *, check_start: bool
) -> None:
    if start is not None and check_start and start <= world.clock():
        past = "Cannot schedule event in the past."
        err.add(["scheduled_start_time"], "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", past)
    if start is not None and end is not None and end <= start:
        err.add(
            ["scheduled_end_time"],
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
        )


def _image(data: Any) -> str | None:
    """A cover image (a data URI) becomes an image hash, as Discord stores it."""
    if not data:
        return None
    import hashlib

    return hashlib.md5(str(data).encode(), usedforsecurity=False).hexdigest()
