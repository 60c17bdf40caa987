"""Acting as users: slash commands, autocomplete, buttons, selects, modals and messages.

Every interaction reaches the bot as INTERACTION_CREATE over the gateway, built like Discord
builds it (member with permissions, app_permissions, resolved objects, context, ...); the bot
answers through the REST callback. The driver then waits for that callback for at most
``interaction_deadline`` (3 s, Discord's limit) and raises
``AssertionError("interaction failed: ...")`` otherwise: what the user would see as
"This interaction failed".

Component and modal interactions are only sent once the previous interaction was answered
and the answer that created/edited the target message reached the bot plus a small grace
(``component_grace``): discord.py stores a view only after reading that answer and drops
component interactions for views it does not know yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from typing import TYPE_CHECKING, Any

from .interactions import (
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    FakeInteraction,
    InteractionReply,
)
from .permissions import ALL, DM_PERMISSIONS, P, has
from .state import (
    DM,
    FLAG_EPHEMERAL,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    World,
    iter_components,
)

if TYPE_CHECKING:
    from .gateway import GatewayHub

SELECT_TYPES = (3, 5, 6, 7, 8)
OPTION_TYPE_NAMES = {
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}


class DriverMixin:
    """User-side actions of :class:`~tests.fake_discord.FakeDiscord`."""

    world: World
    hub: GatewayHub
    interaction_deadline: float
    component_grace: float
    _last_interaction: FakeInteraction | None

    # ================================================================= messages
    def post_message(
        self,
        user: FakeUser,
        channel: FakeChannel | None,
        content: str = "",
        *,
        embeds: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
        attachments: list[tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        """``user`` posts a message (MESSAGE_CREATE). ``channel=None`` means the user's DM with
        the bot. Fails like the Discord client would if the user may not post there."""
        world = self.world
        chan = world.dm_channel(user) if channel is None else channel
        if chan.deleted:
            raise AssertionError(f"channel {chan.name!r} was deleted")
        if chan.guild is not None:
            member = chan.guild.member(user)
            if member is None:
                raise AssertionError(f"{user.name} is not a member of {chan.guild.name}")
            perms = chan.guild.permissions_for(member, chan)
            send = P.SEND_MESSAGES_IN_THREADS if chan.is_thread else P.SEND_MESSAGES
            if not has(perms, int(P.VIEW_CHANNEL | send)):
                raise AssertionError(f"{user.name} cannot send messages in #{chan.name}")
            if chan.is_thread and chan.locked and not has(perms, int(P.MANAGE_THREADS)):
                raise AssertionError(f"thread #{chan.name} is locked")  # archived or not: moderators only
            if chan.is_thread and chan.archived:
                chan.archived = False
                world.emit_channel_update(chan)
        elif chan.type == DM and chan.recipient is not user:
            raise AssertionError("that DM channel belongs to another user")
        files = []
        for filename, data in attachments or []:
            aid = world.ids.next()
            world.files[aid] = (filename, data, "application/octet-stream")
            url = f"{world.base_url}/attachments/{chan.id}/{aid}/{filename}"
            files.append(
                {"id": str(aid), "filename": filename, "size": len(data), "url": url, "proxy_url": url}
            )
        reference = None
        if reply_to is not None:
            target = world.get_message(int(reply_to["id"]))
            reference = {"message_id": reply_to["id"], "channel_id": chan.id, "_message": target}
        data = world.build_message(
            chan, user, content=content, embeds=embeds, attachments=files, reference=reference
        )
        world.store_message(chan, data)
        return copy.deepcopy(data)

    def react(self, user: FakeUser, message: dict[str, Any], emoji: str) -> None:
        """``user`` adds a (unicode) reaction (MESSAGE_REACTION_ADD)."""
        from .routes.messages import add_reaction

        chan, msg = self._message(message)
        add_reaction(self.world, chan, msg, user.id, emoji)

    def delete_message(self, message: dict[str, Any]) -> None:
        """Someone (author or moderator) deletes a message (MESSAGE_DELETE)."""
        chan, msg = self._message(message)
        self.world.delete_message(chan, int(msg["id"]))

    def _message(
        self, message: dict[str, Any] | int | InteractionReply
    ) -> tuple[FakeChannel, dict[str, Any]]:
        if isinstance(message, InteractionReply):
            found = message.message
            if found is None:
                raise AssertionError(f"{message!r} has no message")
            message = found
        mid = int(message["id"]) if isinstance(message, dict) else int(message)
        msg = self.world.get_message(mid)
        if msg is None:
            raise AssertionError(f"message {mid} does not exist (deleted?)")
        return self.world.channels[self.world.message_channel[mid]], msg

    # ================================================================= slash commands
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

    def _resolve_entity(
        self,
        opt: dict[str, Any],
        value: Any,
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> str:
        otype, name = opt["type"], opt["name"]
        if isinstance(value, FakeMember):
            value = value.user
        if isinstance(value, FakeUser) and otype in (6, 9):
            self._resolve_user(value, guild, chan, resolved)
            return str(value.id)
        if isinstance(value, FakeRole) and otype in (8, 9):
            resolved.setdefault("roles", {})[str(value.id)] = value.to_dict()
            return str(value.id)
        if isinstance(value, FakeChannel) and otype == 7:
            types = opt.get("channel_types")
            if types and value.type not in types:
                raise AssertionError(f"option {name!r} only accepts channel types {types}")
            self._resolve_channel(value, guild, member, resolved)
            return str(value.id)
        raise TypeError(f"option {name!r} ({OPTION_TYPE_NAMES[otype]}) got {value!r}")

    def _resolve_user(
        self, user: FakeUser, guild: FakeGuild | None, chan: FakeChannel, resolved: dict[str, dict[str, Any]]
    ) -> None:
        resolved.setdefault("users", {})[str(user.id)] = user.to_dict()
        member = guild.member(user) if guild is not None else None
        if member is not None:
            perms = guild.permissions_for(member, chan) if guild is not None else 0
            resolved.setdefault("members", {})[str(user.id)] = member.to_dict(
                with_user=False, permissions=perms
            )

    @staticmethod
    def _resolve_channel(
        chan: FakeChannel,
        guild: FakeGuild | None,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> None:
        data = chan.to_dict()
        data.pop("permission_overwrites", None)
        data.pop("member", None)
        perms = guild.permissions_for(member, chan) if guild is not None and member is not None else 0
        data["permissions"] = str(perms)
        resolved.setdefault("channels", {})[str(chan.id)] = data

    def _resolve_attachment(self, value: Any, chan: FakeChannel, resolved: dict[str, dict[str, Any]]) -> str:
        if not (isinstance(value, tuple) and len(value) == 2):
            raise TypeError("attachment options take a (filename, bytes) tuple")
        filename, data = value
        world = self.world
        aid = world.ids.next()
        world.files[aid] = (filename, data, "application/octet-stream")
        url = f"{world.base_url}/attachments/{chan.id}/{aid}/{filename}"
        resolved.setdefault("attachments", {})[str(aid)] = {
            "id": str(aid),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "ephemeral": True,
        }
        return str(aid)

    # ================================================================= components
    async def click(
        self, user: FakeUser, message: dict[str, Any] | InteractionReply, custom_id: str
    ) -> InteractionReply:
        """``user`` clicks the enabled button ``custom_id`` of ``message``."""
        chan, msg = self._message(message)
        button = self._find_component(msg, custom_id, (2,))
        if button.get("style") in (5, 6):
            raise AssertionError(f"button {custom_id!r} is a link/premium button: it sends no interaction")
        data = {"custom_id": custom_id, "component_type": 2, "id": button.get("id")}
        return await self._component_interaction(user, chan, msg, data, f"click on {custom_id!r}")

    async def select(
        self,
        user: FakeUser,
        message: dict[str, Any] | InteractionReply,
        custom_id: str,
        values: list[Any],
    ) -> InteractionReply:
        """``user`` picks ``values`` in select menu ``custom_id`` (users/roles/channels for
        entity selects, option values for string selects)."""
        chan, msg = self._message(message)
        comp = self._find_component(msg, custom_id, SELECT_TYPES)
        resolved: dict[str, dict[str, Any]] = {}
        guild = chan.guild
        member = guild.member(user) if guild is not None else None
        picked = self._select_values(comp, values, guild, chan, member, resolved)
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": comp["type"],
            "values": picked,
            "id": comp.get("id"),
        }
        if resolved:
            data["resolved"] = resolved
        return await self._component_interaction(user, chan, msg, data, f"select {custom_id!r}")

    def _select_values(
        self,
        comp: dict[str, Any],
        values: list[Any],
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> list[str]:
        ctype = comp["type"]
        low = comp.get("min_values", 1) if comp.get("min_values") is not None else 1
        high = comp.get("max_values", 1) if comp.get("max_values") is not None else 1
        if not low <= len(values) <= high:
            raise AssertionError(
                f"select {comp.get('custom_id')!r} takes {low}..{high} values, got {len(values)}"
            )
        if ctype == 3:
            options = [o["value"] for o in comp.get("options") or []]
            for v in values:
                if v not in options:
                    raise AssertionError(
                        f"{v!r} is not an option of select {comp['custom_id']!r} ({options})"
                    )
            return [str(v) for v in values]
        out = []
        fake_opt = {
            "type": {5: 6, 6: 8, 7: 9, 8: 7}[ctype],
            "name": comp.get("custom_id"),
            "channel_types": comp.get("channel_types"),
        }
        for v in values:
            out.append(self._resolve_entity(fake_opt, v, guild, chan, member, resolved))
        return out

    @staticmethod
    def _find_component(msg: dict[str, Any], custom_id: str, types: tuple[int, ...]) -> dict[str, Any]:
        found = [c for c in iter_components(msg.get("components") or []) if c.get("custom_id") == custom_id]
        if not found:
            ids = [
                c.get("custom_id") for c in iter_components(msg.get("components") or []) if c.get("custom_id")
            ]
            raise AssertionError(f"message {msg['id']} has no component {custom_id!r} (has {ids})")
        comp = found[0]
        if comp.get("type") not in types:
            raise AssertionError(
                f"component {custom_id!r} has type {comp.get('type')}, expected one of {types}"
            )
        if comp.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled")
        return comp

    async def _component_interaction(
        self, user: FakeUser, chan: FakeChannel, msg: dict[str, Any], data: dict[str, Any], what: str
    ) -> InteractionReply:
        world = self.world
        if int(msg["author"]["id"]) != world.bot_user.id:
            raise AssertionError("only the bot's messages can have interactive components")
        flags = int(msg["flags"])
        if flags & FLAG_EPHEMERAL:
            owner = (msg.get("interaction_metadata") or {}).get("user", {}).get("id")
            if owner != str(user.id):
                raise AssertionError(f"{user.name} cannot see this ephemeral message")
        guild = chan.guild
        if guild is not None:
            member = guild.member(user)
            if member is None or not has(guild.permissions_for(member, chan), int(P.VIEW_CHANNEL)):
                raise AssertionError(f"{user.name} cannot see #{chan.name}")
        elif chan.recipient is not user:
            raise AssertionError(f"{user.name} cannot see this DM")
        mid = int(msg["id"])
        await self._wait_before_component(mid)
        inter = FakeInteraction(
            world, type=MESSAGE_COMPONENT, user=user, guild=guild, channel=chan, source_message_id=mid
        )
        data = {k: v for k, v in data.items() if v is not None}
        return await self._dispatch(inter, data, what, message=world.get_message(mid))

    async def _wait_before_component(self, message_id: int | None, answered_at: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        last = self._last_interaction
        if last is not None and not last.answered.is_set():
            remaining = self.interaction_deadline - (loop.time() - last.created_at)
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(last.answered.wait(), remaining)
        written = answered_at
        if message_id is not None:
            deadline = loop.time() + self.interaction_deadline
            while message_id not in self.world.message_written and loop.time() < deadline:
                changed = self.world.written_changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), max(0.0, deadline - loop.time()))
            written = max(written or 0.0, self.world.message_written.get(message_id, 0.0))
        if written:
            delay = written + self.component_grace - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)

    # ================================================================= modals
    async def submit_modal(
        self, user: FakeUser, reply: InteractionReply, values: dict[str, Any]
    ) -> InteractionReply:
        """``user`` fills in and submits the modal the bot opened in ``reply``. Keys of
        ``values`` are a field's ``custom_id`` or its label; optional fields may be left out."""
        parent = reply.interaction
        modal = parent.modal
        if reply.type != 9 or modal is None:
            raise AssertionError(f"{reply!r} did not open a modal")
        if parent.user is not user:
            raise AssertionError(f"the modal was opened for {parent.user.name}, not {user.name}")
        remaining = dict(values)
        resolved: dict[str, dict[str, Any]] = {}
        guild = parent.guild
        chan = parent.channel
        member = guild.member(user) if guild is not None else None
        components = [
            self._modal_component(c, remaining, guild, chan, member, resolved) for c in modal["components"]
        ]
        if remaining:
            raise AssertionError(f"the modal has no field(s) {sorted(remaining)}")
        data: dict[str, Any] = {"custom_id": modal["custom_id"], "components": components}
        if resolved:
            data["resolved"] = resolved
        source = parent.source_message_id if parent.type == MESSAGE_COMPONENT else None
        await self._wait_before_component(None, answered_at=parent.answered_at)
        inter = FakeInteraction(
            self.world,
            type=MODAL_SUBMIT,
            user=user,
            guild=guild,
            channel=chan,
            locale=parent.locale,
            source_message_id=source,
            parent=parent,
        )
        message = self.world.get_message(source) if source is not None else None
        return await self._dispatch(inter, data, f"submit of modal {modal['title']!r}", message=message)

    def _modal_component(
        self,
        comp: dict[str, Any],
        remaining: dict[str, Any],
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        ctype = comp.get("type")
        if ctype == 1:
            children = [
                self._modal_field(c, c.get("label"), remaining, guild, chan, member, resolved)
                for c in comp.get("components") or []
            ]
            return {"type": 1, "id": comp.get("id"), "components": children}
        if ctype == 18:
            inner = self._modal_field(
                comp["component"], comp.get("label"), remaining, guild, chan, member, resolved
            )
            return {"type": 18, "id": comp.get("id"), "component": inner}
        return {"type": ctype, "id": comp.get("id")}

    def _modal_field(
        self,
        comp: dict[str, Any],
        label: str | None,
        remaining: dict[str, Any],
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        cid = comp.get("custom_id")
        key = cid if cid in remaining else (label if label in remaining else None)
        given = key is not None
        value = remaining.pop(key) if given else None
        ctype = comp.get("type")
        name = label or cid
        required = comp.get("required", True) is not False
        out: dict[str, Any] = {"type": ctype, "id": comp.get("id"), "custom_id": cid}
        if ctype == 4:
            text = value if given else (comp.get("value") or "")
            if not isinstance(text, str):
                raise TypeError(f"text input {name!r} takes a string")
            if required and not text:
                raise AssertionError(f"text input {name!r} is required")
            low, high = comp.get("min_length"), comp.get("max_length")
            if text and ((low is not None and len(text) < low) or (high is not None and len(text) > high)):
                raise AssertionError(f"text input {name!r}: length must be within [{low}, {high}]")
            out["value"] = text
        elif ctype in SELECT_TYPES:
            picked = list(value) if given else []
            if not picked and not required:
                out["values"] = []
            else:
                out["values"] = self._select_values(comp, picked, guild, chan, member, resolved)
        elif ctype == 23:
            out["value"] = bool(value)
        elif ctype == 21:
            if required and value is None:
                raise AssertionError(f"radio group {name!r} is required")
            out["value"] = value
        elif ctype == 22:
            out["values"] = list(value or [])
        else:
            raise AssertionError(f"modal component type {ctype} is not supported by the fake")
        return out

    # ================================================================= dispatch
    def _interaction_payload(
        self, inter: FakeInteraction, data: dict[str, Any], message: dict[str, Any] | None
    ) -> dict[str, Any]:
        world = self.world
        chan = inter.channel
        payload: dict[str, Any] = {
            "id": str(inter.id),
            "application_id": str(world.application_id),
            "type": inter.type,
            "data": data,
            "token": inter.token,
            "version": 1,
            "locale": inter.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(chan.id),
        }
        guild = inter.guild
        if guild is not None:
            member = guild.member(inter.user)
            assert member is not None
            perms = guild.permissions_for(member, chan)
            channel_data = chan.to_dict()
            channel_data.pop("member", None)
            channel_data["permissions"] = str(perms)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {
                        "id": str(guild.id),
                        "locale": guild.preferred_locale,
                        "features": list(guild.features),
                    },
                    "guild_locale": guild.preferred_locale,
                    "channel": channel_data,
                    "member": member.to_dict(permissions=perms),
                    "app_permissions": str(world.bot_permissions(chan)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "channel": chan.to_dict(),
                    "user": inter.user.to_dict(),
                    "app_permissions": str(DM_PERMISSIONS),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        return payload

    async def _dispatch(
        self,
        inter: FakeInteraction,
        data: dict[str, Any],
        what: str,
        *,
        message: dict[str, Any] | None = None,
    ) -> InteractionReply:
        payload = self._interaction_payload(inter, data, message)
        inter.payload = payload
        guild_id = inter.guild.id if inter.guild else None
        if not any(not s.invalid and s.owns_guild(guild_id) for s in self.hub.sessions.values()):
            raise AssertionError(f"interaction failed: no gateway session of the bot receives {what}")
        self._last_interaction = inter
        self.hub.emit("INTERACTION_CREATE", payload, guild_id=guild_id)
        try:
            await asyncio.wait_for(inter.answered.wait(), self.interaction_deadline)
        except TimeoutError:
            raise AssertionError(
                f"interaction failed: no response within {self.interaction_deadline:g} s "
                f"({what} by {inter.user.name})"
            ) from None
        return InteractionReply(self.world, inter)


__all__ = ["DriverMixin"]
