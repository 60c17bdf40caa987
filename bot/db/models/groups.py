"""Mentoring groups, their members, and each server's program settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.types import UTCDateTime


class GuildSettings(Base):
    """How a server runs its program: who coordinates, where group homes go, its defaults."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    coordinator_role_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    home_category_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    # A random per-server key for anonymous posts' author hashes (with the configured secret, if any).
    anonymity_salt: Mapped[str | None] = mapped_column(String(64), default=None)
    # Where moderation actions and reports are posted for coordinators (optional).
    modlog_channel_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    default_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The ordered career ladder, most junior first; None means the built-in one.
    career_stages: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    # The closing survey's outcomes to tick (labels); None means the seed program's.
    cycle_outcomes: Mapped[list[str] | None] = mapped_column(JSON, default=None)


class Group(Base):
    """A mentoring group of any model: a pair, a group, peers, near-peers, a facilitated peer group."""

    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("guild_id", "name_key"),
        # /group list: a member's groups plus the open ones, without reading every group of the server.
        Index("ix_groups_guild_open", "guild_id", "is_open"),
    )

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Case-folded name: "Writing Circle" and "writing circle" are the same group.
    name_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    meeting_every_weeks: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # "channel" (a private text channel the bot made), "linked_channel" or "linked_thread".
    home_kind: Mapped[str | None] = mapped_column(String(32), default=None)
    home_channel_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    # The weekday (0 = Monday) of the weekly wins digest; None turns it off.
    wins_weekday: Mapped[int | None] = mapped_column(SmallInteger, default=4, server_default=text("4"))
    # The last sign of life (a message in the home, a check-in answer, a goal update): counts only.
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Stalled-group rescue: 0 none, 1 members nudged, 2 facilitator told, 3 rematch offered.
    rescue_stage: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))
    rescue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A pair or small group whose members are around at the same time may be offered a quick call.
    live_calls: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    live_call_suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The program cycle the group was matched in (None: made outside any cycle). No foreign key:
    # SQLite can add such a column to a table this old only by copying it, cascading its members away.
    cycle_id: Mapped[int | None] = mapped_column(SurrogateKey, default=None, index=True)


class GroupMember(Base):
    """Someone's place in a group; ``left_at`` keeps the history used to avoid re-pairing."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_guild_user", "guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    # mentor, mentee, peer or facilitator
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The consent gate: when the member agreed to the ground rules, and to which version of them.
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    agreed_version: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # A facilitator paused this member: no access to the home, no schedules, until restored.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When they last wrote in the group's home (throttled; no content): "around right now".
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class MatchOptIn(Base):
    """A member who asked to be matched, and as what."""

    __tablename__ = "match_optins"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    wants: Mapped[str] = mapped_column(String(16))
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MatchProposal(Base):
    """A matching proposal waiting for the coordinator's confirmation."""

    __tablename__ = "match_proposals"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    created_by: Mapped[int] = mapped_column(Snowflake)
    mode: Mapped[str] = mapped_column(String(32))
    groups: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Confirmed on a dashboard running without the bot: the bot confirms it as this coordinator
    # (``bot/discord/confirmations.py``), or records why it could not.
    confirm_requested_by: Mapped[int | None] = mapped_column(Snowflake, default=None)
    confirm_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    confirm_problem: Mapped[str | None] = mapped_column(Text, default=None)
    # Proposed among a cycle's accepted applicants: the groups belong to that cycle.
    cycle_id: Mapped[int | None] = mapped_column(SurrogateKey, default=None)
