"""Guilds, members (nick, roles, timeouts, kicks, bans) and roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import errors
from ..permissions import ALL, P, base_permissions, has, outranks, top_role_position
from ..rest import Ctx, route
from ..state import INTENT_GUILD_MODERATION, FakeGuild, FakeMember, FakeRole
from ..util import parse_iso
from ..validation import Errors
from .common import get_guild, get_member, get_user, require_guild

MAX_TIMEOUT = dt.timedelta(days=28)


@route("GET", "/guilds/{guild_id}")
async def fetch_guild(ctx: Ctx) -> Any:
    """The guild (``with_counts`` adds approximate counts)."""
    return get_guild(ctx).to_dict(with_counts=ctx.query_bool("with_counts"))


@route("GET", "/guilds/{guild_id}/members/{member_id}")
async def fetch_member(ctx: Ctx) -> Any:
    """One member (404 10007)."""
    guild = get_guild(ctx)
    return get_member(guild, ctx.snowflake("member_id", errors.unknown_member)).to_dict()


@route("GET", "/guilds/{guild_id}/members")
async def list_members(ctx: Ctx) -> Any:
    """Members by user id (``limit`` 1-1000, ``after``). Like Discord, only when the
    GUILD_MEMBERS privileged intent is enabled for the application, else 403 50001."""
    guild = get_guild(ctx)
    if not ctx.fake.privileged_intents & (1 << 1):
        raise errors.missing_access()
    limit = ctx.query_int("limit", 1) or 1
    if not 1 <= limit <= 1000:
        raise errors.invalid_form(
            errors.nest(
                ["limit"],
                errors.field_error("NUMBER_TYPE_MAX", "int value should be less than or equal to 1000."),
            )
        )
    after = ctx.query_int("after", 0) or 0
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return [m.to_dict() for m in members[:limit]]


@route("GET", "/guilds/{guild_id}/members/search")
async def search_members(ctx: Ctx) -> Any:
    """Members whose username or nick starts with ``query``."""
    guild = get_guild(ctx)
    query = (ctx.query.get("query") or "").lower()
    limit = ctx.query_int("limit", 1) or 1
    hits = [
        m
        for m in guild.members.values()
        if m.user.name.lower().startswith(query)
        or (m.nick or "").lower().startswith(query)
        or (m.user.global_name or "").lower().startswith(query)
    ]
    return [m.to_dict() for m in hits[:limit]]


def _check_role_assignable(guild: FakeGuild, role: FakeRole) -> None:
    """Managed roles and @everyone cannot be given; others must be below the bot's top role
    (ADMINISTRATOR does not bypass the hierarchy; only the owner does)."""
    bot = guild.bot_member
    if role.managed or role.id == guild.id:
        raise errors.missing_permissions()
    if guild.owner_id != bot.id and role.position >= top_role_position(guild, bot):
        raise errors.missing_permissions()


def _parse_timeout(value: Any, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    try:
        until = parse_iso(str(value))
    except ValueError:
        raise errors.invalid_form(
            errors.nest(
                ["communication_disabled_until"],
                errors.field_error("DATE_TIME_TYPE_PARSE", "Could not parse date-time."),
            )
        ) from None
    if until - now > MAX_TIMEOUT:
        raise errors.invalid_form(
            errors.nest(
                ["communication_disabled_until"],
                errors.field_error("BASE_TYPE_BAD_TIME", "Timeout duration cannot be longer than 28 days."),
            )
        )
    return until


def modify_member(
    ctx: Ctx, guild: FakeGuild, member: FakeMember, body: dict[str, Any], *, self_edit: bool
) -> dict[str, Any]:
    """Apply a member PATCH with Discord's permission and hierarchy rules."""
    world = ctx.world
    bot = guild.bot_member
    perms = base_permissions(guild, bot)
    err = Errors()
    if body.get("nick") is not None:
        err.max_length(["nick"], body["nick"], 32)
    err.raise_if_any()
    if "nick" in body:
        if self_edit or member.id == bot.id:
            if not has(perms, int(P.CHANGE_NICKNAME)) and not has(perms, int(P.MANAGE_NICKNAMES)):
                raise errors.missing_permissions()
        elif not has(perms, int(P.MANAGE_NICKNAMES)) or not outranks(guild, bot, member):
            raise errors.missing_permissions()
    new_roles: list[int] | None = None
    if "roles" in body and not self_edit:
        if not has(perms, int(P.MANAGE_ROLES)):
            raise errors.missing_permissions()
        new_roles = []
        for raw in body["roles"] or []:
            role = guild.roles.get(int(raw))
            if role is None:
                raise errors.unknown_role()
            if role.id != guild.id and role.id not in new_roles:
                new_roles.append(role.id)
        for rid in set(new_roles) ^ set(member.role_ids):
            _check_role_assignable(guild, guild.roles[rid])
    timeout_given = "communication_disabled_until" in body and not self_edit
    until = None
    if timeout_given:
        until = _parse_timeout(body["communication_disabled_until"], world.clock())
        if not has(perms, int(P.MODERATE_MEMBERS)):
            raise errors.missing_permissions()
        if member.id == bot.id or not outranks(guild, bot, member):
            raise errors.missing_permissions()
        if base_permissions(guild, member) == ALL:
            raise errors.missing_permissions()
    if ("mute" in body or "deaf" in body or "channel_id" in body) and not self_edit:
        needed = (P.MUTE_MEMBERS if "mute" in body else 0) | (P.DEAFEN_MEMBERS if "deaf" in body else 0)
        if needed and not has(perms, int(needed)):
            raise errors.missing_permissions()
    if "nick" in body:
        member.nick = body["nick"] or None
    if new_roles is not None:
        member.role_ids = new_roles
    if timeout_given:
        member.communication_disabled_until = until
    if "mute" in body:
        member.mute = bool(body["mute"])
    if "deaf" in body:
        member.deaf = bool(body["deaf"])
    world.emit_member_update(guild, member)
    return member.to_dict()


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member_route(ctx: Ctx) -> Any:
    """One member (no privileged intent needed); 404 10007 for someone not (or no longer) in the guild."""
    guild = get_guild(ctx)
    return get_member(guild, ctx.snowflake("user_id", errors.unknown_member)).to_dict()


