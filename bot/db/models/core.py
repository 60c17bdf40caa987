"""Servers the bot is (or was) in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake
from bot.db.types import UTCDateTime


class GuildRecord(Base):
    """A server the bot has joined; ``left_at`` starts the data-deletion grace period."""

    __tablename__ = "guilds"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class DeliveryProblem(Base):
    """A channel the bot could not post in (gone, or a permission revoked), told to coordinators once."""

    __tablename__ = "delivery_problems"
    __table_args__ = (UniqueConstraint("guild_id", "channel_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    reason: Mapped[str] = mapped_column(String(32))  # channel_missing | missing_permissions
    what: Mapped[str] = mapped_column(String(64))  # what could not be posted first, e.g. "check-in summary"
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(default=1)


class WatchRecord(Base):
    """When a process last watched its servers' messages (it cannot see them while it is down).

    ``scope`` is ``"all"`` for a process of every shard, else ``"<shard_count>:<shard_id>"``.
    """

    __tablename__ = "watch"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
