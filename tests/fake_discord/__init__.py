"""A faithful fake Discord (REST + gateway on one loopback port) for end-to-end tests.

The real discord.py client talks HTTP and websocket to it::

    fake = FakeDiscord(token="test-token")
    await fake.start()
    discord.http.Route.BASE = fake.api_base_url
    # the bot sets DiscordWebSocket.DEFAULT_GATEWAY from GET /gateway/bot in setup_hook

See README.md in this directory for the API.
"""

from .errors import APIError
from .interactions import FakeInteraction, InteractionReply
from .permissions import DEFAULT_BOT, DEFAULT_EVERYONE, P
from .rest import RecordedRequest
from .scheduled_events import INTENT_GUILD_SCHEDULED_EVENTS, FakeScheduledEvent
from .server import FakeDiscord
from .state import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    overwrite,
)

Permissions = P

__all__ = [
    "DEFAULT_BOT",
    "DEFAULT_EVERYONE",
    "INTENT_GUILD_MEMBERS",
    "INTENT_GUILD_PRESENCES",
    "INTENT_GUILD_SCHEDULED_EVENTS",
    "INTENT_MESSAGE_CONTENT",
    "APIError",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeScheduledEvent",
    "FakeUser",
    "InteractionReply",
    "P",
    "Permissions",
    "RecordedRequest",
    "overwrite",
]
