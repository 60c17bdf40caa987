"""World objects: users, roles, members, channels (text, voice, category, forum, threads,
DMs) and guilds, with Discord's constants.

Objects keep Python values (``int`` ids, datetimes) and render Discord's payloads with
``to_dict()``. The helpers on :class:`FakeGuild` (``add_role``, ``add_text_channel`` ...)
delegate to :class:`~tests.fake_discord.state.World`, which emits the gateway events.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .permissions import base_permissions, channel_permissions
from .util import iso, utcnow

if TYPE_CHECKING:
    from .scheduled_events import FakeScheduledEvent
    from .state import World

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types)
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_STAGE_VOICE = 13
GUILD_FORUM = 15
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
TEXT_LIKE = (GUILD_TEXT, GUILD_ANNOUNCEMENT, *THREAD_TYPES, GUILD_VOICE, GUILD_STAGE_VOICE)

# Gateway intents (https://discord.com/developers/docs/events/gateway#list-of-intents)
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MODERATION = 1 << 2
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_GUILD_MESSAGE_TYPING = 1 << 11
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_DIRECT_MESSAGE_TYPING = 1 << 14
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Message flags
FLAG_HAS_THREAD = 1 << 5
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15


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


class FakeChannel:
    """A guild channel (text, voice, category, forum), a thread, or a DM channel."""

    def __init__(
        self,
        world: World,
        channel_id: int,
        channel_type: int,
        name: str | None,
        guild: FakeGuild | None = None,
    ) -> None:
        self._world = world
        self.id = channel_id
        self.type = channel_type
        self.name = name or ""
        self.guild = guild
        self.position = 0
        self.parent_id: int | None = None
        self.topic: str | None = None
        self.nsfw = False
        self.rate_limit_per_user = 0
        self.permission_overwrites: list[dict[str, Any]] = []
        self.flags = 0
        self.last_message_id: int | None = None
        self.last_pin_timestamp: dt.datetime | None = None
        self.messages: dict[int, dict[str, Any]] = {}
        self.pins: dict[int, dt.datetime] = {}
        self.deleted = False
        self.bitrate = 64000
        self.user_limit = 0
        self.default_auto_archive_duration = 4320
        # threads
        self.owner_id: int | None = None
        self.archived = False
        self.locked = False
        self.invitable = True
        self.auto_archive_duration = 4320
        self.archive_timestamp = utcnow()
        self.create_timestamp: dt.datetime | None = None
        self.thread_members: dict[int, dt.datetime] = {}
        self.message_count = 0
        self.total_message_sent = 0
        # DMs
        self.recipient: FakeUser | None = None

    @property
    def is_thread(self) -> bool:
        """True for public, private and announcement threads."""
        return self.type in THREAD_TYPES

    @property
    def guild_id(self) -> int | None:
        """The guild's id, or None for a DM."""
        return self.guild.id if self.guild is not None else None

    @property
    def mention(self) -> str:
        """``<#id>``."""
        return f"<#{self.id}>"

    def thread_metadata(self) -> dict[str, Any]:
        """ThreadMetadataResponse payload."""
        data: dict[str, Any] = {
            "archived": self.archived,
            "archive_timestamp": iso(self.archive_timestamp),
            "auto_archive_duration": self.auto_archive_duration,
            "locked": self.locked,
            "create_timestamp": iso(self.create_timestamp),
        }
        if self.type == PRIVATE_THREAD:
            data["invitable"] = self.invitable
        return data

    def thread_member_dict(self, user_id: int) -> dict[str, Any]:
        """ThreadMemberResponse payload for one member."""
        return {
            "id": str(self.id),
            "user_id": str(user_id),
            "join_timestamp": iso(self.thread_members[user_id]),
            "flags": 1 if user_id == self._world.bot_user.id else 0,
        }

    def to_dict(self) -> dict[str, Any]:
        """Channel payload in Discord's shape for this channel type."""
        if self.type == DM:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": _opt_str(self.last_message_id),
                "flags": 0,
                "last_pin_timestamp": iso(self.last_pin_timestamp),
                "recipients": [self.recipient.to_dict()],
            }
        assert self.guild is not None
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "parent_id": _opt_str(self.parent_id),
            "flags": self.flags,
        }
        if self.is_thread:
            data.update(
                {
                    "last_message_id": _opt_str(self.last_message_id),
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "owner_id": str(self.owner_id),
                    "thread_metadata": self.thread_metadata(),
                    "message_count": self.message_count,
                    "member_count": min(len(self.thread_members), 50),
                    "total_message_sent": self.total_message_sent,
                }
            )
            if self._world.bot_user.id in self.thread_members:
                data["member"] = {
                    "id": str(self.id),
                    "user_id": str(self._world.bot_user.id),
                    "join_timestamp": iso(self.thread_members[self._world.bot_user.id]),
                    "flags": 1,
                }
            return data
        data["position"] = self.position
        data["permission_overwrites"] = copy.deepcopy(self.permission_overwrites)
        if self.type != GUILD_CATEGORY:
            data["nsfw"] = self.nsfw
        if self.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM):
            data.update(
                {
                    "topic": self.topic,
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "last_message_id": _opt_str(self.last_message_id),
                    "last_pin_timestamp": iso(self.last_pin_timestamp),
                    "default_auto_archive_duration": self.default_auto_archive_duration,
                    "default_thread_rate_limit_per_user": 0,
                }
            )
        if self.type == GUILD_FORUM:
            data.update(
                {
                    "available_tags": [],
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                }
            )
        if self.type in (GUILD_VOICE, GUILD_STAGE_VOICE):
            data.update(
                {
                    "bitrate": self.bitrate,
                    "user_limit": self.user_limit,
                    "rtc_region": None,
                    "video_quality_mode": 1,
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "last_message_id": _opt_str(self.last_message_id),
                }
            )
        return data

    def __repr__(self) -> str:
        return f"<FakeChannel id={self.id} type={self.type} name={self.name!r}>"


