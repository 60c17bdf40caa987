"""The outbox of messages to send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.encryption import EncryptedJSON, EncryptedText
from bot.db.types import UTCDateTime


class OutboxMessage(Base):
    """A message to send once: recorded first, sent later, marked only after Discord accepted it."""

    __tablename__ = "outbox"
    # Claimed in this order: what is due now (priority 0) before a catch-up backlog (1).
    __table_args__ = (Index("ix_outbox_status_priority_not_before", "status", "priority", "not_before"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int | None] = mapped_column(Snowflake, index=True, default=None)
    # The caller's idempotency key, e.g. "checkin:12:345:2026-11-23T09:00Z".
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # "dm" (target_id is a user id) or "channel" (a channel or thread id).
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Snowflake)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    # 0: due now; 1: catch-up after an outage, sent only when nothing due now is waiting.
    priority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Too late to be useful after this: recorded as expired instead of sent in a burst.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # pending -> sending -> sent | failed | expired | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The first claim: any attempt since may have made the message, even one whose answer was lost.
    first_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A digest of what Discord shows for the message, to recognise it on a later read of the
    # channel once Discord has forgotten its nonce; kept until the message is settled.
    sent_digest: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # A short reason code, never message content (e.g. "dm_closed", "channel_missing").
    failure: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
