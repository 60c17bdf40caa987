"""A GroupHomes port that records what it did, for service tests."""

from __future__ import annotations

from bot.services.groups.homes import BotLacksPermission, Home


class RecordingHomes:
    """Keeps each home's allowed members in memory; can refuse like Discord does."""

    def __init__(self) -> None:
        self.access: dict[int, set[int]] = {}
        self.deleted: list[int] = []
        self.missing_permission: str | None = None
        self._next_id = 9000

    async def create_home(self, guild_id, name, category_id, member_ids):
        if self.missing_permission:
            raise BotLacksPermission(self.missing_permission, "in this server")
        self._next_id += 1
        self.access[self._next_id] = set(member_ids)
        return Home("channel", self._next_id)

    async def link_home(self, guild_id, channel_id):
        self.access.setdefault(channel_id, set())
        return Home("linked_channel", channel_id)

    async def grant(self, guild_id, home, user_id, audit=None):
        if self.missing_permission:
            raise BotLacksPermission(self.missing_permission, "in the group's channel")
        self.access[home.channel_id].add(user_id)

    async def revoke(self, guild_id, home, user_id, audit=None):
        self.access[home.channel_id].discard(user_id)

    async def delete_home(self, guild_id, home):
        self.deleted.append(home.channel_id)
        self.access.pop(home.channel_id, None)
