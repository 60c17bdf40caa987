"""Facilitated discussions: ground rules, threads and participation counts (never content)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, SmallInteger, String, Text
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
