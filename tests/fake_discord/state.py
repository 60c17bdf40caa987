"""The world: everything the fake knows, and the operations that change it.

:class:`World` holds users, guilds, channels, messages, interactions and application commands.
Its operations (used by the public helpers and by the REST routes) mutate the model and emit
the gateway events Discord would send through ``World.emit``, which the gateway hub routes to
the right session(s).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .models import (
    ANNOUNCEMENT_THREAD,
    DM,
    FLAG_EPHEMERAL,
    FLAG_HAS_THREAD,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_STAGE_VOICE,
    GUILD_TEXT,
    GUILD_VOICE,
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGE_TYPING,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGE_TYPING,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_MODERATION,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    PRIVATE_THREAD,
    PRIVILEGED_INTENTS,
    PUBLIC_THREAD,
    TEXT_LIKE,
    THREAD_TYPES,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    overwrite,
)
from .permissions import DEFAULT_BOT, DEFAULT_EVERYONE, P, channel_permissions
from .util import SnowflakeGenerator, iso, snowflake_time, utcnow

if TYPE_CHECKING:
    from .interactions import FakeInteraction

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
_CHANNEL_MENTION = re.compile(r"<#(\d{15,21})>")

EmitFn = Callable[..., None]


class World:
    """Everything the fake knows, plus the operations that change it and emit events.

    ``emit(event, data, guild_id=None, intent=None, content_gated=False)`` is provided by the
    gateway hub; ``guild_id`` routes the event to the shard owning the guild (DMs go to shard 0).
    """

    def __init__(self, *, bot_name: str = "TestBot", nonce_memory: float = 300.0) -> None:
        #: Discord keeps message nonces for a few minutes (seconds).
        self.nonce_memory = nonce_memory
        self.ids = SnowflakeGenerator()
        self.emit: EmitFn = lambda *a, **k: None
        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.dm_channels: dict[int, FakeChannel] = {}
        #: every message ever created (including ephemeral ones): id -> channel id
        self.message_channel: dict[int, int] = {}
        #: ephemeral messages (never in channel history): id -> payload
        self.ephemeral: dict[int, dict[str, Any]] = {}
        #: loop time at which the answer that created/edited a message was written
        self.message_written: dict[int, float] = {}
        self.written_changed = asyncio.Event()
        self.files: dict[int, tuple[str, bytes, str]] = {}
        self.nonces: dict[tuple[int, int, str], tuple[float, int]] = {}
        self.reactions: dict[int, dict[str, list[int]]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.interactions_by_token: dict[str, FakeInteraction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.application_id = self.ids.next()
        self.bot_user = self._new_user(bot_name, bot=True, user_id=self.application_id)
        self.app_owner = self._new_user("app-owner")
        self.base_url = "http://127.0.0.1:0"
        #: what "now" is for time rules that tests may need to move (scheduled events)
        self.clock: Callable[[], dt.datetime] = utcnow

    # ----------------------------------------------------------------- users
    def _new_user(
        self, name: str, *, global_name: str | None = None, bot: bool = False, user_id: int | None = None
    ) -> FakeUser:
        user = FakeUser(self, user_id or self.ids.next(), name, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_user(self, name: str, *, global_name: str | None = None, bot: bool = False) -> FakeUser:
        """Create a user (no event: users only matter through guilds and DMs)."""
        return self._new_user(name, global_name=global_name, bot=bot)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The (stable) DM channel between the bot and ``user``."""
        chan = self.dm_channels.get(user.id)
        if chan is None:
            chan = FakeChannel(self, self.ids.next(), DM, None)
            chan.recipient = user
            self.dm_channels[user.id] = chan
            self.channels[chan.id] = chan
        return chan

    def shares_guild_with_bot(self, user: FakeUser) -> bool:
        """Whether the user is in a guild the bot is in (Discord requires it for DMs)."""
        return any(g.bot_present and user.id in g.members for g in self.guilds.values())

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

    # ----------------------------------------------------------------- channels
    def create_channel(
        self,
        guild: FakeGuild,
        name: str,
        channel_type: int,
        *,
        parent: FakeChannel | None = None,
        overwrites: list[dict[str, Any]] | None = None,
        topic: str | None = None,
        position: int | None = None,
        nsfw: bool = False,
        rate_limit_per_user: int = 0,
    ) -> FakeChannel:
        chan = FakeChannel(self, self.ids.next(), channel_type, name, guild)
        chan.topic = topic
        chan.nsfw = nsfw
        chan.rate_limit_per_user = rate_limit_per_user
        if parent is not None:
            chan.parent_id = parent.id
        if overwrites is not None:
            chan.permission_overwrites = normalize_overwrites(overwrites)
        elif parent is not None:
            chan.permission_overwrites = copy.deepcopy(parent.permission_overwrites)
        if position is None:
            same_kind = [c.position for c in guild.channels.values() if not c.is_thread and not c.deleted]
            position = max(same_kind, default=-1) + 1
        chan.position = position
        guild.channels[chan.id] = chan
        self.channels[chan.id] = chan
        self.emit("CHANNEL_CREATE", chan.to_dict(), guild_id=guild.id, intent=INTENT_GUILDS)
        return chan

    def emit_channel_update(self, chan: FakeChannel) -> None:
        """CHANNEL_UPDATE or THREAD_UPDATE."""
        assert chan.guild is not None
        if chan.is_thread:
            if self.bot_can_view(chan):
                self.emit("THREAD_UPDATE", chan.to_dict(), guild_id=chan.guild.id, intent=INTENT_GUILDS)
        else:
            self.emit("CHANNEL_UPDATE", chan.to_dict(), guild_id=chan.guild.id, intent=INTENT_GUILDS)

    def delete_channel(self, chan: FakeChannel) -> None:
        """Delete a channel (and its threads): CHANNEL_DELETE / THREAD_DELETE."""
        if chan.deleted:
            return
        visible = chan.guild is None or not chan.is_thread or self.bot_can_view(chan)
        chan.deleted = True
        if chan.guild is None:
            return
        if chan.is_thread:
            if visible:
                self.emit(
                    "THREAD_DELETE",
                    {
                        "id": str(chan.id),
                        "guild_id": str(chan.guild.id),
                        "parent_id": str(chan.parent_id),
                        "type": chan.type,
                    },
                    guild_id=chan.guild.id,
                    intent=INTENT_GUILDS,
                )
            return
        for thread in [c for c in chan.guild.channels.values() if c.parent_id == chan.id and c.is_thread]:
            thread.deleted = True
        for child in chan.guild.channels.values():
            if child.parent_id == chan.id and not child.is_thread and not child.deleted:
                child.parent_id = None
                self.emit_channel_update(child)
        self.emit("CHANNEL_DELETE", chan.to_dict(), guild_id=chan.guild.id, intent=INTENT_GUILDS)

    # ----------------------------------------------------------------- threads
    def create_thread(
        self,
        parent: FakeChannel,
        name: str,
        *,
        owner: FakeUser,
        type: int = PUBLIC_THREAD,
        thread_id: int | None = None,
        auto_archive_duration: int | None = None,
        rate_limit_per_user: int = 0,
        invitable: bool = True,
        members: Iterable[FakeUser] = (),
    ) -> FakeChannel:
        guild = parent.guild
        assert guild is not None
        thread = FakeChannel(self, thread_id or self.ids.next(), type, name, guild)
        thread.parent_id = parent.id
        thread.owner_id = owner.id
        thread.auto_archive_duration = auto_archive_duration or parent.default_auto_archive_duration
        thread.rate_limit_per_user = rate_limit_per_user
        thread.invitable = invitable
        thread.create_timestamp = utcnow()
        thread.archive_timestamp = thread.create_timestamp
        thread.thread_members[owner.id] = utcnow()
        for user in members:
            thread.thread_members.setdefault(user.id, utcnow())
        guild.channels[thread.id] = thread
        self.channels[thread.id] = thread
        if self.bot_can_view(thread):
            self.emit(
                "THREAD_CREATE",
                {**thread.to_dict(), "newly_created": True},
                guild_id=guild.id,
                intent=INTENT_GUILDS,
            )
        return thread

    def add_thread_member(self, thread: FakeChannel, user: FakeUser) -> None:
        """Add a user to a thread (THREAD_MEMBERS_UPDATE; THREAD_CREATE when it is the bot)."""
        assert thread.guild is not None
        if user.id in thread.thread_members:
            return
        was_visible = self.bot_can_view(thread)
        thread.thread_members[user.id] = utcnow()
        member = thread.guild.member(user)
        added = thread.thread_member_dict(user.id)
        if member is not None:
            added["member"] = member.to_dict()
        is_bot = user.id == self.bot_user.id
        if is_bot and not was_visible:
            self.emit("THREAD_CREATE", thread.to_dict(), guild_id=thread.guild.id, intent=INTENT_GUILDS)
        payload = {
            "id": str(thread.id),
            "guild_id": str(thread.guild.id),
            "member_count": min(len(thread.thread_members), 50),
            "added_members": [added],
        }
        self.emit(
            "THREAD_MEMBERS_UPDATE",
            payload,
            guild_id=thread.guild.id,
            intent=INTENT_GUILDS if is_bot else INTENT_GUILD_MEMBERS,
        )

    def remove_thread_member(self, thread: FakeChannel, user: FakeUser) -> None:
        """Remove a user from a thread (THREAD_MEMBERS_UPDATE)."""
        assert thread.guild is not None
        if thread.thread_members.pop(user.id, None) is None:
            return
        is_bot = user.id == self.bot_user.id
        payload = {
            "id": str(thread.id),
            "guild_id": str(thread.guild.id),
            "member_count": min(len(thread.thread_members), 50),
            "removed_member_ids": [str(user.id)],
        }
        self.emit(
            "THREAD_MEMBERS_UPDATE",
            payload,
            guild_id=thread.guild.id,
            intent=INTENT_GUILDS if is_bot else INTENT_GUILD_MEMBERS,
        )

    # ----------------------------------------------------------------- permissions
    def bot_permissions(self, chan: FakeChannel) -> int:
        """The bot's effective permissions in a guild channel or thread."""
        assert chan.guild is not None
        return channel_permissions(chan, chan.guild.bot_member)

    def bot_can_view(self, chan: FakeChannel) -> bool:
        """Whether the bot may see a channel (private threads need membership or MANAGE_THREADS)."""
        if chan.guild is None:
            return True
        return bool(self.bot_permissions(chan) & P.VIEW_CHANNEL)

    # ----------------------------------------------------------------- messages
    def get_message(self, message_id: int) -> dict[str, Any] | None:
        """The current payload of any message (channel history or ephemeral)."""
        if message_id in self.ephemeral:
            return self.ephemeral[message_id]
        chan_id = self.message_channel.get(message_id)
        if chan_id is None:
            return None
        chan = self.channels.get(chan_id)
        if chan is None:
            return None
        return chan.messages.get(message_id)

    def build_message(
        self,
        chan: FakeChannel,
        author: FakeUser,
        *,
        content: str | None = "",
        embeds: list[dict[str, Any]] | None = None,
        components: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        flags: int = 0,
        nonce: str | int | None = None,
        allowed_mentions: dict[str, Any] | None = None,
        reference: dict[str, Any] | None = None,
        tts: bool = False,
        message_type: int = 0,
        webhook_id: int | None = None,
        interaction: FakeInteraction | None = None,
        poll: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Build a MessageResponse payload (not stored)."""
        message_id = self.ids.next()
        content = content or ""
        mentions, mention_roles, mention_everyone = self._mentions(
            chan, author, content, allowed_mentions, reference
        )
        data: dict[str, Any] = {
            "type": message_type,
            "content": content,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": attachments or [],
            "embeds": [normalize_embed(e) for e in (embeds or [])],
            "timestamp": iso(snowflake_time(message_id)),
            "edited_timestamp": None,
            "flags": flags,
            "components": number_components(copy.deepcopy(components or [])),
            "id": str(message_id),
            "channel_id": str(chan.id),
            "author": author.to_dict(),
            "pinned": False,
            "mention_everyone": mention_everyone,
            "tts": bool(tts),
        }
        if nonce is not None:
            data["nonce"] = nonce
        if webhook_id is not None:
            data["webhook_id"] = str(webhook_id)
        if interaction is not None:
            data["application_id"] = str(self.application_id)
            data["interaction_metadata"] = interaction.metadata()
            if interaction.type == 2:
                data["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": interaction.command_name,
                    "user": interaction.user.to_dict(),
                }
        if reference is not None:
            ref_msg = reference.get("_message")
            data["message_reference"] = {
                "type": 0,
                "channel_id": str(reference.get("channel_id") or chan.id),
                "message_id": str(reference["message_id"]),
            }
            if chan.guild is not None:
                data["message_reference"]["guild_id"] = str(chan.guild.id)
            if ref_msg is not None:
                data["referenced_message"] = {k: v for k, v in ref_msg.items() if k != "referenced_message"}
            if message_type == 0:
                data["type"] = 19
        if poll is not None:
            data["poll"] = poll
        if chan.is_thread:
            data["position"] = chan.total_message_sent
        return data

    def _mentions(
        self,
        chan: FakeChannel,
        author: FakeUser,
        content: str,
        allowed: dict[str, Any] | None,
        reference: dict[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
        users: list[dict[str, Any]] = []
        seen: set[int] = set()
        for match in _USER_MENTION.finditer(content):
            uid = int(match.group(1))
            if uid in seen or uid not in self.users:
                continue
            if "users" in parse or uid in allowed_users:
                seen.add(uid)
                users.append(self.users[uid].to_dict())
        if reference is not None and reference.get("_message") is not None:
            replied = int(reference["_message"]["author"]["id"])
            wants = True if allowed is None else bool(allowed.get("replied_user", False))
            if wants and replied not in seen and replied in self.users:
                users.append(self.users[replied].to_dict())
        roles: list[str] = []
        if chan.guild is not None:
            for match in _ROLE_MENTION.finditer(content):
                rid = int(match.group(1))
                if (
                    rid in chan.guild.roles
                    and ("roles" in parse or rid in allowed_roles)
                    and str(rid) not in roles
                ):
                    roles.append(str(rid))
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        return users, roles, everyone

    def store_message(
        self, chan: FakeChannel, data: dict[str, Any], *, ephemeral: bool = False
    ) -> dict[str, Any]:
        """Store a built message and emit MESSAGE_CREATE (not for ephemeral ones)."""
        message_id = int(data["id"])
        self.message_channel[message_id] = chan.id
        if ephemeral:
            self.ephemeral[message_id] = data
            return data
        chan.messages[message_id] = data
        chan.last_message_id = message_id
        if chan.is_thread:
            chan.message_count += 1
            chan.total_message_sent += 1
        self.emit_message("MESSAGE_CREATE", chan, data)
        return data

    def emit_message(self, event: str, chan: FakeChannel, data: dict[str, Any]) -> None:
        """MESSAGE_CREATE / MESSAGE_UPDATE with ``guild_id`` and the author's ``member``."""
        payload = copy.deepcopy(data)
        author_id = int(data["author"]["id"])
        if chan.guild is None:
            self.emit(event, payload, guild_id=None, intent=INTENT_DIRECT_MESSAGES)
            return
        if not self.bot_can_view(chan):
            return
        payload["guild_id"] = str(chan.guild.id)
        member = chan.guild.member(author_id)
        if member is not None and "webhook_id" not in data:
            payload["member"] = member.to_dict(with_user=False)
        mentioned = any(int(u["id"]) == self.bot_user.id for u in data["mentions"])
        gated = author_id != self.bot_user.id and not mentioned
        self.emit(event, payload, guild_id=chan.guild.id, intent=INTENT_GUILD_MESSAGES, content_gated=gated)

    def edit_message(
        self, chan: FakeChannel, data: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply edits (content, embeds, components, attachments, flags) and emit MESSAGE_UPDATE."""
        if "content" in changes:
            data["content"] = changes["content"] or ""
            author = self.users.get(int(data["author"]["id"]), self.bot_user)
            mentions, roles, everyone = self._mentions(
                chan, author, data["content"], changes.get("allowed_mentions"), None
            )
            data["mentions"], data["mention_roles"], data["mention_everyone"] = mentions, roles, everyone
        if "embeds" in changes:
            data["embeds"] = [normalize_embed(e) for e in changes["embeds"] or []]
        if "components" in changes:
            data["components"] = number_components(copy.deepcopy(changes["components"] or []))
        if "attachments" in changes:
            data["attachments"] = changes["attachments"]
        if "flags" in changes:
            data["flags"] = changes["flags"]
        if "poll" in changes:
            data["poll"] = changes["poll"]
        data["edited_timestamp"] = iso(utcnow())
        message_id = int(data["id"])
        if message_id not in self.ephemeral:
            self.emit_message("MESSAGE_UPDATE", chan, data)
        return data

    def delete_message(self, chan: FakeChannel, message_id: int) -> None:
        """Delete a message (MESSAGE_DELETE)."""
        if self.ephemeral.pop(message_id, None) is not None:
            return
        if chan.messages.pop(message_id, None) is None:
            return
        chan.pins.pop(message_id, None)
        if chan.is_thread:
            chan.message_count = max(0, chan.message_count - 1)
        payload: dict[str, Any] = {"id": str(message_id), "channel_id": str(chan.id)}
        if chan.guild is not None:
            if not self.bot_can_view(chan):
                return
            payload["guild_id"] = str(chan.guild.id)
            self.emit("MESSAGE_DELETE", payload, guild_id=chan.guild.id, intent=INTENT_GUILD_MESSAGES)
        else:
            self.emit("MESSAGE_DELETE", payload, guild_id=None, intent=INTENT_DIRECT_MESSAGES)

    def note_written(self, message_id: int) -> None:
        """Record that the answer carrying this message reached the bot (see the driver)."""
        self.message_written[message_id] = asyncio.get_running_loop().time()
        self.written_changed.set()
        self.written_changed = asyncio.Event()

    def check_nonce(self, chan: FakeChannel, author: FakeUser, nonce: str | int) -> dict[str, Any] | None:
        """Return the message already created with this nonce in the last few minutes."""
        key = (chan.id, author.id, str(nonce))
        hit = self.nonces.get(key)
        if hit is None:
            return None
        created, message_id = hit
        if time.monotonic() - created > self.nonce_memory:
            return None
        return chan.messages.get(message_id)

    def remember_nonce(self, chan: FakeChannel, author: FakeUser, nonce: str | int, message_id: int) -> None:
        """Remember a nonce for :meth:`check_nonce`."""
        self.nonces[(chan.id, author.id, str(nonce))] = (time.monotonic(), message_id)


def normalize_overwrites(overwrites: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overwrites in Discord's response shape: ids and permission bits as strings, type 0/1."""
    out = []
    for ow in overwrites:
        ow_type = ow.get("type", 0)
        if ow_type in ("role", "member"):
            ow_type = 0 if ow_type == "role" else 1
        out.append(
            {
                "id": str(int(ow["id"])),
                "type": int(ow_type),
                "allow": str(int(ow.get("allow") or 0)),
                "deny": str(int(ow.get("deny") or 0)),
            }
        )
    return out


def normalize_embed(embed: dict[str, Any]) -> dict[str, Any]:
    """An embed as Discord stores it (``type: rich``, no nulls)."""
    out = {k: v for k, v in embed.items() if v is not None}
    out.setdefault("type", "rich")
    if "timestamp" in out:
        from .util import parse_iso

        out["timestamp"] = iso(parse_iso(out["timestamp"]))
    if "fields" in out:
        out["fields"] = [{"inline": False, **f} for f in out["fields"]]
    return out


def number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every component a numeric ``id`` (Discord does), depth first from 1."""
    counter = [0]

    def walk(items: list[dict[str, Any]]) -> None:
        for comp in items:
            counter[0] = max(counter[0], int(comp.get("id") or 0))
        for comp in items:
            if not comp.get("id"):
                counter[0] += 1
                comp["id"] = counter[0]
            if comp.get("components"):
                walk(comp["components"])
            if isinstance(comp.get("accessory"), dict):
                walk([comp["accessory"]])
            if isinstance(comp.get("component"), dict):
                walk([comp["component"]])

    walk(components)
    return components


def iter_components(components: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every component in a tree (rows, containers, sections, labels)."""
    for comp in components:
        yield comp
        if comp.get("components"):
            yield from iter_components(comp["components"])
        if isinstance(comp.get("accessory"), dict):
            yield from iter_components([comp["accessory"]])
        if isinstance(comp.get("component"), dict):
            yield from iter_components([comp["component"]])


__all__ = [
    "ANNOUNCEMENT_THREAD",
    "DM",
    "FLAG_EPHEMERAL",
    "FLAG_HAS_THREAD",
    "FLAG_IS_COMPONENTS_V2",
    "FLAG_LOADING",
    "FLAG_SUPPRESS_EMBEDS",
    "FLAG_SUPPRESS_NOTIFICATIONS",
    "GUILD_ANNOUNCEMENT",
    "GUILD_CATEGORY",
    "GUILD_FORUM",
    "GUILD_STAGE_VOICE",
    "GUILD_TEXT",
    "GUILD_VOICE",
    "INTENT_DIRECT_MESSAGES",
    "INTENT_DIRECT_MESSAGE_REACTIONS",
    "INTENT_DIRECT_MESSAGE_TYPING",
    "INTENT_GUILDS",
    "INTENT_GUILD_MEMBERS",
    "INTENT_GUILD_MESSAGES",
    "INTENT_GUILD_MESSAGE_REACTIONS",
    "INTENT_GUILD_MESSAGE_TYPING",
    "INTENT_GUILD_MODERATION",
    "INTENT_GUILD_PRESENCES",
    "INTENT_MESSAGE_CONTENT",
    "PRIVATE_THREAD",
    "PRIVILEGED_INTENTS",
    "PUBLIC_THREAD",
    "TEXT_LIKE",
    "THREAD_TYPES",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "World",
    "iter_components",
    "normalize_embed",
    "normalize_overwrites",
    "number_components",
    "overwrite",
]
