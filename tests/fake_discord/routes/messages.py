"""Channel messages: create (nonce dedup, files), read, edit, delete, bulk delete, reactions,
pins, typing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import errors
from ..permissions import P, has
from ..rest import Ctx, Reply, route
from ..state import (
    DM,
    GUILD_CATEGORY,
    GUILD_FORUM,
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILDS,
    FakeChannel,
    World,
)
from ..util import iso, parse_iso, snowflake_time, utcnow
from ..validation import validate_message
from .common import build_attachments, check_send, create_message_from_body, get_channel, get_message


def mark_written(ctx: Ctx, message_id: int) -> None:
    """Remember when the answer carrying this message reached the client (see the driver)."""
    world = ctx.world
    ctx.after_write(lambda: world.note_written(message_id))


def check_dm_deliverable(world: World, chan: FakeChannel) -> None:
    """403 50007 when the recipient does not accept DMs from the bot."""
    user = chan.recipient
    assert user is not None
    if not user.dms_open or user.bot or not world.shares_guild_with_bot(user):
        raise errors.cannot_dm()


def unarchive_for_send(world: World, chan: FakeChannel) -> None:
    """Posting in an archived thread unarchives it, unless it is locked (MANAGE_THREADS)."""
    if not chan.is_thread or not chan.archived:
        return
    if chan.locked and not has(world.bot_permissions(chan), int(P.MANAGE_THREADS)):
        raise errors.archived_thread()
    chan.archived = False
    chan.archive_timestamp = utcnow()
    world.emit_channel_update(chan)


@route("POST", "/channels/{channel_id}/messages")
async def create_message(ctx: Ctx) -> Any:
    """Create a message; ``nonce`` + ``enforce_nonce`` return the earlier message on a repeat."""
    world = ctx.world
    chan = get_channel(ctx)
    body = ctx.body()
    if chan.type in (GUILD_CATEGORY, GUILD_FORUM):
        raise errors.APIError(400, 50008, "Cannot send messages in a non-text channel")
    if chan.type == DM:
        check_dm_deliverable(world, chan)
    else:
        check_send(world, chan, body, bool(ctx.files))
        unarchive_for_send(world, chan)
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        validate_message(body, has_attachments=bool(ctx.files))
        earlier = world.check_nonce(chan, world.bot_user, nonce)
        if earlier is not None:
            return earlier
    message = create_message_from_body(ctx, chan, body)
    if nonce is not None:
        world.remember_nonce(chan, world.bot_user, nonce, int(message["id"]))
    mark_written(ctx, int(message["id"]))
    return message


def _readable(ctx: Ctx, chan: FakeChannel) -> bool:
    if chan.guild is None:
        return True
    return has(ctx.world.bot_permissions(chan), int(P.READ_MESSAGE_HISTORY))


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(ctx: Ctx) -> Any:
    """Message history, newest first (``limit`` 1-100, ``before``/``after``/``around``)."""
    chan = get_channel(ctx)
    if not _readable(ctx, chan):
        return []
    limit = ctx.query_int("limit", 50) or 50
    if not 1 <= limit <= 100:
        raise errors.invalid_form(
            errors.nest(
                ["limit"],
                errors.field_error("NUMBER_TYPE_MAX", "int value should be less than or equal to 100."),
            )
        )
    ids = sorted(chan.messages)
    before = ctx.query_int("before")
    after = ctx.query_int("after")
    around = ctx.query_int("around")
    if around is not None:
        older = [i for i in ids if i < around][-(limit // 2) :] if limit // 2 else []
        newer = [i for i in ids if i >= around][: limit - len(older)]
        picked = older + newer
    elif after is not None:
        picked = [i for i in ids if i > after][:limit]
    else:
        candidates = [i for i in ids if before is None or i < before]
        picked = candidates[-limit:]
    return [as_read(chan.messages[i]) for i in sorted(picked, reverse=True)]


def as_read(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as a later read returns it: Discord gives the nonce back only in the create
    answer and the MESSAGE_CREATE event."""
    return {k: v for k, v in message.items() if k != "nonce"}


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def fetch_message(ctx: Ctx) -> Any:
    """One message (needs READ_MESSAGE_HISTORY in guilds)."""
    chan = get_channel(ctx)
    if not _readable(ctx, chan):
        raise errors.missing_permissions()
    return as_read(get_message(chan, ctx))


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message(ctx: Ctx) -> Any:
    """Edit the bot's own message (others' only for SUPPRESS_EMBEDS with MANAGE_MESSAGES)."""
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    body = ctx.body()
    own = int(message["author"]["id"]) == world.bot_user.id
    if not own:
        if set(body) - {"flags"}:
            raise errors.cannot_edit_others_message()
        if chan.guild is not None and not has(world.bot_permissions(chan), int(P.MANAGE_MESSAGES)):
            raise errors.missing_permissions()
    return apply_edit(ctx, chan, message, body)


