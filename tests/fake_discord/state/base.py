"""The world's data: users, guilds, channels, messages, interactions, commands; and its users."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..models import DM, FakeChannel, FakeGuild, FakeUser
from ..util import SnowflakeGenerator, utcnow

if TYPE_CHECKING:
    from ..interactions import FakeInteraction

EmitFn = Callable[..., None]


class WorldBase:
    """What the world holds, and its users (the parts of :class:`World` build on this)."""

    def __init__(
        self,
        *,
        bot_name: str = "TestBot",
        nonce_memory: float = 300.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        #: Discord keeps message nonces for a few minutes (seconds).
        self.nonce_memory = nonce_memory
        #: what "now" is for Discord: snowflakes' times, scheduled events, timeouts (a test may
        #: move it); set before the first id, so the bot's own id is dated on this clock too
        self.clock: Callable[[], dt.datetime] = clock
        self.ids = SnowflakeGenerator(clock=lambda: self.clock())
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
