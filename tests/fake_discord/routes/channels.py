"""Guild channels and their permission overwrites."""

from __future__ import annotations

import copy
from typing import Any

from .. import errors
from ..permissions import ALL, P, base_permissions, channel_permissions, has
from ..rest import Ctx, route
from ..state import (
    DM,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_STAGE_VOICE,
    GUILD_TEXT,
    GUILD_VOICE,
    FakeChannel,
    FakeGuild,
    World,
    normalize_overwrites,
)
from ..validation import Errors
from .common import get_channel, get_guild, require_channel
from .threads import ARCHIVE_DURATIONS, edit_thread

CREATABLE_TYPES = (
    GUILD_TEXT,
    GUILD_VOICE,
    GUILD_CATEGORY,
    GUILD_ANNOUNCEMENT,
    GUILD_STAGE_VOICE,
    GUILD_FORUM,
)


def text_channel_name(name: str) -> str:
    """Discord lower-cases text channel names and turns spaces into dashes."""
    return "-".join(name.lower().split())


def _validate_channel_fields(err: Errors, body: dict[str, Any], *, creating: bool) -> None:
    name = body.get("name")
    if (creating or "name" in body) and err.required(["name"], name):
        err.length_between(["name"], name, 1, 100)
    if body.get("topic") is not None:
        err.max_length(["topic"], body["topic"], 1024)
    slow = body.get("rate_limit_per_user")
    if slow is not None and not 0 <= int(slow) <= 21600:
        err.add(
            ["rate_limit_per_user"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 21600."
        )
    duration = body.get("default_auto_archive_duration")
    if duration is not None and int(duration) not in ARCHIVE_DURATIONS:
        err.add(
            ["default_auto_archive_duration"],
            "BASE_TYPE_CHOICES",
            "Value must be one of (60, 1440, 4320, 10080).",
        )
    for i, ow in enumerate(body.get("permission_overwrites") or []):
        if ow.get("id") is None:
            err.add(["permission_overwrites", i, "id"], "BASE_TYPE_REQUIRED", "This field is required")
        if ow.get("type") not in (0, 1, "0", "1", "role", "member"):
            err.add(["permission_overwrites", i, "type"], "BASE_TYPE_CHOICES", "Value must be one of (0, 1).")


def check_overwrites(
    world: World,
    guild: FakeGuild,
    overwrites: list[dict[str, Any]],
    context: FakeChannel | None,
    *,
    need_manage_roles: bool,
) -> None:
    """The bot may only allow/deny permissions it has (guild-wide or in the channel/parent);
    granting needs MANAGE_ROLES; MANAGE_ROLES itself only for administrators."""
    bot = guild.bot_member
    base = base_permissions(guild, bot)
    if base == ALL:
        return
    held = base | (channel_permissions(context, bot) if context is not None else 0)
    if need_manage_roles and not has(held, int(P.MANAGE_ROLES)):
        raise errors.missing_permissions()
    for ow in overwrites:
        bits = int(ow.get("allow") or 0) | int(ow.get("deny") or 0)
        if bits & int(P.MANAGE_ROLES) or bits & ~held:
            raise errors.missing_permissions()
        target = int(ow["id"])
        ow_type = ow.get("type")
        if ow_type in (0, "0", "role") and target not in guild.roles:
            raise errors.unknown_role()
        if ow_type in (1, "1", "member") and target not in world.users:
            raise errors.unknown_user()


@route("GET", "/guilds/{guild_id}/channels")
async def list_channels(ctx: Ctx) -> Any:
    """All channels of the guild (not threads)."""
    guild = get_guild(ctx)
    return [c.to_dict() for c in guild.channels.values() if not c.is_thread and not c.deleted]


@route("POST", "/guilds/{guild_id}/channels")
async def create_channel(ctx: Ctx) -> Any:
    """Create a channel (MANAGE_CHANNELS; overwrites that grant need MANAGE_ROLES)."""
    world = ctx.world
    guild = get_guild(ctx)
    body = ctx.body()
    err = Errors()
    _validate_channel_fields(err, body, creating=True)
    ctype = int(body.get("type") or GUILD_TEXT)
    if ctype not in CREATABLE_TYPES:
        err.add(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {CREATABLE_TYPES}.")
    parent = None
    if body.get("parent_id") is not None:
        parent = guild.channels.get(int(body["parent_id"]))
        if parent is None or parent.type != GUILD_CATEGORY or parent.deleted or ctype == GUILD_CATEGORY:
            err.add(["parent_id"], "CHANNEL_PARENT_INVALID", "Category does not exist")
    err.raise_if_any()
    perms = (
        channel_permissions(parent, guild.bot_member)
        if parent is not None
        else base_permissions(guild, guild.bot_member)
    )
    if not has(perms, int(P.MANAGE_CHANNELS)):
        raise errors.missing_permissions()
    overwrites = body.get("permission_overwrites")
    if overwrites:
        grants = any(int(o.get("allow") or 0) for o in overwrites)
        check_overwrites(world, guild, overwrites, parent, need_manage_roles=grants)
    name = body["name"]
    if ctype in (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM):
        name = text_channel_name(name)
    chan = world.create_channel(
        guild,
        name,
        ctype,
        parent=parent,
        overwrites=overwrites if overwrites is not None else None,
        topic=body.get("topic"),
        position=body.get("position"),
        nsfw=bool(body.get("nsfw")),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
    )
    if body.get("default_auto_archive_duration"):
        chan.default_auto_archive_duration = int(body["default_auto_archive_duration"])
    return chan.to_dict()


@route("PATCH", "/guilds/{guild_id}/channels")
async def reorder_channels(ctx: Ctx) -> Any:
    """Bulk position/parent changes (MANAGE_CHANNELS)."""
    world = ctx.world
    guild = get_guild(ctx)
    if not has(base_permissions(guild, guild.bot_member), int(P.MANAGE_CHANNELS)):
        raise errors.missing_permissions()
    for entry in ctx.json or []:
        chan = guild.channels.get(int(entry["id"]))
        if chan is None:
            raise errors.unknown_channel()
        if entry.get("position") is not None:
            chan.position = int(entry["position"])
        if "parent_id" in entry:
            parent_id = entry["parent_id"]
            chan.parent_id = int(parent_id) if parent_id is not None else None
            if entry.get("lock_permissions") and chan.parent_id is not None:
                chan.permission_overwrites = copy.deepcopy(
                    guild.channels[chan.parent_id].permission_overwrites
                )
        world.emit_channel_update(chan)
    return None


@route("GET", "/channels/{channel_id}")
async def fetch_channel(ctx: Ctx) -> Any:
    """A channel, thread or DM."""
    return get_channel(ctx).to_dict()


@route("PATCH", "/channels/{channel_id}")
async def edit_channel(ctx: Ctx) -> Any:
    """Edit a guild channel (MANAGE_CHANNELS, MANAGE_ROLES for overwrites) or a thread."""
    world = ctx.world
    chan = get_channel(ctx)
    body = ctx.body()
    if chan.type == DM:
        raise errors.cannot_act_on_dm()
    if chan.is_thread:
        return edit_thread(world, chan, body)
    assert chan.guild is not None
    err = Errors()
    _validate_channel_fields(err, body, creating=False)
    parent = None
    if body.get("parent_id") is not None:
        parent = chan.guild.channels.get(int(body["parent_id"]))
        if parent is None or parent.type != GUILD_CATEGORY or parent.deleted:
            err.add(["parent_id"], "CHANNEL_PARENT_INVALID", "Category does not exist")
    err.raise_if_any()
    perms = world.bot_permissions(chan)
    if not has(perms, int(P.MANAGE_CHANNELS)):
        raise errors.missing_permissions()
    if "permission_overwrites" in body:
        new = normalize_overwrites(body["permission_overwrites"] or [])
        if new != chan.permission_overwrites:
            changed = [o for o in new if o not in chan.permission_overwrites]
            check_overwrites(world, chan.guild, changed, chan, need_manage_roles=True)
        chan.permission_overwrites = new
    if "name" in body:
        chan.name = (
            text_channel_name(body["name"])
            if chan.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM)
            else body["name"]
        )
    if "topic" in body:
        chan.topic = body["topic"]
    if "nsfw" in body:
        chan.nsfw = bool(body["nsfw"])
    if "rate_limit_per_user" in body:
        chan.rate_limit_per_user = int(body["rate_limit_per_user"] or 0)
    if "position" in body and body["position"] is not None:
        chan.position = int(body["position"])
    if "parent_id" in body:
        chan.parent_id = parent.id if parent is not None else None
        if body.get("lock_permissions") and parent is not None:
            chan.permission_overwrites = copy.deepcopy(parent.permission_overwrites)
    if body.get("type") in (GUILD_TEXT, GUILD_ANNOUNCEMENT) and chan.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
        chan.type = int(body["type"])
    if body.get("default_auto_archive_duration"):
        chan.default_auto_archive_duration = int(body["default_auto_archive_duration"])
    world.emit_channel_update(chan)
    return chan.to_dict()


@route("DELETE", "/channels/{channel_id}")
async def delete_channel(ctx: Ctx) -> Any:
    """Delete a channel (MANAGE_CHANNELS) or thread (MANAGE_THREADS); closes a DM."""
    world = ctx.world
    chan = get_channel(ctx)
    if chan.type == DM:
        return chan.to_dict()
    need = P.MANAGE_THREADS if chan.is_thread else P.MANAGE_CHANNELS
    require_channel(world, chan, int(need))
    data = chan.to_dict()
    world.delete_channel(chan)
    return data


@route("PUT", "/channels/{channel_id}/permissions/{target}")
async def put_overwrite(ctx: Ctx) -> Any:
    """Create/replace one overwrite (MANAGE_ROLES; only bits the bot has)."""
    world = ctx.world
    chan = get_channel(ctx)
    if chan.guild is None or chan.is_thread:
        raise errors.APIError(400, 50024, "Cannot execute action on this channel type")
    body = ctx.body()
    target = ctx.snowflake("target", errors.unknown_overwrite)
    ow_type = body.get("type")
    if ow_type not in (0, 1, "0", "1"):
        raise errors.invalid_form(
            errors.nest(["type"], errors.field_error("BASE_TYPE_CHOICES", "Value must be one of (0, 1)."))
        )
    overwrite = {
        "id": target,
        "type": int(ow_type),
        "allow": body.get("allow") or 0,
        "deny": body.get("deny") or 0,
    }
    check_overwrites(world, chan.guild, [overwrite], chan, need_manage_roles=True)
    new = normalize_overwrites([overwrite])[0]
    chan.permission_overwrites = [o for o in chan.permission_overwrites if o["id"] != str(target)] + [new]
    world.emit_channel_update(chan)
    return None


@route("DELETE", "/channels/{channel_id}/permissions/{target}")
async def delete_overwrite(ctx: Ctx) -> Any:
    """Delete one overwrite (MANAGE_ROLES)."""
    world = ctx.world
    chan = get_channel(ctx)
    if chan.guild is None or chan.is_thread:
        raise errors.APIError(400, 50024, "Cannot execute action on this channel type")
    target = ctx.snowflake("target", errors.unknown_overwrite)
    check_overwrites(world, chan.guild, [], chan, need_manage_roles=True)
    before = len(chan.permission_overwrites)
    chan.permission_overwrites = [o for o in chan.permission_overwrites if o["id"] != str(target)]
    if len(chan.permission_overwrites) != before:
        world.emit_channel_update(chan)
    return None
