"""Application commands, global and per guild (bulk overwrite, CRUD)."""

from __future__ import annotations

import copy
from typing import Any

from .. import errors
from ..rest import Ctx, route
from ..state import World
from ..validation import Errors, validate_command, validate_commands
from .common import get_guild


def _clean(value: Any) -> Any:
    """Drop ``None`` members recursively (Discord omits unset fields)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def normalize_command(
    world: World, body: dict[str, Any], *, guild_id: int | None, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The command as Discord stores and returns it (ids, version, application_id ...)."""
    perms = body.get("default_member_permissions")
    data: dict[str, Any] = {
        "id": previous["id"] if previous else str(world.ids.next()),
        "application_id": str(world.application_id),
        "version": previous["version"] if previous else str(world.ids.next()),
        "default_member_permissions": None if perms is None else str(int(perms)),
        "type": int(body.get("type") or 1),
        "name": body["name"],
        "name_localizations": body.get("name_localizations"),
        "description": body.get("description") or "",
        "description_localizations": body.get("description_localizations"),
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types") or [0],
        "nsfw": bool(body.get("nsfw")),
    }
    if guild_id is None:
        dm_permission = body.get("dm_permission")
        data["dm_permission"] = True if dm_permission is None else bool(dm_permission)
    else:
        data["guild_id"] = str(guild_id)
    options = _clean(copy.deepcopy(body.get("options") or []))
    if options:
        data["options"] = options
    if previous is not None:
        comparable = {k: v for k, v in data.items() if k != "version"}
        old = {k: v for k, v in previous.items() if k != "version"}
        if comparable != old:
            data["version"] = str(world.ids.next())
    return data


def _app(ctx: Ctx) -> None:
    if ctx.params["application_id"] != str(ctx.world.application_id):
        raise errors.missing_access()


def _store(ctx: Ctx) -> tuple[list[dict[str, Any]], int | None]:
    _app(ctx)
    if "guild_id" in ctx.params:
        guild = get_guild(ctx)
        return ctx.world.guild_commands.setdefault(guild.id, []), guild.id
    return ctx.world.global_commands, None


def _find(store: list[dict[str, Any]], ctx: Ctx) -> dict[str, Any]:
    cid = ctx.params["command_id"]
    for cmd in store:
        if cmd["id"] == cid:
            return cmd
    raise errors.unknown_command()


async def list_commands(ctx: Ctx) -> Any:
    """Registered commands."""
    store, _ = _store(ctx)
    return copy.deepcopy(store)


async def bulk_overwrite(ctx: Ctx) -> Any:
    """Replace all commands; commands keep their id when name and type match."""
    store, guild_id = _store(ctx)
    body = ctx.json if ctx.json is not None else []
    validate_commands(body, is_global=guild_id is None)
    by_key = {(c["type"], c["name"]): c for c in store}
    new = [
        normalize_command(
            ctx.world, cmd, guild_id=guild_id, previous=by_key.get((int(cmd.get("type") or 1), cmd["name"]))
        )
        for cmd in body
    ]
    store[:] = new
    return copy.deepcopy(new)


async def create_command(ctx: Ctx) -> Any:
    """Create or replace (by name and type) one command."""
    store, guild_id = _store(ctx)
    body = ctx.body()
    err = Errors()
    validate_command(err, [], body)
    err.raise_if_any()
    key = (int(body.get("type") or 1), body["name"])
    previous = next((c for c in store if (c["type"], c["name"]) == key), None)
    cmd = normalize_command(ctx.world, body, guild_id=guild_id, previous=previous)
    if previous is not None:
        store[store.index(previous)] = cmd
    else:
        if sum(1 for c in store if c["type"] == key[0]) >= (100 if key[0] == 1 else 15):
            raise errors.APIError(400, 30032, "Maximum number of application commands reached")
        store.append(cmd)
    return copy.deepcopy(cmd)


async def get_command(ctx: Ctx) -> Any:
    """One command (404 10063)."""
    store, _ = _store(ctx)
    return copy.deepcopy(_find(store, ctx))


async def edit_command(ctx: Ctx) -> Any:
    """Edit one command."""
    store, guild_id = _store(ctx)
    current = _find(store, ctx)
    merged = {**current, **ctx.body()}
    err = Errors()
    validate_command(err, [], merged)
    err.raise_if_any()
    cmd = normalize_command(ctx.world, merged, guild_id=guild_id, previous=current)
    store[store.index(current)] = cmd
    return copy.deepcopy(cmd)


async def delete_command(ctx: Ctx) -> Any:
    """Delete one command."""
    store, _ = _store(ctx)
    store.remove(_find(store, ctx))
    return None


for _base in (
    "/applications/{application_id}/commands",
    "/applications/{application_id}/guilds/{guild_id}/commands",
):
    route("GET", _base)(list_commands)
    route("PUT", _base)(bulk_overwrite)
    route("POST", _base)(create_command)
    route("GET", _base + "/{command_id}")(get_command)
    route("PATCH", _base + "/{command_id}")(edit_command)
    route("DELETE", _base + "/{command_id}")(delete_command)


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions")
async def guild_command_permissions(ctx: Ctx) -> Any:
    """No per-command permission overrides are modelled: an empty list."""
    _store(ctx)
    return []
