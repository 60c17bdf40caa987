"""Channels, threads and what the bot may do in them: the operations and the events they emit."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from ..models import INTENT_GUILD_MEMBERS, INTENT_GUILDS, PUBLIC_THREAD, FakeChannel, FakeGuild, FakeUser
from ..permissions import P, channel_permissions
from ..util import utcnow
from .base import WorldBase


class ChannelState(WorldBase):
    """Channels, threads and the bot's permissions in them (a part of :class:`World`)."""

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
