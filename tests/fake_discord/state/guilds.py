"""Guilds, their members and roles: the operations that change them and the events they emit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..models import (
    GUILD_TEXT,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILDS,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
)
from ..permissions import DEFAULT_BOT, DEFAULT_EVERYONE
from ..util import utcnow
from .base import WorldBase


class GuildState(WorldBase):
    """Guilds, members and roles (a part of :class:`World`)."""

    # ----------------------------------------------------------------- guilds
    def add_guild(
        self,
        name: str,
        owner: FakeUser,
        *,
        bot_permissions: int = DEFAULT_BOT,
        everyone_permissions: int = DEFAULT_EVERYONE,
        guild_id: int | None = None,
        with_default_channel: bool = False,
    ) -> FakeGuild:
        """Create a guild with @everyone, the bot (with its managed role) and the owner."""
        guild = FakeGuild(self, guild_id or self.ids.next(), name, owner)
        guild.roles[guild.id] = FakeRole(guild, guild.id, "@everyone", everyone_permissions)
        bot_role = FakeRole(
            guild,
            self.ids.next(),
            self.bot_user.name,
            bot_permissions,
            position=1,
            managed=True,
            tags={"bot_id": str(self.bot_user.id)},
        )
        guild.roles[bot_role.id] = bot_role
        guild.bot_role = bot_role
        guild.members[owner.id] = FakeMember(guild, owner)
        guild.members[self.bot_user.id] = FakeMember(guild, self.bot_user, [bot_role.id])
        self.guilds[guild.id] = guild
        if with_default_channel:
            general = FakeChannel(self, self.ids.next(), GUILD_TEXT, "general", guild)
            guild.channels[general.id] = general
            self.channels[general.id] = general
            guild.system_channel_id = general.id
        self.emit("GUILD_CREATE", None, guild_id=guild.id, intent=INTENT_GUILDS, guild_create=guild)
        return guild

    def remove_guild(self, guild: FakeGuild) -> None:
        """The bot is removed from the guild (GUILD_DELETE without ``unavailable``)."""
        if not guild.bot_present:
            return
        guild.bot_present = False
        self.emit("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id, intent=INTENT_GUILDS)

    def rejoin_guild(self, guild: FakeGuild) -> None:
        """The bot is added back to a guild it was removed from (GUILD_CREATE)."""
        if guild.bot_present:
            return
        guild.bot_present = True
        guild.bot_member.joined_at = utcnow()
        self.emit("GUILD_CREATE", None, guild_id=guild.id, intent=INTENT_GUILDS, guild_create=guild)

    # ----------------------------------------------------------------- members
    def add_member(
        self,
        guild: FakeGuild,
        user: FakeUser,
        *,
        roles: Iterable[FakeRole | int] = (),
        nick: str | None = None,
    ) -> FakeMember:
        role_ids = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        for rid in role_ids:
            if rid not in guild.roles:
                raise ValueError(f"role {rid} is not in guild {guild.name}")
        member = FakeMember(guild, user, [r for r in role_ids if r != guild.id], nick)
        guild.members[user.id] = member
        self.emit(
            "GUILD_MEMBER_ADD",
            {**member.to_dict(), "guild_id": str(guild.id)},
            guild_id=guild.id,
            intent=INTENT_GUILD_MEMBERS,
        )
        return member

    def remove_member(self, guild: FakeGuild, user: FakeUser | FakeMember) -> None:
        u = user.user if isinstance(user, FakeMember) else user
        if guild.members.pop(u.id, None) is None:
            return
        for chan in guild.channels.values():
            chan.thread_members.pop(u.id, None)
        self.emit(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild.id), "user": u.to_dict()},
            guild_id=guild.id,
            intent=INTENT_GUILD_MEMBERS,
        )

    def update_member(self, guild: FakeGuild, user: FakeUser | FakeMember, **changes: Any) -> FakeMember:
        member = guild.member(user.user if isinstance(user, FakeMember) else user)
        if member is None:
            raise ValueError(f"{user!r} is not a member of {guild.name}")
        if "roles" in changes:
            member.role_ids = [
                r.id if isinstance(r, FakeRole) else int(r)
                for r in changes.pop("roles")
                if int(getattr(r, "id", r)) != guild.id
            ]
        if "nick" in changes:
            member.nick = changes.pop("nick")
        if "timeout_until" in changes:
            member.communication_disabled_until = changes.pop("timeout_until")
        if "communication_disabled_until" in changes:
            member.communication_disabled_until = changes.pop("communication_disabled_until")
        if changes:
            raise TypeError(f"unknown member fields: {sorted(changes)}")
        self.emit_member_update(guild, member)
        return member

    def emit_member_update(self, guild: FakeGuild, member: FakeMember) -> None:
        """GUILD_MEMBER_UPDATE (members intent)."""
        self.emit(
            "GUILD_MEMBER_UPDATE",
            {**member.to_dict(), "guild_id": str(guild.id)},
            guild_id=guild.id,
            intent=INTENT_GUILD_MEMBERS,
        )

    # ----------------------------------------------------------------- roles
    def create_role(
        self,
        guild: FakeGuild,
        name: str,
        permissions: int = 0,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        position: int | None = None,
    ) -> FakeRole:
        pos = 1 if position is None else max(1, int(position))
        shifted = []
        for role in guild.roles.values():
            if role.id != guild.id and role.position >= pos:
                role.position += 1
                shifted.append(role)
        role = FakeRole(
            guild,
            self.ids.next(),
            name,
            permissions,
            position=pos,
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        self.emit(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.to_dict()},
            guild_id=guild.id,
            intent=INTENT_GUILDS,
        )
        for other in shifted:
            self.emit_role_update(other)
        return role

    def emit_role_update(self, role: FakeRole) -> None:
        """GUILD_ROLE_UPDATE."""
        guild = role.guild
        self.emit(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(guild.id), "role": role.to_dict()},
            guild_id=guild.id,
            intent=INTENT_GUILDS,
        )

    def delete_role(self, role: FakeRole) -> None:
        """Remove a role from the guild and its members (GUILD_ROLE_DELETE)."""
        guild = role.guild
        guild.roles.pop(role.id, None)
        for member in guild.members.values():
            if role.id in member.role_ids:
                member.role_ids.remove(role.id)
        self.emit(
            "GUILD_ROLE_DELETE",
            {"guild_id": str(guild.id), "role_id": str(role.id)},
            guild_id=guild.id,
            intent=INTENT_GUILDS,
        )
