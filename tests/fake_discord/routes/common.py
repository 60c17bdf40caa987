"""Helpers shared by route handlers: lookups that answer Discord's errors, permission checks,
and turning a message body (JSON or multipart) into a stored message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors
from ..permissions import P, base_permissions, has
from ..state import FLAG_EPHEMERAL, FakeChannel, FakeGuild, FakeMember, FakeUser
from ..validation import validate_message

if TYPE_CHECKING:
    from ..interactions import FakeInteraction
    from ..rest import Ctx, UploadedFile
    from ..state import World


def get_channel(ctx: Ctx, name: str = "channel_id") -> FakeChannel:
    """The channel of the path; 404 10003 when unknown or deleted, 403 50001 when hidden."""
    cid = ctx.snowflake(name, errors.unknown_channel)
    world = ctx.world
    chan = world.channels.get(cid)
    if chan is None or chan.deleted:
        raise errors.unknown_channel()
    if chan.guild is not None:
        if not chan.guild.bot_present:
            raise errors.missing_access()
        if not world.bot_can_view(chan):
            raise errors.missing_access()
    return chan


def get_guild(ctx: Ctx) -> FakeGuild:
    """The guild of the path; 404 10004 when unknown, 403 50001 when the bot is not in it."""
    gid = ctx.snowflake("guild_id", errors.unknown_guild)
    guild = ctx.world.guilds.get(gid)
    if guild is None:
        raise errors.unknown_guild()
    if not guild.bot_present:
        raise errors.missing_access()
    return guild


def get_member(guild: FakeGuild, user_id: int) -> FakeMember:
    """A guild member or 404 10007."""
    member = guild.members.get(user_id)
    if member is None:
        raise errors.unknown_member()
    return member


def get_user(world: World, user_id: int) -> FakeUser:
    """A user or 404 10013."""
    user = world.users.get(user_id)
    if user is None:
        raise errors.unknown_user()
    return user


def require_channel(world: World, chan: FakeChannel, needed: int) -> int:
    """403 50013 unless the bot has ``needed`` in the (guild) channel; returns its permissions."""
    perms = world.bot_permissions(chan)
    if not has(perms, int(needed)):
        raise errors.missing_permissions()
    return perms


def require_guild(guild: FakeGuild, needed: int) -> int:
    """403 50013 unless the bot has ``needed`` guild-wide; returns its permissions."""
    perms = base_permissions(guild, guild.bot_member)
    if not has(perms, int(needed)):
        raise errors.missing_permissions()
    return perms


def get_message(chan: FakeChannel, ctx: Ctx, name: str = "message_id") -> dict[str, Any]:
    """A message of the channel or 404 10008."""
    mid = ctx.snowflake(name, errors.unknown_message)
    message = chan.messages.get(mid)
    if message is None:
        raise errors.unknown_message()
    return message


def build_attachments(
    ctx: Ctx, body: dict[str, Any], chan: FakeChannel, existing: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]] | None:
    """Attachment objects for uploaded ``files[n]`` plus kept existing ones (None = unchanged)."""
    files: list[UploadedFile] = ctx.files
    declared = body.get("attachments")
    if not files and declared is None:
        return None
    by_index = {}
    for f in files:
        idx = f.field[len("files[") : -1] if f.field.startswith("files[") else f.field
        by_index[str(idx)] = f
    out: list[dict[str, Any]] = []
    existing_by_id = {a["id"]: a for a in (existing or [])}
    used: set[str] = set()
    for entry in declared or []:
        key = str(entry.get("id"))
        if key in existing_by_id:
            out.append(existing_by_id[key])
            continue
        upload = by_index.get(key)
        if upload is None:
            continue
        used.add(key)
        out.append(_attachment(ctx, chan, upload, entry))
    for key, upload in by_index.items():
        if key not in used:
            out.append(_attachment(ctx, chan, upload, {}))
    return out


def _attachment(ctx: Ctx, chan: FakeChannel, upload: UploadedFile, entry: dict[str, Any]) -> dict[str, Any]:
    world = ctx.world
    aid = world.ids.next()
    filename = entry.get("filename") or upload.filename
    world.files[aid] = (filename, upload.data, upload.content_type)
    url = f"{world.base_url}/attachments/{chan.id}/{aid}/{filename}"
    data: dict[str, Any] = {
        "id": str(aid),
        "filename": filename,
        "size": len(upload.data),
        "url": url,
        "proxy_url": url,
        "content_type": _guess_type(filename, upload.content_type),
    }
    if entry.get("description"):
        data["description"] = entry["description"]
    return data


def _guess_type(filename: str, given: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(filename)
    return guessed or given or "application/octet-stream"


def create_message_from_body(
    ctx: Ctx,
    chan: FakeChannel,
    body: dict[str, Any],
    *,
    interaction: FakeInteraction | None = None,
    message_type: int = 0,
    allow_ephemeral: bool = False,
    webhook_id: int | None = None,
) -> dict[str, Any]:
    """Validate a create-message body and store the message (MESSAGE_CREATE unless ephemeral)."""
    world = ctx.world
    attachments = build_attachments(ctx, body, chan) or []
    validate_message(body, has_attachments=bool(attachments))
    flags = int(body.get("flags") or 0)
    allowed_flags = (1 << 2) | (1 << 12) | (1 << 15) | (FLAG_EPHEMERAL if allow_ephemeral else 0) | (1 << 13)
    flags &= allowed_flags
    ephemeral = bool(flags & FLAG_EPHEMERAL)
    if ephemeral:
        for att in attachments:
            att["ephemeral"] = True
    reference = resolve_reference(world, chan, body.get("message_reference"))
    data = world.build_message(
        chan,
        world.bot_user,
        content=body.get("content"),
        embeds=body.get("embeds"),
        components=body.get("components"),
        attachments=attachments,
        flags=flags,
        nonce=body.get("nonce"),
        allowed_mentions=body.get("allowed_mentions"),
        reference=reference,
        tts=bool(body.get("tts")),
        message_type=message_type,
        webhook_id=webhook_id,
        interaction=interaction,
        poll=_poll(body.get("poll")),
    )
    return world.store_message(chan, data, ephemeral=ephemeral)


def resolve_reference(world: World, chan: FakeChannel, ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """Check a ``message_reference`` (reply) and attach the referenced message."""
    if not ref or ref.get("message_id") is None:
        return None
    target_chan_id = int(ref.get("channel_id") or chan.id)
    target_chan = world.channels.get(target_chan_id)
    message = target_chan.messages.get(int(ref["message_id"])) if target_chan is not None else None
    if message is None:
        if ref.get("fail_if_not_exists", True):
            raise errors.invalid_form(
                errors.nest(
                    ["message_reference"],
                    errors.field_error("MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"),
                )
            )
        return None
    return {"message_id": ref["message_id"], "channel_id": target_chan_id, "_message": message}


def _poll(poll: dict[str, Any] | None) -> dict[str, Any] | None:
    if not poll:
        return None
    import datetime as dt

    from ..util import iso, utcnow

    hours = int(poll.get("duration") or 24)
    return {
        "question": poll.get("question"),
        "answers": [{"answer_id": i + 1, **a} for i, a in enumerate(poll.get("answers") or [])],
        "expiry": iso(utcnow() + dt.timedelta(hours=hours)),
        "allow_multiselect": bool(poll.get("allow_multiselect")),
        "layout_type": poll.get("layout_type") or 1,
        "results": {"is_finalized": False, "answer_counts": []},
    }


def check_send(world: World, chan: FakeChannel, body: dict[str, Any], has_files: bool) -> None:
    """Permission checks for the bot posting in a guild channel/thread (POST messages)."""
    if chan.guild is None:
        return
    perms = world.bot_permissions(chan)
    send = P.SEND_MESSAGES_IN_THREADS if chan.is_thread else P.SEND_MESSAGES
    if not has(perms, int(P.VIEW_CHANNEL)):
        raise errors.missing_access()
    if not has(perms, int(send)):
        raise errors.missing_permissions()
    if has_files and not has(perms, int(P.ATTACH_FILES)):
        raise errors.missing_permissions()
    if body.get("message_reference") and not has(perms, int(P.READ_MESSAGE_HISTORY)):
        raise errors.missing_permissions()
    if body.get("tts") and not has(perms, int(P.SEND_TTS_MESSAGES)):
        body["tts"] = False
    if body.get("poll") and not has(perms, int(P.SEND_POLLS)):
        raise errors.missing_permissions()
