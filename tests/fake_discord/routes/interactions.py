"""Interaction callbacks and the interaction webhook (follow-ups, ``@original``).

These routes need no ``Authorization`` (the token in the path is the credential) and are not
counted in the global rate limit, as on Discord.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from .. import errors
from ..interactions import ALLOWED_CALLBACKS, MESSAGE_COMPONENT, MODAL_SUBMIT, FakeInteraction
from ..rest import Ctx, Reply, route
from ..state import FLAG_EPHEMERAL, FLAG_LOADING, FakeChannel, number_components
from ..validation import validate_autocomplete, validate_modal
from .common import create_message_from_body
from .messages import apply_edit, mark_written

#: Interaction tokens are valid for 15 minutes.
TOKEN_LIFETIME = 15 * 60


def _interaction_for_callback(ctx: Ctx) -> FakeInteraction:
    world = ctx.world
    raw_id = ctx.params["interaction_id"]
    inter = world.interactions.get(int(raw_id)) if raw_id.isdigit() else None
    if inter is None or inter.token != ctx.params["interaction_token"]:
        raise errors.unknown_interaction()
    loop = asyncio.get_running_loop()
    if inter.response_type is not None:
        raise errors.already_acknowledged()
    if loop.time() - inter.created_at > ctx.fake.interaction_deadline:
        raise errors.unknown_interaction()
    return inter


def _callback_payload(inter: FakeInteraction, rtype: int, message: dict[str, Any] | None) -> dict[str, Any]:
    info: dict[str, Any] = {"id": str(inter.id), "type": inter.type, "channel_id": str(inter.channel.id)}
    if inter.guild is not None:
        info["guild_id"] = str(inter.guild.id)
    out: dict[str, Any] = {"interaction": info}
    if message is not None and rtype in (4, 5, 7):
        if rtype in (4, 5):
            info["response_message_id"] = message["id"]
            info["response_message_loading"] = rtype == 5
            info["response_message_ephemeral"] = bool(int(message["flags"]) & FLAG_EPHEMERAL)
        out["resource"] = {"type": rtype, "message": message}
    return out


@route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False, global_limit=False)
async def interaction_callback(ctx: Ctx) -> Any:
    """Answer an interaction (once, within 3 s): message, defer, update, autocomplete, modal."""
    world = ctx.world
    inter = _interaction_for_callback(ctx)
    body = ctx.body()
    rtype = body.get("type")
    allowed = set(ALLOWED_CALLBACKS[inter.type])
    if inter.type == MODAL_SUBMIT and (inter.parent is None or inter.parent.type != MESSAGE_COMPONENT):
        allowed -= {6, 7}
    if rtype not in allowed:
        raise errors.invalid_form(
            errors.nest(
                ["type"],
                errors.field_error(
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    "Interaction response type is invalid for this interaction",
                ),
            )
        )
    data = body.get("data") or {}
    chan = inter.channel
    message: dict[str, Any] | None = None
    if rtype == 4:
        message = create_message_from_body(
            ctx,
            chan,
            data,
            interaction=inter,
            message_type=20 if inter.type == 2 else 0,
            allow_ephemeral=True,
            webhook_id=world.application_id,
        )
        inter.response_message_id = int(message["id"])
        mark_written(ctx, inter.response_message_id)
    elif rtype == 5:
        flags = (int(data.get("flags") or 0) & FLAG_EPHEMERAL) | FLAG_LOADING
        built = world.build_message(
            chan,
            world.bot_user,
            flags=flags,
            message_type=20 if inter.type == 2 else 0,
            webhook_id=world.application_id,
            interaction=inter,
        )
        message = world.store_message(chan, built, ephemeral=bool(flags & FLAG_EPHEMERAL))
        inter.response_message_id = int(message["id"])
    elif rtype == 7:
        target = _source_message(ctx, inter)
        message = apply_edit(ctx, target[0], target[1], data)
    elif rtype == 8:
        validate_autocomplete({"choices": data.get("choices")})
        inter.choices = list(data.get("choices") or [])
    elif rtype == 9:
        validate_modal(data)
        inter.modal = {
            "custom_id": data["custom_id"],
            "title": data["title"],
            "components": number_components(copy.deepcopy(data["components"])),
        }
    inter.response_type = rtype
    ctx.after_write(inter.mark_answered)
    if not ctx.query_bool("with_response"):
        return None
    return Reply(200, _callback_payload(inter, rtype, message))


def _source_message(ctx: Ctx, inter: FakeInteraction) -> tuple[FakeChannel, dict[str, Any]]:
    world = ctx.world
    mid = inter.source_message_id
    msg = world.get_message(mid) if mid is not None else None
    if mid is None or msg is None:
        raise errors.unknown_message()
    return world.channels[world.message_channel[mid]], msg


# ----------------------------------------------------------------------------- webhooks
def _interaction_for_webhook(ctx: Ctx) -> FakeInteraction:
    world = ctx.world
    if ctx.params["webhook_id"] != str(world.application_id):
        raise errors.unknown_webhook()
    inter = world.interactions_by_token.get(ctx.params["webhook_token"])
    if inter is None:
        raise errors.unknown_webhook()
    if asyncio.get_running_loop().time() - inter.created_at > ctx.fake.interaction_token_lifetime:
        raise errors.unknown_webhook()
    if inter.response_type is None:
        raise errors.unknown_webhook()
    return inter


def _webhook_target(ctx: Ctx, inter: FakeInteraction) -> tuple[FakeChannel, dict[str, Any]]:
    world = ctx.world
    raw = ctx.params["message_id"]
    if raw == "@original":
        mid = inter.original_message_id
    else:
        mid = int(raw) if raw.isdigit() else None
        if mid is not None and mid != inter.original_message_id and mid not in inter.followup_ids:
            mid = None
    msg = world.get_message(mid) if mid is not None else None
    if mid is None or msg is None:
        raise errors.unknown_message()
    return world.channels[world.message_channel[mid]], msg


@route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False, global_limit=False)
async def execute_webhook(ctx: Ctx) -> Any:
    """A follow-up message. After a defer, the first follow-up completes the "thinking" message."""
    world = ctx.world
    inter = _interaction_for_webhook(ctx)
    body = ctx.body()
    chan = inter.channel
    original = world.get_message(inter.response_message_id) if inter.response_message_id else None
    if inter.response_type == 5 and original is not None and int(original["flags"]) & FLAG_LOADING:
        body = {**body, "flags": int(original["flags"])}
        message = apply_edit(ctx, chan, original, body)
        message["flags"] = int(message["flags"]) & ~FLAG_LOADING
        inter.deferred_resolved = True
    else:
        message = create_message_from_body(
            ctx, chan, body, interaction=inter, allow_ephemeral=True, webhook_id=world.application_id
        )
    inter.followup_ids.append(int(message["id"]))
    mark_written(ctx, int(message["id"]))
    ctx.after_write(inter.notify)
    if not ctx.query_bool("wait"):
        return None
    return message


@route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False, global_limit=False)
async def get_webhook_message(ctx: Ctx) -> Any:
    """``@original`` or a follow-up."""
    inter = _interaction_for_webhook(ctx)
    return _webhook_target(ctx, inter)[1]


@route(
    "PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False, global_limit=False
)
async def edit_webhook_message(ctx: Ctx) -> Any:
    """Edit ``@original`` or a follow-up; the first edit after a defer counts as a follow-up."""
    inter = _interaction_for_webhook(ctx)
    chan, message = _webhook_target(ctx, inter)
    was_loading = bool(int(message["flags"]) & FLAG_LOADING)
    edited = apply_edit(ctx, chan, message, ctx.body())
    is_original = int(edited["id"]) == inter.original_message_id
    if is_original and not inter.deferred_resolved and (was_loading or inter.response_type == 6):
        inter.deferred_resolved = True
        inter.followup_ids.append(int(edited["id"]))
    ctx.after_write(inter.notify)
    return edited


@route(
    "DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False, global_limit=False
)
async def delete_webhook_message(ctx: Ctx) -> Any:
    """Delete ``@original`` or a follow-up."""
    inter = _interaction_for_webhook(ctx)
    chan, message = _webhook_target(ctx, inter)
    ctx.world.delete_message(chan, int(message["id"]))
    ctx.after_write(inter.notify)
    return None


@route("GET", "/webhooks/{webhook_id}/{webhook_token}", auth=False, global_limit=False)
async def get_webhook_with_token(ctx: Ctx) -> Any:
    """The application webhook of an interaction."""
    world = ctx.world
    inter = _interaction_for_webhook(ctx)
    return {
        "id": str(world.application_id),
        "type": 3,
        "name": world.bot_user.name,
        "avatar": None,
        "channel_id": str(inter.channel.id),
        "guild_id": str(inter.guild.id) if inter.guild else None,
        "application_id": str(world.application_id),
    }