class FakeGuild:
    """A guild (server) the bot is a member of."""

    def __init__(self, world: World, guild_id: int, name: str, owner: FakeUser) -> None:
        self._world = world
        self.id = guild_id
        self.name = name
        self.owner_id = owner.id
        self.roles: dict[int, FakeRole] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.members: dict[int, FakeMember] = {}
        self.bot_present = True
        self.preferred_locale = "en-US"
        self.features: list[str] = []
        self.joined_at = utcnow()
        self.system_channel_id: int | None = None
        self.bot_role: FakeRole | None = None
        #: guild scheduled events by id (see :mod:`tests.fake_discord.scheduled_events`)
        self.scheduled_events: dict[int, FakeScheduledEvent] = {}

    # ----------------------------------------------------------------- lookups
    @property
    def everyone_role(self) -> FakeRole:
        """The @everyone role (same id as the guild)."""
        return self.roles[self.id]

    @property
    def bot_member(self) -> FakeMember:
        """The bot's member object."""
        return self.members[self._world.bot_user.id]

    @property
    def text_channels(self) -> list[FakeChannel]:
        """Text channels sorted by position."""
        chans = [c for c in self.channels.values() if c.type == GUILD_TEXT and not c.deleted]
        return sorted(chans, key=lambda c: (c.position, c.id))

    @property
    def threads(self) -> list[FakeChannel]:
        """All threads (active and archived)."""
        return [c for c in self.channels.values() if c.is_thread and not c.deleted]

    def member(self, user: FakeUser | FakeMember | int) -> FakeMember | None:
        """The member for a user (or None)."""
        uid = user if isinstance(user, int) else user.id
        return self.members.get(uid)

    def get_channel(self, name_or_id: str | int) -> FakeChannel | None:
        """A channel or thread by id or name."""
        for chan in self.channels.values():
            if not chan.deleted and (chan.id == name_or_id or chan.name == name_or_id):
                return chan
        return None

    def get_role(self, name_or_id: str | int) -> FakeRole | None:
        """A role by id or name."""
        for role in self.roles.values():
            if role.id == name_or_id or role.name == name_or_id:
                return role
        return None

    def permissions_for(self, member: FakeUser | FakeMember, channel: FakeChannel | None = None) -> int:
        """Permissions of a member, guild-wide or in a channel."""
        m = self.member(member) if not isinstance(member, FakeMember) else member
        if m is None:
            return 0
        if channel is None:
            return base_permissions(self, m)
        return channel_permissions(channel, m)

    # ----------------------------------------------------------------- world changes (emit events)
    def add_member(
        self, user: FakeUser, roles: Iterable[FakeRole | int] = (), nick: str | None = None
    ) -> FakeMember:
        """A user joins the guild (GUILD_MEMBER_ADD with the members intent)."""
        return self._world.add_member(self, user, roles=roles, nick=nick)

    def remove_member(self, user: FakeUser | FakeMember) -> None:
        """A member leaves (GUILD_MEMBER_REMOVE with the members intent)."""
        self._world.remove_member(self, user)

    def update_member(self, user: FakeUser | FakeMember, **changes: Any) -> FakeMember:
        """Change a member as an admin would: ``roles=[...]``, ``nick=``, ``timeout_until=``."""
        return self._world.update_member(self, user, **changes)

    def add_role(
        self,
        name: str,
        permissions: int = 0,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        position: int | None = None,
    ) -> FakeRole:
        """Create a role (GUILD_ROLE_CREATE). New roles go to the bottom (position 1), as in
        Discord, i.e. below the bot's role; pass ``position`` to place it elsewhere."""
        return self._world.create_role(
            self, name, permissions, color=color, hoist=hoist, mentionable=mentionable, position=position
        )

    def add_category(self, name: str, overwrites: list[dict[str, Any]] | None = None) -> FakeChannel:
        """Create a category channel (CHANNEL_CREATE)."""
        return self._world.create_channel(self, name, GUILD_CATEGORY, overwrites=overwrites)

    def add_text_channel(
        self,
        name: str,
        category: FakeChannel | None = None,
        overwrites: list[dict[str, Any]] | None = None,
        *,
        topic: str | None = None,
        type: int = GUILD_TEXT,
    ) -> FakeChannel:
        """Create a text channel (CHANNEL_CREATE); without overwrites it syncs its category's."""
        return self._world.create_channel(
            self, name, type, parent=category, overwrites=overwrites, topic=topic
        )

    def add_voice_channel(self, name: str, category: FakeChannel | None = None) -> FakeChannel:
        """Create a voice channel (CHANNEL_CREATE)."""
        return self._world.create_channel(self, name, GUILD_VOICE, parent=category)

    def add_forum_channel(self, name: str, category: FakeChannel | None = None) -> FakeChannel:
        """Create a forum channel (CHANNEL_CREATE)."""
        return self._world.create_channel(self, name, GUILD_FORUM, parent=category)

    def add_thread(
        self,
        parent: FakeChannel,
        name: str,
        *,
        owner: FakeUser,
        private: bool = False,
        members: Iterable[FakeUser] = (),
    ) -> FakeChannel:
        """A user creates a thread (THREAD_CREATE when the bot can see it)."""
        return self._world.create_thread(
            parent, name, owner=owner, type=PRIVATE_THREAD if private else PUBLIC_THREAD, members=members
        )

    def to_dict(self, *, with_counts: bool = False) -> dict[str, Any]:
        """GuildResponse payload (REST)."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "description": None,
            "home_header": None,
            "splash": None,
            "discovery_splash": None,
            "features": list(self.features),
            "banner": None,
            "owner_id": str(self.owner_id),
            "application_id": None,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": _opt_str(self.system_channel_id),
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "roles": [r.to_dict() for r in sorted(self.roles.values(), key=lambda r: r.position)],
            "default_message_notifications": 0,
            "mfa_level": 0,
            "explicit_content_filter": 0,
            "max_presences": None,
            "max_members": 500000,
            "max_stage_video_channel_users": 50,
            "max_video_channel_users": 25,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "public_updates_channel_id": None,
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "nsfw_level": 0,
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
        }
        if with_counts:
            data["approximate_member_count"] = len(self.members)
            data["approximate_presence_count"] = 0
        return data

    def __repr__(self) -> str:
        return f"<FakeGuild id={self.id} name={self.name!r}>"


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def overwrite(
    target: FakeRole | FakeUser | FakeMember | FakeGuild, *, allow: int = 0, deny: int = 0
) -> dict[str, Any]:
    """Build one overwrite in Discord's shape (a guild means its @everyone role)."""
    if isinstance(target, (FakeUser, FakeMember)):
        return {"id": str(target.id), "type": 1, "allow": str(int(allow)), "deny": str(int(deny))}
    return {"id": str(target.id), "type": 0, "allow": str(int(allow)), "deny": str(int(deny))}
