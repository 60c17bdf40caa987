"""Threads: started from a message or not, forum posts, members, archived lists."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..permissions import P, has
from ..rest import Ctx, route
from ..state import (
    ANNOUNCEMENT_THREAD,
    GUILD_ANNOUNCEMENT,
    GUILD_FORUM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    FakeChannel,
    World,
)
from ..util import parse_iso, utcnow
from ..validation import Errors
from .common import (
    create_message_from_body,
    get_channel,
    get_guild,
    get_member,
    get_message,
    get_user,
    require_channel,
)
from .messages import mark_written

ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


def edit_thread(world: World, thread: FakeChannel, body: dict[str, Any]) -> dict[str, Any]:
    """Thread edits: the owner may rename/archive its thread; locking needs MANAGE_THREADS."""
    perms = world.bot_permissions(thread)
    manage = has(perms, int(P.MANAGE_THREADS))
    owner = thread.owner_id == world.bot_user.id
    err = Errors()
    if "name" in body and err.required(["name"], body.get("name")):
        err.length_between(["name"], body["name"], 1, 100)
    if (
        body.get("auto_archive_duration") is not None
        and int(body["auto_archive_duration"]) not in ARCHIVE_DURATIONS
    ):
        err.add(
            ["auto_archive_duration"], "BASE_TYPE_CHOICES", "Value must be one of (60, 1440, 4320, 10080)."
        )
    err.raise_if_any()
    changes_lock = ("locked" in body and bool(body["locked"]) != thread.locked) or "invitable" in body
    if changes_lock and not manage:
        raise errors.missing_permissions()
    if thread.locked and not manage:
        raise errors.thread_locked()
    only_unarchive = set(body) <= {"archived"} and body.get("archived") is False
    if only_unarchive:
        if not has(perms, int(P.SEND_MESSAGES_IN_THREADS)):
            raise errors.missing_permissions()
    elif not (manage or owner):
        raise errors.missing_permissions()
    if thread.archived and body.get("archived") is not False and set(body) - {"archived", "locked"}:
        raise errors.archived_thread()
    if "name" in body:
        thread.name = body["name"]
    if "archived" in body and bool(body["archived"]) != thread.archived:
        thread.archived = bool(body["archived"])
        thread.archive_timestamp = utcnow()
    if "locked" in body:
        thread.locked = bool(body["locked"])
    if "invitable" in body:
        thread.invitable = bool(body["invitable"])
    if body.get("auto_archive_duration") is not None:
        thread.auto_archive_duration = int(body["auto_archive_duration"])
    if "rate_limit_per_user" in body:
        thread.rate_limit_per_user = int(body["rate_limit_per_user"] or 0)
    world.emit_channel_update(thread)
    return thread.to_dict()


def _thread_body_errors(body: dict[str, Any]) -> None:
    err = Errors()
    if err.required(["name"], body.get("name")):
        err.length_between(["name"], body["name"], 1, 100)
    duration = body.get("auto_archive_duration")
    if duration is not None and int(duration) not in ARCHIVE_DURATIONS:
        err.add(
            ["auto_archive_duration"], "BASE_TYPE_CHOICES", "Value must be one of (60, 1440, 4320, 10080)."
        )
    err.raise_if_any()


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(ctx: Ctx) -> Any:
    """Start a public thread on a message (the thread gets the message's id)."""
    world = ctx.world
    chan = get_channel(ctx)
    if chan.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
        raise errors.APIError(400, 50024, "Cannot execute action on this channel type")
    message = get_message(chan, ctx)
    body = ctx.body()
    _thread_body_errors(body)
    require_channel(world, chan, int(P.VIEW_CHANNEL | P.CREATE_PUBLIC_THREADS | P.READ_MESSAGE_HISTORY))
    if message.get("thread") is not None or int(message["id"]) in world.channels:
        raise errors.APIError(400, 160004, "A thread has already been created for this message")
    thread = world.create_thread(
        chan,
        body["name"],
        owner=world.bot_user,
        type=ANNOUNCEMENT_THREAD if chan.type == GUILD_ANNOUNCEMENT else PUBLIC_THREAD,
        thread_id=int(message["id"]),
        auto_archive_duration=body.get("auto_archive_duration"),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
    )
    message["thread"] = thread.to_dict()
    message["flags"] = int(message["flags"]) | (1 << 5)
    world.emit_message("MESSAGE_UPDATE", chan, message)
    return thread.to_dict()


@route("POST", "/channels/{channel_id}/threads")
async def thread_without_message(ctx: Ctx) -> Any:
    """Start a thread without a message (default type: private) or a forum post."""
    world = ctx.world
    chan = get_channel(ctx)
    body = ctx.body()
    _thread_body_errors(body)
    if chan.type == GUILD_FORUM:
        return await _forum_post(ctx, chan, body)
    if chan.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
        raise errors.APIError(400, 50024, "Cannot execute action on this channel type")
    ttype = int(body.get("type") or PRIVATE_THREAD)
    if chan.type == GUILD_ANNOUNCEMENT and ttype != ANNOUNCEMENT_THREAD:
        ttype = ANNOUNCEMENT_THREAD
    if ttype not in (PUBLIC_THREAD, PRIVATE_THREAD, ANNOUNCEMENT_THREAD):
        raise errors.invalid_form(
            errors.nest(
                ["type"], errors.field_error("BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12).")
            )
        )
    need = P.CREATE_PRIVATE_THREADS if ttype == PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS
    require_channel(world, chan, int(P.VIEW_CHANNEL | need))
    thread = world.create_thread(
        chan,
        body["name"],
        owner=world.bot_user,
        type=ttype,
        auto_archive_duration=body.get("auto_archive_duration"),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
        invitable=bool(body.get("invitable", True)),
    )
    if ttype == PUBLIC_THREAD:
        system = world.build_message(chan, world.bot_user, content=thread.name, message_type=18)
        system["message_reference"] = {
            "type": 0,
            "channel_id": str(thread.id),
            "guild_id": str(chan.guild_id),
        }
        world.store_message(chan, system)
    return thread.to_dict()


async def _forum_post(ctx: Ctx, forum: FakeChannel, body: dict[str, Any]) -> Any:
    world = ctx.world
    require_channel(world, forum, int(P.VIEW_CHANNEL | P.SEND_MESSAGES))
    first = body.get("message")
    if not isinstance(first, dict):
        raise errors.invalid_form(
            errors.nest(["message"], errors.field_error("BASE_TYPE_REQUIRED", "This field is required"))
        )
    thread = world.create_thread(
        forum,
        body["name"],
        owner=world.bot_user,
        type=PUBLIC_THREAD,
        auto_archive_duration=body.get("auto_archive_duration"),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
    )
    thread_id = thread.id
    message = create_message_from_body(ctx, thread, first)
    mark_written(ctx, int(message["id"]))
    data = thread.to_dict()
    data["id"] = str(thread_id)
    data["message"] = message
    return data


def _thread_of(ctx: Ctx) -> FakeChannel:
    chan = get_channel(ctx)
    if not chan.is_thread:
        raise errors.APIError(400, 50024, "Cannot execute action on this channel type")
    return chan


@route("PUT", "/channels/{channel_id}/thread-members/@me")
async def join_thread(ctx: Ctx) -> Any:
    """The bot joins a thread."""
    world = ctx.world
    thread = _thread_of(ctx)
    if thread.archived:
        raise errors.archived_thread()
    world.add_thread_member(thread, world.bot_user)
    return None


@route("DELETE", "/channels/{channel_id}/thread-members/@me")
async def leave_thread(ctx: Ctx) -> Any:
    """The bot leaves a thread."""
    world = ctx.world
    thread = _thread_of(ctx)
    if thread.archived:
        raise errors.archived_thread()
    world.remove_thread_member(thread, world.bot_user)
    return None


@route("PUT", "/channels/{channel_id}/thread-members/{user_id}")
async def add_thread_member(ctx: Ctx) -> Any:
    """Add a guild member to a thread (the bot must be able to send in it)."""
    world = ctx.world
    thread = _thread_of(ctx)
    assert thread.guild is not None
    user = get_user(world, ctx.snowflake("user_id", errors.unknown_user))
    get_member(thread.guild, user.id)
    if thread.archived:
        raise errors.archived_thread()
    perms = require_channel(world, thread, int(P.SEND_MESSAGES_IN_THREADS))
    if (
        thread.type == PRIVATE_THREAD
        and not thread.invitable
        and not has(perms, int(P.MANAGE_THREADS))
        and thread.owner_id != world.bot_user.id
    ):
        raise errors.missing_permissions()
    world.add_thread_member(thread, user)
    return None


@route("DELETE", "/channels/{channel_id}/thread-members/{user_id}")
async def remove_thread_member(ctx: Ctx) -> Any:
    """Remove a member (MANAGE_THREADS, or the creator of a private thread)."""
    world = ctx.world
    thread = _thread_of(ctx)
    user = get_user(world, ctx.snowflake("user_id", errors.unknown_user))
    if thread.archived:
        raise errors.archived_thread()
    perms = world.bot_permissions(thread)
    creator = thread.type == PRIVATE_THREAD and thread.owner_id == world.bot_user.id
    if not (has(perms, int(P.MANAGE_THREADS)) or creator):
        raise errors.missing_permissions()
    world.remove_thread_member(thread, user)
    return None


def _thread_member_payload(thread: FakeChannel, user_id: int, with_member: bool) -> dict[str, Any]:
    data = thread.thread_member_dict(user_id)
    if with_member and thread.guild is not None:
        member = thread.guild.member(user_id)
        if member is not None:
            data["member"] = member.to_dict()
    return data


@route("GET", "/channels/{channel_id}/thread-members/{user_id}")
async def get_thread_member(ctx: Ctx) -> Any:
    """One thread member (404 10007 if not in the thread)."""
    thread = _thread_of(ctx)
    uid = ctx.snowflake("user_id", errors.unknown_member)
    if uid not in thread.thread_members:
        raise errors.unknown_member()
    return _thread_member_payload(thread, uid, ctx.query_bool("with_member"))


@route("GET", "/channels/{channel_id}/thread-members")
async def list_thread_members(ctx: Ctx) -> Any:
    """Thread members; like Discord, only if the GUILD_MEMBERS privileged intent is enabled
    for the application (``FakeDiscord(privileged_intents=...)``), else 403 50001."""
    thread = _thread_of(ctx)
    if not ctx.fake.privileged_intents & (1 << 1):
        raise errors.missing_access()
    after = ctx.query_int("after", 0) or 0
    limit = ctx.query_int("limit", 100) or 100
    ids = [u for u in sorted(thread.thread_members) if u > after][:limit]
    return [_thread_member_payload(thread, u, ctx.query_bool("with_member")) for u in ids]


def _archived(ctx: Ctx, chan: FakeChannel, *, private: bool, joined_only: bool) -> dict[str, Any]:
    world = ctx.world
    assert chan.guild is not None
    limit = ctx.query_int("limit", 50) or 50
    threads = [
        t
        for t in chan.guild.channels.values()
        if t.is_thread
        and t.parent_id == chan.id
        and t.archived
        and not t.deleted
        and (t.type == PRIVATE_THREAD) == private
        and (not joined_only or world.bot_user.id in t.thread_members)
    ]
    before = ctx.query.get("before")
    if before:
        if joined_only:
            threads = [t for t in threads if t.id < int(before)]
        else:
            cut = parse_iso(before)
            threads = [t for t in threads if t.archive_timestamp < cut]
    threads.sort(key=lambda t: t.id if joined_only else t.archive_timestamp, reverse=True)
    page = threads[:limit]
    members = [t.thread_member_dict(world.bot_user.id) for t in page if world.bot_user.id in t.thread_members]
    return {"threads": [t.to_dict() for t in page], "members": members, "has_more": len(threads) > limit}


@route("GET", "/channels/{channel_id}/threads/archived/public")
async def archived_public(ctx: Ctx) -> Any:
    """Archived public threads (READ_MESSAGE_HISTORY)."""
    chan = get_channel(ctx)
    require_channel(ctx.world, chan, int(P.READ_MESSAGE_HISTORY))
    return _archived(ctx, chan, private=False, joined_only=False)


@route("GET", "/channels/{channel_id}/threads/archived/private")
async def archived_private(ctx: Ctx) -> Any:
    """Archived private threads (READ_MESSAGE_HISTORY + MANAGE_THREADS)."""
    chan = get_channel(ctx)
    require_channel(ctx.world, chan, int(P.READ_MESSAGE_HISTORY | P.MANAGE_THREADS))
    return _archived(ctx, chan, private=True, joined_only=False)


@route("GET", "/channels/{channel_id}/users/@me/threads/archived/private")
async def archived_joined_private(ctx: Ctx) -> Any:
    """Archived private threads the bot has joined."""
    chan = get_channel(ctx)
    require_channel(ctx.world, chan, int(P.READ_MESSAGE_HISTORY))
    return _archived(ctx, chan, private=True, joined_only=True)


@route("GET", "/guilds/{guild_id}/threads/active")
async def active_threads(ctx: Ctx) -> Any:
    """Active threads the bot can see, with its thread member objects."""
    world = ctx.world
    guild = get_guild(ctx)
    threads = [t for t in guild.threads if not t.archived and world.bot_can_view(t)]
    members = [
        t.thread_member_dict(world.bot_user.id) for t in threads if world.bot_user.id in t.thread_members
    ]
    return {"threads": [t.to_dict() for t in threads], "members": members}
