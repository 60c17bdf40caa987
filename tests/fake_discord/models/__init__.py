"""World objects: users, roles, members, channels (text, voice, category, forum, threads,
DMs) and guilds, with Discord's constants.

Objects keep Python values (``int`` ids, datetimes) and render Discord's payloads with
``to_dict()``. The helpers on :class:`FakeGuild` (``add_role``, ``add_text_channel`` ...)
delegate to :class:`~tests.fake_discord.state.World`, which emits the gateway events.

- ``constants.py``: channel types, intents, message flags.
- ``people.py``: users, roles, members; ``channels.py``: channels; ``guilds.py``: guilds.
"""

from .channels import FakeChannel
from .constants import (
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
)
from .guilds import FakeGuild, overwrite
from .people import FakeMember, FakeRole, FakeUser

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
    "overwrite",
]
