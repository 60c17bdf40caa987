"""Servers the bot is (or was) in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake
from bot.db.types import UTCDateTime


class GuildRecord(Base):
    """A server the bot has joined; ``left_at`` starts the data-deletion grace period."""

    __tablename__ = "guilds"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
