"""What every kind of user action shares: the target message, resolved objects, the dispatch.

The driver waits for the bot's callback for at most ``interaction_deadline`` (3 s, Discord's
limit) and raises ``AssertionError("interaction failed: ...")`` otherwise: what the user would
see as "This interaction failed".
"""

from __future__ import annotations

import asyncio
import copy
from typing import TYPE_CHECKING, Any

from ..interactions import FakeInteraction, InteractionReply
from ..permissions import DM_PERMISSIONS
from ..state import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, World

if TYPE_CHECKING:
    from ..gateway import GatewayHub

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


class DriverBase:
    """The state the actions rely on, and the helpers they share."""

    world: World
    hub: GatewayHub
    interaction_deadline: float
    component_grace: float
    _last_interaction: FakeInteraction | None

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
