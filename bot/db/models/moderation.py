"""The moderation audit log: who did what to whom, where and why — never message content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.encryption import EncryptedText
from bot.db.types import UTCDateTime


class ModerationRecord(Base):
    """One moderation action or member report."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), default=None, index=True
    )
    actor_id: Mapped[int] = mapped_column(Snowflake)
    target_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    # lock, unlock, slowmode, timeout, untimeout, remove_message, warn, pause, restore, remove, report
    action: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # Ids and numbers only (channel, message, duration, jump link), so a report outlives its message.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
