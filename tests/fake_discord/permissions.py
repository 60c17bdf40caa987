"""Permission bits and Discord's permission computation.

Bit values are Discord's (identical to ``discord.Permissions``). The algorithm follows
https://discord.com/developers/docs/topics/permissions#permission-overwrites:

1. guild owner -> everything; otherwise @everyone's permissions OR every role of the member;
2. ADMINISTRATOR -> everything;
3. channel overwrites: @everyone (deny then allow), all member roles (denies OR-ed, then allows
   OR-ed), then the member's own overwrite;
4. implicit rules: no VIEW_CHANNEL -> nothing; no SEND_MESSAGES -> no mention everyone / TTS /
   attachments / embeds; a timed out member keeps only VIEW_CHANNEL and READ_MESSAGE_HISTORY.

Threads use their parent channel's permissions; a private thread is only visible to its
members and to those with MANAGE_THREADS.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import FakeChannel, FakeGuild, FakeMember


class P(enum.IntFlag):
    """Discord permission bits."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SET_VOICE_CHANNEL_STATUS = 1 << 48
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51
    BYPASS_SLOWMODE = 1 << 52


ALL = 0
for _flag in P:
    ALL |= int(_flag)

#: What a new guild's @everyone role gets (text, voice and thread basics, no moderation).
DEFAULT_EVERYONE = int(
    P.CREATE_INSTANT_INVITE
    | P.ADD_REACTIONS
    | P.STREAM
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.MENTION_EVERYONE
    | P.USE_EXTERNAL_EMOJIS
    | P.CONNECT
    | P.SPEAK
    | P.USE_VAD
    | P.CHANGE_NICKNAME
    | P.USE_APPLICATION_COMMANDS
    | P.REQUEST_TO_SPEAK
    | P.CREATE_PUBLIC_THREADS
    | P.CREATE_PRIVATE_THREADS
    | P.USE_EXTERNAL_STICKERS
    | P.SEND_MESSAGES_IN_THREADS
    | P.USE_EMBEDDED_ACTIVITIES
    | P.SEND_VOICE_MESSAGES
    | P.SEND_POLLS
    | P.USE_EXTERNAL_APPS
)

#: Default permissions of the bot's managed role: what a mentoring bot is invited with.
#: No ADMINISTRATOR, so overwrites and the role hierarchy really apply to it.
DEFAULT_BOT = int(
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.SEND_MESSAGES_IN_THREADS
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.ADD_REACTIONS
    | P.USE_EXTERNAL_EMOJIS
    | P.MANAGE_MESSAGES
    | P.PIN_MESSAGES
    | P.MANAGE_CHANNELS
    | P.MANAGE_ROLES
    | P.MANAGE_THREADS
    | P.CREATE_PUBLIC_THREADS
    | P.CREATE_PRIVATE_THREADS
    | P.MODERATE_MEMBERS
    | P.MANAGE_NICKNAMES
    | P.CREATE_EVENTS
    | P.USE_APPLICATION_COMMANDS
)

#: What a bot may do in a DM (sent as ``app_permissions`` for DM interactions).
DM_PERMISSIONS = int(
    P.ADD_REACTIONS
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.MENTION_EVERYONE
    | P.USE_EXTERNAL_EMOJIS
    | P.USE_APPLICATION_COMMANDS
    | P.USE_EXTERNAL_STICKERS
    | P.SEND_VOICE_MESSAGES
    | P.SEND_POLLS
    | P.USE_EXTERNAL_APPS
)

_TIMED_OUT_KEEP = int(P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
_NEEDS_SEND = int(P.MENTION_EVERYONE | P.SEND_TTS_MESSAGES | P.ATTACH_FILES | P.EMBED_LINKS)


def base_permissions(guild: FakeGuild, member: FakeMember) -> int:
    """Guild-level permissions of ``member`` (roles only, no channel overwrites)."""
    if member.user.id == guild.owner_id:
        return ALL
    perms = guild.everyone_role.permissions
    for role_id in member.role_ids:
        role = guild.roles.get(role_id)
        if role is not None:
            perms |= role.permissions
    if perms & P.ADMINISTRATOR:
        return ALL
    return _apply_timeout(member, perms)


def _apply_timeout(member: FakeMember, perms: int) -> int:
    until = member.communication_disabled_until
    if until is not None and until > member.guild._world.clock():  # Discord's now (a test may set it)
        return perms & _TIMED_OUT_KEEP
    return perms


def overwritten_permissions(guild: FakeGuild, channel: FakeChannel, member: FakeMember) -> int:
    """Apply ``channel``'s overwrites to the member's base permissions (no implicit rules)."""
    if member.user.id == guild.owner_id:
        return ALL
    perms = guild.everyone_role.permissions
    for role_id in member.role_ids:
        role = guild.roles.get(role_id)
        if role is not None:
            perms |= role.permissions
    if perms & P.ADMINISTRATOR:
        return ALL
    overwrites = {int(o["id"]): o for o in channel.permission_overwrites}
    everyone = overwrites.get(guild.id)
    if everyone is not None:
        perms &= ~int(everyone["deny"])
        perms |= int(everyone["allow"])
    allow = deny = 0
    for role_id in member.role_ids:
        ow = overwrites.get(role_id)
        if ow is not None and int(ow.get("type", 0)) == 0:
            allow |= int(ow["allow"])
            deny |= int(ow["deny"])
    perms &= ~deny
    perms |= allow
    own = overwrites.get(member.user.id)
    if own is not None and int(own.get("type", 1)) == 1:
        perms &= ~int(own["deny"])
        perms |= int(own["allow"])
    return _apply_timeout(member, perms)


def channel_permissions(channel: FakeChannel, member: FakeMember) -> int:
    """Effective permissions of ``member`` in a guild channel or thread."""
    guild = channel.guild
    assert guild is not None, "DM channels have no permissions"
    if channel.is_thread:
        parent = guild.channels.get(channel.parent_id) if channel.parent_id else None
        if parent is None:
            return 0
        perms = overwritten_permissions(guild, parent, member)
        if perms == ALL:
            return ALL
        if not perms & P.VIEW_CHANNEL:
            return 0
        if (
            channel.type == 12
            and member.user.id not in channel.thread_members
            and not perms & P.MANAGE_THREADS
        ):
            return 0
        if not perms & P.SEND_MESSAGES_IN_THREADS:
            perms &= ~_NEEDS_SEND
        return perms
    perms = overwritten_permissions(guild, channel, member)
    if perms == ALL:
        return ALL
    if not perms & P.VIEW_CHANNEL:
        return 0
    if channel.type in (0, 5) and not perms & P.SEND_MESSAGES:
        perms &= ~_NEEDS_SEND
    return perms


def has(perms: int, needed: int) -> bool:
    """True when every bit of ``needed`` is in ``perms``."""
    return perms & needed == needed


def top_role_position(guild: FakeGuild, member: FakeMember) -> int:
    """Position of the member's highest role (0 for @everyone only)."""
    positions = [guild.roles[r].position for r in member.role_ids if r in guild.roles]
    return max(positions, default=0)


def outranks(guild: FakeGuild, actor: FakeMember, target: FakeMember) -> bool:
    """Whether ``actor`` may moderate ``target`` by the role hierarchy (owner always may)."""
    if target.user.id == guild.owner_id:
        return False
    if actor.user.id == guild.owner_id:
        return True
    return top_role_position(guild, actor) > top_role_position(guild, target)