def apply_edit(ctx: Ctx, chan: FakeChannel, message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Validate an edit against the resulting message and apply it (MESSAGE_UPDATE)."""
    changes: dict[str, Any] = {}
    for key in ("content", "embeds", "components", "allowed_mentions", "poll"):
        if key in body:
            changes[key] = body[key]
    attachments = build_attachments(ctx, body, chan, message.get("attachments"))
    if attachments is not None:
        changes["attachments"] = attachments
    if "flags" in body and body["flags"] is not None:
        keep = int(message["flags"]) & ~((1 << 2) | (1 << 15))
        changes["flags"] = keep | (int(body["flags"]) & ((1 << 2) | (1 << 15)))
    result = {
        "content": changes.get("content", message["content"]),
        "embeds": changes.get("embeds", message["embeds"]),
        "components": changes.get("components", message["components"]),
        "flags": changes.get("flags", message["flags"]),
        "poll": message.get("poll"),
    }
    validate_message(result, has_attachments=bool(changes.get("attachments", message.get("attachments"))))
    if int(message["flags"]) & (1 << 7):  # a deferred "thinking" message becomes a real one
        changes["flags"] = int(changes.get("flags", message["flags"])) & ~(1 << 7)
    edited = ctx.world.edit_message(chan, message, changes)
    mark_written(ctx, int(edited["id"]))
    return edited


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message(ctx: Ctx) -> Any:
    """Delete a message (others' need MANAGE_MESSAGES; never others' in DMs)."""
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    if int(message["author"]["id"]) != world.bot_user.id:
        if chan.guild is None:
            raise errors.cannot_act_on_dm()
        if not has(world.bot_permissions(chan), int(P.MANAGE_MESSAGES)):
            raise errors.missing_permissions()
    world.delete_message(chan, int(message["id"]))
    return None


@route("POST", "/channels/{channel_id}/messages/bulk-delete")
async def bulk_delete(ctx: Ctx) -> Any:
    """Delete 2-100 messages younger than 14 days (MESSAGE_DELETE_BULK)."""
    world = ctx.world
    chan = get_channel(ctx)
    if chan.guild is None:
        raise errors.cannot_act_on_dm()
    if not has(world.bot_permissions(chan), int(P.MANAGE_MESSAGES)):
        raise errors.missing_permissions()
    ids = [int(i) for i in ctx.body().get("messages") or []]
    if not 2 <= len(ids) <= 100:
        raise errors.invalid_form(
            errors.nest(
                ["messages"],
                errors.field_error("BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length."),
            )
        )
    limit = world.clock() - dt.timedelta(days=14)
    if any(snowflake_time(i) < limit for i in ids):
        raise errors.bulk_delete_too_old()
    deleted = [i for i in ids if chan.messages.pop(i, None) is not None]
    if deleted:
        assert chan.guild is not None
        world.emit(
            "MESSAGE_DELETE_BULK",
            {"ids": [str(i) for i in deleted], "channel_id": str(chan.id), "guild_id": str(chan.guild.id)},
            guild_id=chan.guild.id,
            intent=1 << 9,
        )
    return None


# ----------------------------------------------------------------------------- reactions
def parse_emoji(raw: str) -> tuple[str, dict[str, Any]]:
    """``👍`` or ``name:id`` -> (key, emoji payload); unknown custom emojis -> 10014."""
    if ":" in raw:
        raise errors.unknown_emoji()
    if raw.isascii():
        raise errors.unknown_emoji()
    return raw, {"id": None, "name": raw}


def _render_reactions(world: World, message: dict[str, Any]) -> None:
    table = world.reactions.get(int(message["id"]), {})
    reactions = []
    for key, users in table.items():
        if not users:
            continue
        reactions.append(
            {
                "emoji": {"id": None, "name": key},
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "burst_colors": [],
                "me": world.bot_user.id in users,
                "me_burst": False,
                "burst_count": 0,
            }
        )
    if reactions:
        message["reactions"] = reactions
    else:
        message.pop("reactions", None)


def add_reaction(world: World, chan: FakeChannel, message: dict[str, Any], user_id: int, emoji: str) -> bool:
    """Record a reaction and emit MESSAGE_REACTION_ADD; False if it already existed."""
    users = world.reactions.setdefault(int(message["id"]), {}).setdefault(emoji, [])
    if user_id in users:
        return False
    users.append(user_id)
    _render_reactions(world, message)
    payload: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": str(chan.id),
        "message_id": message["id"],
        "emoji": {"id": None, "name": emoji},
        "message_author_id": message["author"]["id"],
        "burst": False,
        "burst_colors": [],
        "type": 0,
    }
    if chan.guild is not None:
        payload["guild_id"] = str(chan.guild.id)
        member = chan.guild.member(user_id)
        if member is not None:
            payload["member"] = member.to_dict()
        if world.bot_can_view(chan):
            world.emit(
                "MESSAGE_REACTION_ADD", payload, guild_id=chan.guild.id, intent=INTENT_GUILD_MESSAGE_REACTIONS
            )
    else:
        world.emit("MESSAGE_REACTION_ADD", payload, guild_id=None, intent=INTENT_DIRECT_MESSAGE_REACTIONS)
    return True


def remove_reaction(
    world: World, chan: FakeChannel, message: dict[str, Any], user_id: int, emoji: str
) -> None:
    """Remove a reaction and emit MESSAGE_REACTION_REMOVE."""
    users = world.reactions.get(int(message["id"]), {}).get(emoji, [])
    if user_id not in users:
        return
    users.remove(user_id)
    _render_reactions(world, message)
    payload: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": str(chan.id),
        "message_id": message["id"],
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }
    if chan.guild is not None:
        payload["guild_id"] = str(chan.guild.id)
        if world.bot_can_view(chan):
            world.emit(
                "MESSAGE_REACTION_REMOVE",
                payload,
                guild_id=chan.guild.id,
                intent=INTENT_GUILD_MESSAGE_REACTIONS,
            )
    else:
        world.emit("MESSAGE_REACTION_REMOVE", payload, guild_id=None, intent=INTENT_DIRECT_MESSAGE_REACTIONS)


@route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def react(ctx: Ctx) -> Any:
    """The bot reacts (READ_MESSAGE_HISTORY; ADD_REACTIONS for a new emoji)."""
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    key, _ = parse_emoji(ctx.params["emoji"])
    if chan.guild is not None:
        perms = world.bot_permissions(chan)
        existing = world.reactions.get(int(message["id"]), {}).get(key)
        if not has(perms, int(P.READ_MESSAGE_HISTORY)) or (
            not existing and not has(perms, int(P.ADD_REACTIONS))
        ):
            raise errors.missing_permissions()
    add_reaction(world, chan, message, world.bot_user.id, key)
    return None


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def unreact(ctx: Ctx) -> Any:
    """Remove the bot's own reaction."""
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    key, _ = parse_emoji(ctx.params["emoji"])
    remove_reaction(world, chan, message, world.bot_user.id, key)
    return None


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{member_id}")
async def remove_user_reaction(ctx: Ctx) -> Any:
    """Remove someone's reaction (MANAGE_MESSAGES)."""
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    key, _ = parse_emoji(ctx.params["emoji"])
    if chan.guild is None:
        raise errors.cannot_act_on_dm()
    if not has(world.bot_permissions(chan), int(P.MANAGE_MESSAGES)):
        raise errors.missing_permissions()
    remove_reaction(world, chan, message, ctx.snowflake("member_id", errors.unknown_user), key)
    return None


@route("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
async def list_reactions(ctx: Ctx) -> Any:
    """Users who reacted with an emoji."""
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    key, _ = parse_emoji(ctx.params["emoji"])
    users = world.reactions.get(int(message["id"]), {}).get(key, [])
    after = ctx.query_int("after", 0) or 0
    limit = ctx.query_int("limit", 25) or 25
    return [world.users[u].to_dict() for u in sorted(users) if u > after][:limit]


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions")
async def clear_reactions(ctx: Ctx) -> Any:
    """Remove all reactions (MANAGE_MESSAGES)."""
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    if chan.guild is None:
        raise errors.cannot_act_on_dm()
    if not has(world.bot_permissions(chan), int(P.MANAGE_MESSAGES)):
        raise errors.missing_permissions()
    world.reactions.pop(int(message["id"]), None)
    _render_reactions(world, message)
    world.emit(
        "MESSAGE_REACTION_REMOVE_ALL",
        {"channel_id": str(chan.id), "message_id": message["id"], "guild_id": str(chan.guild.id)},
        guild_id=chan.guild.id,
        intent=INTENT_GUILD_MESSAGE_REACTIONS,
    )
    return None


# ----------------------------------------------------------------------------- pins
def _pin_allowed(world: World, chan: FakeChannel) -> None:
    if chan.guild is None:
        return
    perms = world.bot_permissions(chan)
    if not (has(perms, int(P.PIN_MESSAGES)) or has(perms, int(P.MANAGE_MESSAGES))):
        raise errors.missing_permissions()


def _pins_update(world: World, chan: FakeChannel) -> None:
    payload: dict[str, Any] = {"channel_id": str(chan.id), "last_pin_timestamp": iso(chan.last_pin_timestamp)}
    if chan.guild is not None:
        payload["guild_id"] = str(chan.guild.id)
        world.emit("CHANNEL_PINS_UPDATE", payload, guild_id=chan.guild.id, intent=INTENT_GUILDS)
    else:
        world.emit("CHANNEL_PINS_UPDATE", payload, guild_id=None, intent=INTENT_DIRECT_MESSAGES)


async def _pin(ctx: Ctx) -> Any:
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    _pin_allowed(world, chan)
    if int(message["id"]) in chan.pins:
        return None
    if len(chan.pins) >= 250:
        raise errors.APIError(400, 30003, "Maximum number of pins reached (250)")
    now = utcnow()
    chan.pins[int(message["id"])] = now
    chan.last_pin_timestamp = now
    message["pinned"] = True
    world.emit_message("MESSAGE_UPDATE", chan, message)
    system = world.build_message(
        chan, world.bot_user, message_type=6, reference={"message_id": message["id"], "channel_id": chan.id}
    )
    system.pop("referenced_message", None)
    world.store_message(chan, system)
    _pins_update(world, chan)
    return None


async def _unpin(ctx: Ctx) -> Any:
    world = ctx.world
    chan = get_channel(ctx)
    message = get_message(chan, ctx)
    _pin_allowed(world, chan)
    if chan.pins.pop(int(message["id"]), None) is None:
        return None
    message["pinned"] = False
    world.emit_message("MESSAGE_UPDATE", chan, message)
    _pins_update(world, chan)
    return None


route("PUT", "/channels/{channel_id}/messages/pins/{message_id}")(_pin)
route("PUT", "/channels/{channel_id}/pins/{message_id}")(_pin)
route("DELETE", "/channels/{channel_id}/messages/pins/{message_id}")(_unpin)
route("DELETE", "/channels/{channel_id}/pins/{message_id}")(_unpin)


@route("GET", "/channels/{channel_id}/messages/pins")
async def list_pins(ctx: Ctx) -> Any:
    """Pinned messages, newest pin first: ``{"items": [{"pinned_at", "message"}], "has_more"}``."""
    chan = get_channel(ctx)
    limit = ctx.query_int("limit", 50) or 50
    before = ctx.query.get("before")
    pins = sorted(chan.pins.items(), key=lambda kv: kv[1], reverse=True)
    if before:
        cut = parse_iso(before)
        pins = [p for p in pins if p[1] < cut]
    items = [
        {"pinned_at": iso(when), "message": chan.messages[mid]}
        for mid, when in pins[:limit]
        if mid in chan.messages
    ]
    return {"items": items, "has_more": len(pins) > limit}


@route("GET", "/channels/{channel_id}/pins")
async def list_pins_legacy(ctx: Ctx) -> Any:
    """Pinned messages (legacy endpoint: a plain list)."""
    chan = get_channel(ctx)
    pins = sorted(chan.pins.items(), key=lambda kv: kv[1], reverse=True)
    return [chan.messages[mid] for mid, _ in pins if mid in chan.messages]


@route("POST", "/channels/{channel_id}/typing")
async def typing(ctx: Ctx) -> Any:
    """Typing indicator (no event back to the bot itself)."""
    chan = get_channel(ctx)
    if chan.guild is not None:
        perms = ctx.world.bot_permissions(chan)
        send = P.SEND_MESSAGES_IN_THREADS if chan.is_thread else P.SEND_MESSAGES
        if not has(perms, int(send)):
            raise errors.missing_permissions()
    return Reply(204)
