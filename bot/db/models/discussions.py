"""Facilitated discussions: ground rules, threads and participation counts (never content)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.types import UTCDateTime


class GroundRules(Base):
    """A group's own ground rules (the default set needs no row)."""

    __tablename__ = "ground_rules"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    rules: Mapped[list[str]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(SmallInteger, default=1)
    updated_by: Mapped[int] = mapped_column(Snowflake)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Discussion(Base):
    """A discussion thread opened from a prompt in a group's home."""

    __tablename__ = "discussions"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(Snowflake, index=True)
    prompt: Mapped[str] = mapped_column(Text)
    started_by: Mapped[int] = mapped_column(Snowflake)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Participation(Base):
    """How many messages a member posted in a discussion — a count, never the text."""

    __tablename__ = "discussion_participation"

    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("discussions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class AnonymousPost(Base):
    """A question posted without its author's name: only a keyed hash of the author is kept."""

    __tablename__ = "anonymous_posts"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(Snowflake)
    # HMAC of the author's id: lets a facilitator mute the author without learning who it is.
    author_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnonymousMute(Base):
    """An anonymous author a facilitator stopped from posting anonymously in a group."""

    __tablename__ = "anonymous_mutes"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    author_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    muted_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DiscussionRound(Base):
    """A discussion run as a round: each member gets the spotlight in turn."""

    __tablename__ = "discussion_rounds"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), unique=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    started_by: Mapped[int] = mapped_column(Snowflake)
    spotlight_order: Mapped[list[int]] = mapped_column(JSON)  # member ids, in turn
    position: Mapped[int] = mapped_column(SmallInteger, default=0)  # index into spotlight_order
    turn_minutes: Mapped[int] = mapped_column(Integer)
    turn_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    turn_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    nudge_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class DiscussionSchedule(Base):
    """A group's recurring discussions or confidentiality reminders (kind), every N weeks."""

    __tablename__ = "discussion_schedules"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # discussion | reminder
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    every_weeks: Mapped[int] = mapped_column(SmallInteger)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    anchor_day: Mapped[date] = mapped_column(Date)  # the first day of the cadence
    duration_hours: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    last_day: Mapped[date | None] = mapped_column(Date, default=None)  # the last day it ran for
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QueuedPrompt(Base):
    """A prompt a facilitator lined up for the group's next scheduled discussion."""

    __tablename__ = "discussion_prompt_queue"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    prompt: Mapped[str] = mapped_column(Text)
    added_by: Mapped[int] = mapped_column(Snowflake)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServerPrompt(Base):
    """A server's own prompt, or its edit or retirement of a built-in one (``builtin_key``)."""

    __tablename__ = "server_prompts"
    __table_args__ = (UniqueConstraint("guild_id", "builtin_key"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    builtin_key: Mapped[str | None] = mapped_column(String(80), default=None)
    kind: Mapped[str] = mapped_column(String(16), default="discussion", server_default="discussion")
    topic: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_by: Mapped[int] = mapped_column(Snowflake)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationPromptSchedule(Base):
    """Light conversation prompts for a group's home or a server-wide lounge channel, every few days."""

    __tablename__ = "conversation_prompt_schedules"
    __table_args__ = (UniqueConstraint("guild_id", "channel_id"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), default=None)
    channel_id: Mapped[int] = mapped_column(Snowflake)  # the lounge, or the group's home when scheduled
    every_days: Mapped[int] = mapped_column(SmallInteger)
    anchor_day: Mapped[date] = mapped_column(Date)
    zone: Mapped[str] = mapped_column(String(64))  # the day window's clock
    window_start: Mapped[int] = mapped_column(SmallInteger)  # minutes after midnight in ``zone``
    window_end: Mapped[int] = mapped_column(SmallInteger)
    quiet_for_hours: Mapped[int] = mapped_column(SmallInteger, default=3)  # skip when active this recently
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # lounges only
    used: Mapped[list[str]] = mapped_column(JSON, default=list)  # prompt keys since the list was used up
    last_day: Mapped[date | None] = mapped_column(Date, default=None)  # the last day it ran for (claim)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