@route("PATCH", "/guilds/{guild_id}/members/@me")
async def modify_me(ctx: Ctx) -> Any:
    """The bot changes its own nick."""
    guild = get_guild(ctx)
    return modify_member(ctx, guild, guild.bot_member, ctx.body(), self_edit=True)


@route("PATCH", "/guilds/{guild_id}/members/{user_id}")
async def modify_member_route(ctx: Ctx) -> Any:
    """Nick (MANAGE_NICKNAMES), roles (MANAGE_ROLES, below the bot's top role), timeout
    (MODERATE_MEMBERS, at most 28 days, not on the owner/admins/higher members)."""
    guild = get_guild(ctx)
    member = get_member(guild, ctx.snowflake("user_id", errors.unknown_member))
    return modify_member(ctx, guild, member, ctx.body(), self_edit=False)


@route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(ctx: Ctx) -> Any:
    """Give a role (MANAGE_ROLES; role below the bot's top role, not managed)."""
    world = ctx.world
    guild = get_guild(ctx)
    member = get_member(guild, ctx.snowflake("user_id", errors.unknown_member))
    role = guild.roles.get(ctx.snowflake("role_id", errors.unknown_role))
    if role is None:
        raise errors.unknown_role()
    require_guild(guild, int(P.MANAGE_ROLES))
    _check_role_assignable(guild, role)
    if role.id not in member.role_ids:
        member.role_ids.append(role.id)
        world.emit_member_update(guild, member)
    return None


@route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(ctx: Ctx) -> Any:
    """Take a role away (same rules as giving it)."""
    world = ctx.world
    guild = get_guild(ctx)
    member = get_member(guild, ctx.snowflake("user_id", errors.unknown_member))
    role = guild.roles.get(ctx.snowflake("role_id", errors.unknown_role))
    if role is None:
        raise errors.unknown_role()
    require_guild(guild, int(P.MANAGE_ROLES))
    _check_role_assignable(guild, role)
    if role.id in member.role_ids:
        member.role_ids.remove(role.id)
        world.emit_member_update(guild, member)
    return None


@route("DELETE", "/guilds/{guild_id}/members/{user_id}")
async def kick_member(ctx: Ctx) -> Any:
    """Kick (KICK_MEMBERS and the role hierarchy)."""
    world = ctx.world
    guild = get_guild(ctx)
    member = get_member(guild, ctx.snowflake("user_id", errors.unknown_member))
    require_guild(guild, int(P.KICK_MEMBERS))
    if not outranks(guild, guild.bot_member, member):
        raise errors.missing_permissions()
    world.remove_member(guild, member)
    return None


