"""Channels of every kind (text, voice, category, forum, threads, DMs), rendering Discord's payloads."""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from ..util import iso, utcnow
from .constants import (
    DM,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_STAGE_VOICE,
    GUILD_TEXT,
    GUILD_VOICE,
    PRIVATE_THREAD,
    THREAD_TYPES,
)

if TYPE_CHECKING:
    from ..state import World
    from .guilds import FakeGuild
    from .people import FakeUser


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


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)
