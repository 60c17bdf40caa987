"""Guilds: their members, roles and channels, and the helpers tests use to arrange them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..permissions import base_permissions, channel_permissions
from ..util import utcnow
from .channels import FakeChannel, _opt_str
from .constants import GUILD_CATEGORY, GUILD_FORUM, GUILD_TEXT, GUILD_VOICE, PRIVATE_THREAD, PUBLIC_THREAD
from .people import FakeMember, FakeRole, FakeUser

if TYPE_CHECKING:
    from ..scheduled_events import FakeScheduledEvent
    from ..state import World


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


def overwrite(
    target: FakeRole | FakeUser | FakeMember | FakeGuild, *, allow: int = 0, deny: int = 0
) -> dict[str, Any]:
    """Build one overwrite in Discord's shape (a guild means its @everyone role)."""
    if isinstance(target, (FakeUser, FakeMember)):
        return {"id": str(target.id), "type": 1, "allow": str(int(allow)), "deny": str(int(deny))}
    return {"id": str(target.id), "type": 0, "allow": str(int(allow)), "deny": str(int(deny))}
