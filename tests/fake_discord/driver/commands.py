"""Acting as users with application commands: slash commands, message commands, autocomplete.

Every interaction reaches the bot as INTERACTION_CREATE over the gateway, built like Discord
builds it (member with permissions, app_permissions, resolved objects, context, ...); the bot
answers through the REST callback.
"""

from __future__ import annotations

import copy
from typing import Any

from ..interactions import (
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE,
    FakeInteraction,
    InteractionReply,
)
from ..permissions import ALL, P, has
from ..state import DM, FakeChannel, FakeGuild, FakeMember, FakeUser
from .base import OPTION_TYPE_NAMES, DriverBase


class CommandActions(DriverBase):
    """Slash commands, message commands and autocomplete, with Discord's checks on options."""

    async def slash(
        self,
        user: FakeUser,
        guild: FakeGuild | None,
        command: str,
        *,
        channel: FakeChannel | None = None,
        locale: str = "en-US",
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> InteractionReply:
        """``user`` runs ``/command`` (e.g. ``"group member add"``) with python option values.
        ``guild=None`` runs it in the user's DM with the bot."""
        values = {**(options or {}), **kwargs}
        chan, member = self._context(user, guild, channel)
        parts = command.split()
        cmd = self._find_command(guild, parts[0])
        self._check_usable(cmd, user, guild, member, chan)
        chain, schema = self._command_path(cmd, parts)
        resolved: dict[str, dict[str, Any]] = {}
        built = self._build_options(schema, values, guild, chan, member, resolved, focused=None)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": self._nest(chain, built),
        }
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        inter = FakeInteraction(
            self.world,
            type=APPLICATION_COMMAND,
            user=user,
            guild=guild,
            channel=chan,
            locale=locale,
            command_name=command,
        )
        return await self._dispatch(inter, data, f"/{command}")

    async def message_command(
        self, user: FakeUser, guild: FakeGuild, name: str, message: dict[str, Any], *, locale: str = "en-US"
    ) -> InteractionReply:
        """``user`` picks the message context-menu command ``name`` (Apps > name) on ``message``."""
        chan, stored = self._message(message)
        _, member = self._context(user, guild, chan)
        pools = [self.world.guild_commands.get(guild.id, []), self.world.global_commands]
        cmd = next((c for pool in pools for c in pool if c["name"] == name and c["type"] == 3), None)
        if cmd is None:
            raise AssertionError(f"no message command {name!r} registered here")
        self._check_usable(cmd, user, guild, member, chan)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 3,
            "target_id": str(stored["id"]),
            "resolved": {"messages": {str(stored["id"]): copy.deepcopy(stored)}},
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        inter = FakeInteraction(
            self.world,
            type=APPLICATION_COMMAND,
            user=user,
            guild=guild,
            channel=chan,
            locale=locale,
            command_name=name,
        )
        return await self._dispatch(inter, data, f"message command {name!r}")

    async def autocomplete(
        self,
        user: FakeUser,
        guild: FakeGuild | None,
        command: str,
        *,
        focused: str,
        channel: FakeChannel | None = None,
        locale: str = "en-US",
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """``user`` types in option ``focused`` of ``/command``; returns the bot's choices."""
        values = {**(options or {}), **kwargs}
        chan, member = self._context(user, guild, channel)
        parts = command.split()
        cmd = self._find_command(guild, parts[0])
        self._check_usable(cmd, user, guild, member, chan)
        chain, schema = self._command_path(cmd, parts)
        target = next((o for o in schema if o["name"] == focused), None)
        if target is None or not target.get("autocomplete"):
            raise AssertionError(f"option {focused!r} of /{command} has no autocomplete")
        values.setdefault(focused, "")
        built = self._build_options(schema, values, guild, chan, member, {}, focused=focused)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": self._nest(chain, built),
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        inter = FakeInteraction(
            self.world,
            type=APPLICATION_COMMAND_AUTOCOMPLETE,
            user=user,
            guild=guild,
            channel=chan,
            locale=locale,
            command_name=command,
        )
        reply = await self._dispatch(inter, data, f"autocomplete of /{command} {focused}")
        return reply.choices or []

    def _context(
        self, user: FakeUser, guild: FakeGuild | None, channel: FakeChannel | None
    ) -> tuple[FakeChannel, FakeMember | None]:
        if guild is None:
            if channel is not None and channel.type != DM:
                raise AssertionError("a guild channel needs its guild")
            return self.world.dm_channel(user), None
        if not guild.bot_present:
            raise AssertionError(f"the bot is not in {guild.name}")
        member = guild.member(user)
        if member is None:
            raise AssertionError(f"{user.name} is not a member of {guild.name}")
        chan = channel
        if chan is None:
            texts = [
                c for c in guild.text_channels if has(guild.permissions_for(member, c), int(P.VIEW_CHANNEL))
            ]
            if not texts:
                raise AssertionError(f"{guild.name} has no text channel {user.name} can see")
            chan = texts[0]
        if chan.guild is not guild:
            raise AssertionError(f"#{chan.name} is not in {guild.name}")
        if not has(guild.permissions_for(member, chan), int(P.VIEW_CHANNEL)):
            raise AssertionError(f"{user.name} cannot see #{chan.name}")
        return chan, member

    def _find_command(self, guild: FakeGuild | None, name: str) -> dict[str, Any]:
        world = self.world
        pools = []
        if guild is not None:
            pools.append(world.guild_commands.get(guild.id, []))
        pools.append(world.global_commands)
        for pool in pools:
            for cmd in pool:
                if cmd["name"] == name and cmd["type"] == 1:
                    return cmd
        known = sorted({c["name"] for pool in pools for c in pool if c["type"] == 1})
        raise AssertionError(f"no slash command /{name} registered here (registered: {known})")

    def _check_usable(
        self,
        cmd: dict[str, Any],
        user: FakeUser,
        guild: FakeGuild | None,
        member: FakeMember | None,
        chan: FakeChannel,
    ) -> None:
        contexts = cmd.get("contexts")
        if guild is None:
            allowed = (1 in contexts) if contexts is not None else cmd.get("dm_permission", True) is not False
            if cmd.get("guild_id") or not allowed:
                raise AssertionError(f"/{cmd['name']} cannot be used in DMs")
            return
        assert member is not None
        if contexts is not None and 0 not in contexts:
            raise AssertionError(f"/{cmd['name']} cannot be used in guilds")
        perms = guild.permissions_for(member, chan)
        if not has(perms, int(P.USE_APPLICATION_COMMANDS)):
            raise AssertionError(f"{user.name} may not use application commands in #{chan.name}")
        needed = cmd.get("default_member_permissions")
        if needed is not None and perms != ALL and (int(needed) == 0 or not has(perms, int(needed))):
            raise AssertionError(
                f"{user.name} cannot see /{cmd['name']}: "
                f"it needs permissions {int(needed)} (default_member_permissions)"
            )

    @staticmethod
    def _command_path(
        cmd: dict[str, Any], parts: list[str]
    ) -> tuple[list[tuple[int, str]], list[dict[str, Any]]]:
        options = cmd.get("options") or []
        chain: list[tuple[int, str]] = []
        for part in parts[1:]:
            sub = next((o for o in options if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                subs = [o["name"] for o in options if o["type"] in (1, 2)]
                raise AssertionError(f"/{' '.join(parts)}: no subcommand {part!r} (have {subs})")
            chain.append((sub["type"], part))
            options = sub.get("options") or []
        subs = [o["name"] for o in options if o["type"] in (1, 2)]
        if subs:
            raise AssertionError(f"/{' '.join(parts)} is a group; pick one of {subs}")
        return chain, options

    @staticmethod
    def _nest(chain: list[tuple[int, str]], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for otype, name in reversed(chain):
            options = [{"type": otype, "name": name, "options": options}]
        return options

    def _build_options(
        self,
        schema: list[dict[str, Any]],
        values: dict[str, Any],
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
        *,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        unknown = set(values) - set(by_name)
        if unknown:
            raise AssertionError(f"unknown option(s) {sorted(unknown)}; the command has {sorted(by_name)}")
        out = []
        for opt in schema:
            name = opt["name"]
            if name not in values or values[name] is None:
                if opt.get("required") and focused is None:
                    raise AssertionError(f"required option {name!r} is missing")
                continue
            if name == focused:
                out.append({"type": opt["type"], "name": name, "value": str(values[name]), "focused": True})
                continue
            value = self._convert(opt, values[name], guild, chan, member, resolved if focused is None else {})
            out.append({"type": opt["type"], "name": name, "value": value})
        return out

    def _convert(
        self,
        opt: dict[str, Any],
        value: Any,
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> Any:
        otype, name = opt["type"], opt["name"]
        kind = OPTION_TYPE_NAMES.get(otype, str(otype))
        if otype == 3:
            if not isinstance(value, str):
                raise TypeError(f"option {name!r} is a string, got {value!r}")
            low, high = opt.get("min_length"), opt.get("max_length")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise AssertionError(f"option {name!r}: length must be within [{low}, {high}]")
        elif otype in (4, 10):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (otype == 4 and not isinstance(value, int))
            ):
                raise TypeError(f"option {name!r} is an {kind}, got {value!r}")
            low, high = opt.get("min_value"), opt.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise AssertionError(f"option {name!r}: value must be within [{low}, {high}]")
        elif otype == 5:
            if not isinstance(value, bool):
                raise TypeError(f"option {name!r} is a boolean, got {value!r}")
        elif otype in (6, 7, 8, 9):
            return self._resolve_entity(opt, value, guild, chan, member, resolved)
        elif otype == 11:
            return self._resolve_attachment(value, chan, resolved)
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise AssertionError(
                f"option {name!r}: {value!r} is not one of the choices {[c['value'] for c in choices]}"
            )
        return value
