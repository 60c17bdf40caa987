"""Users, roles and guild members, rendering Discord's payloads with ``to_dict()``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..util import iso, utcnow

if TYPE_CHECKING:
    from ..state import World
    from .guilds import FakeGuild


class FakeUser:
    """A Discord user (a person or the bot)."""

    def __init__(
        self, world: World, user_id: int, name: str, *, global_name: str | None = None, bot: bool = False
    ) -> None:
        self._world = world
        self.id = user_id
        self.name = name
        self.global_name = global_name
        self.bot = bot
        self.avatar: str | None = None
        self.dms_open = True

    @property
    def mention(self) -> str:
        """``<@id>``, to put in message content."""
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        """UserResponse payload."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "avatar": self.avatar,
            "discriminator": "0",
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "global_name": self.global_name,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def __repr__(self) -> str:
        return f"<FakeUser id={self.id} name={self.name!r}>"


class FakeRole:
    """A guild role; the @everyone role has the guild's id and position 0."""

    def __init__(
        self,
        guild: FakeGuild,
        role_id: int,
        name: str,
        permissions: int,
        *,
        position: int = 0,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        managed: bool = False,
        tags: dict[str, Any] | None = None,
    ) -> None:
        self.guild = guild
        self.id = role_id
        self.name = name
        self.permissions = int(permissions)
        self.position = position
        self.color = color
        self.hoist = hoist
        self.mentionable = mentionable
        self.managed = managed
        self.tags = tags

    @property
    def mention(self) -> str:
        """``<@&id>``."""
        return f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        """GuildRoleResponse payload."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.tags is not None:
            data["tags"] = self.tags
        return data

    def __repr__(self) -> str:
        return f"<FakeRole id={self.id} name={self.name!r} position={self.position}>"


class FakeMember:
    """A user's membership of a guild."""

    def __init__(
        self, guild: FakeGuild, user: FakeUser, role_ids: Iterable[int] = (), nick: str | None = None
    ) -> None:
        self.guild = guild
        self.user = user
        self.role_ids: list[int] = list(role_ids)
        self.nick = nick
        self.joined_at = utcnow()
        self.communication_disabled_until: dt.datetime | None = None
        self.pending = False
        self.flags = 0
        self.mute = False
        self.deaf = False

    @property
    def id(self) -> int:
        """The user's id."""
        return self.user.id

    @property
    def name(self) -> str:
        """The username."""
        return self.user.name

    def to_dict(self, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
        """GuildMemberResponse payload (``permissions`` added for interaction payloads)."""
        data: dict[str, Any] = {
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "communication_disabled_until": iso(self.communication_disabled_until),
            "flags": self.flags,
            "joined_at": iso(self.joined_at),
            "nick": self.nick,
            "pending": self.pending,
            "premium_since": None,
            "roles": [str(r) for r in self.role_ids],
            "collectibles": None,
            "mute": self.mute,
            "deaf": self.deaf,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def __repr__(self) -> str:
        return f"<FakeMember user={self.user.name!r} guild={self.guild.name!r}>"
