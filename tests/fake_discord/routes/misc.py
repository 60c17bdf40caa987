"""Users, the application, the gateway URL and DM channels."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..permissions import base_permissions
from ..rest import Ctx, route
from .common import get_guild, get_user
from .oauth2 import my_guilds, my_user


def application_payload(ctx: Ctx) -> dict[str, Any]:
    """PrivateApplicationResponse for the bot's application."""
    world = ctx.world
    fake = ctx.fake
    return {
        "id": str(world.application_id),
        "name": world.bot_user.name,
        "icon": None,
        "description": "",
        "type": None,
        "bot": world.bot_user.to_dict(),
        "summary": "",
        "is_monetized": False,
        "is_verified": False,
        "is_discoverable": False,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": fake.application_flags,
        "flags_new": str(fake.application_flags),
        "hook": True,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": world.app_owner.to_dict(),
        "approximate_guild_count": sum(1 for g in world.guilds.values() if g.bot_present),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": [],
        "integration_types_config": {"0": {}},
        "rpc_origins": [],
        "tags": [],
    }


@route("GET", "/users/@me", bearer=True)
async def get_me(ctx: Ctx) -> Any:
    """The bot user (or, for an OAuth2 Bearer token, its user)."""
    if ctx.request.headers.get("Authorization", "").startswith("Bearer "):
        return my_user(ctx)
    return ctx.world.bot_user.to_dict() | {
        "verified": True,
        "mfa_enabled": False,
        "locale": "en-US",
        "email": None,
    }


@route("GET", "/users/{user_id}")
async def get_user_route(ctx: Ctx) -> Any:
    """A user by id (404 10013)."""
    return get_user(ctx.world, ctx.snowflake("user_id", errors.unknown_user)).to_dict()


@route("GET", "/applications/@me")
async def get_application(ctx: Ctx) -> Any:
    """The current application."""
    return application_payload(ctx)


@route("GET", "/oauth2/applications/@me")
async def get_oauth_application(ctx: Ctx) -> Any:
    """The current application (discord.py's ``application_info``, called at login)."""
    return application_payload(ctx)


@route("GET", "/gateway")
async def get_gateway(ctx: Ctx) -> Any:
    """The gateway URL (no auth needed on Discord either)."""
    return {"url": ctx.fake.gateway_url}


@route("GET", "/gateway/bot")
async def get_gateway_bot(ctx: Ctx) -> Any:
    """Gateway URL, recommended shards and session start limits."""
    return {
        "url": ctx.fake.gateway_url,
        "shards": ctx.fake.recommended_shards,
        "session_start_limit": {
            "total": 1000,
            "remaining": max(0, 1000 - ctx.fake.hub.identified_count),
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        },
    }


@route("GET", "/users/@me/guilds", bearer=True)
async def get_my_guilds(ctx: Ctx) -> Any:
    """Partial guilds the bot (or a Bearer token's user) is in (``before``/``after``/``limit``)."""
    if ctx.request.headers.get("Authorization", "").startswith("Bearer "):
        return my_guilds(ctx)
    world = ctx.world
    limit = ctx.query_int("limit", 200) or 200
    after = ctx.query_int("after", 0) or 0
    before = ctx.query_int("before")
    guilds = sorted((g for g in world.guilds.values() if g.bot_present), key=lambda g: g.id)
    guilds = [g for g in guilds if g.id > after and (before is None or g.id < before)][:limit]
    out = []
    for g in guilds:
        out.append(
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(base_permissions(g, g.bot_member)),
                "features": list(g.features),
            }
            | (
                {"approximate_member_count": len(g.members), "approximate_presence_count": 0}
                if ctx.query_bool("with_counts")
                else {}
            )
        )
    return out


@route("DELETE", "/users/@me/guilds/{guild_id}")
async def leave_guild(ctx: Ctx) -> Any:
    """The bot leaves a guild (GUILD_DELETE)."""
    guild = get_guild(ctx)
    if guild.owner_id == ctx.world.bot_user.id:
        raise errors.APIError(400, 50055, "Invalid guild")
    ctx.world.remove_guild(guild)
    return None


@route("POST", "/users/@me/channels")
async def create_dm(ctx: Ctx) -> Any:
    """Open (or get) the DM channel with ``recipient_id``."""
    body = ctx.body()
    raw = body.get("recipient_id")
    if raw is None:
        raise errors.invalid_form(
            errors.nest(["recipient_id"], errors.field_error("BASE_TYPE_REQUIRED", "This field is required"))
        )
    try:
        user = get_user(ctx.world, int(raw))
    except ValueError:
        raise errors.invalid_form(
            errors.nest(
                ["recipient_id"], errors.field_error("NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.')
            )
        ) from None
    if user.id == ctx.world.bot_user.id:
        raise errors.APIError(400, 50007, "Cannot send messages to this user")
    return ctx.world.dm_channel(user).to_dict()
