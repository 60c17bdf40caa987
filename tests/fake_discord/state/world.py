"""The world: everything the fake knows, and the operations that change it."""

from .channels import ChannelState
from .guilds import GuildState
from .messages import MessageState


class World(GuildState, ChannelState, MessageState):
    """Everything the fake knows, plus the operations that change it and emit events.

    ``emit(event, data, guild_id=None, intent=None, content_gated=False)`` is provided by the
    gateway hub; ``guild_id`` routes the event to the shard owning the guild (DMs go to shard 0).
    """