@route("PUT", "/guilds/{guild_id}/bans/{user_id}")
async def ban_member(ctx: Ctx) -> Any:
    """Ban (BAN_MEMBERS and the role hierarchy): GUILD_BAN_ADD, GUILD_MEMBER_REMOVE."""
    world = ctx.world
    guild = get_guild(ctx)
    user = get_user(world, ctx.snowflake("user_id", errors.unknown_user))
    require_guild(guild, int(P.BAN_MEMBERS))
    member = guild.member(user)
    if member is not None and not outranks(guild, guild.bot_member, member):
        raise errors.missing_permissions()
    world.emit(
        "GUILD_BAN_ADD",
        {"guild_id": str(guild.id), "user": user.to_dict()},
        guild_id=guild.id,
        intent=INTENT_GUILD_MODERATION,
    )
    if member is not None:
        world.remove_member(guild, member)
    return None


@route("GET", "/guilds/{guild_id}/roles")
async def list_roles(ctx: Ctx) -> Any:
    """All roles."""
    guild = get_guild(ctx)
    return [r.to_dict() for r in sorted(guild.roles.values(), key=lambda r: r.position)]


@route("GET", "/guilds/{guild_id}/roles/{role_id}")
async def fetch_role(ctx: Ctx) -> Any:
    """One role (404 10011)."""
    guild = get_guild(ctx)
    role = guild.roles.get(ctx.snowflake("role_id", errors.unknown_role))
    if role is None:
        raise errors.unknown_role()
    return role.to_dict()


def _role_fields(body: dict[str, Any]) -> None:
    err = Errors()
    if body.get("name") is not None:
        err.max_length(["name"], body["name"], 100)
    color = body.get("color")
    if color is not None and not 0 <= int(color) <= 0xFFFFFF:
        err.add(["color"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
    err.raise_if_any()


@route("POST", "/guilds/{guild_id}/roles")
async def create_role(ctx: Ctx) -> Any:
    """Create a role (MANAGE_ROLES; only permissions the bot has)."""
    world = ctx.world
    guild = get_guild(ctx)
    body = ctx.body()
    _role_fields(body)
    perms = require_guild(guild, int(P.MANAGE_ROLES))
    wanted = int(body.get("permissions") or 0)
    if perms != ALL and wanted & ~perms:
        raise errors.missing_permissions()
    role = world.create_role(
        guild,
        body.get("name") or "new role",
        wanted if body.get("permissions") is not None else guild.everyone_role.permissions,
        color=int(body.get("color") or 0),
        hoist=bool(body.get("hoist")),
        mentionable=bool(body.get("mentionable")),
    )
    return role.to_dict()


@route("PATCH", "/guilds/{guild_id}/roles/{role_id}")
async def edit_role(ctx: Ctx) -> Any:
    """Edit a role below the bot's top role (MANAGE_ROLES)."""
    world = ctx.world
    guild = get_guild(ctx)
    role = guild.roles.get(ctx.snowflake("role_id", errors.unknown_role))
    if role is None:
        raise errors.unknown_role()
    body = ctx.body()
    _role_fields(body)
    perms = require_guild(guild, int(P.MANAGE_ROLES))
    if perms != ALL and role.position >= top_role_position(guild, guild.bot_member):
        raise errors.missing_permissions()
    if body.get("permissions") is not None:
        wanted = int(body["permissions"])
        if perms != ALL and (wanted ^ role.permissions) & ~perms:
            raise errors.missing_permissions()
        role.permissions = wanted
    for key in ("name", "hoist", "mentionable"):
        if body.get(key) is not None:
            setattr(role, key, body[key])
    if body.get("color") is not None:
        role.color = int(body["color"])
    world.emit_role_update(role)
    return role.to_dict()


@route("DELETE", "/guilds/{guild_id}/roles/{role_id}")
async def delete_role(ctx: Ctx) -> Any:
    """Delete a role below the bot's top role (MANAGE_ROLES; not managed, not @everyone)."""
    world = ctx.world
    guild = get_guild(ctx)
    role = guild.roles.get(ctx.snowflake("role_id", errors.unknown_role))
    if role is None:
        raise errors.unknown_role()
    require_guild(guild, int(P.MANAGE_ROLES))
    if role.id == guild.id:
        raise errors.APIError(400, 50028, "Invalid role")
    _check_role_assignable(guild, role)
    world.delete_role(role)
    return None
