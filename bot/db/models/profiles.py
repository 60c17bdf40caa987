"""Member profiles: who someone is in a server and where their clock is."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, SmallInteger, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake
from bot.db.encryption import EncryptedJSON, EncryptedText
from bot.db.types import UTCDateTime


class MemberProfile(Base):
    """A member's own settings in one server (never shared with another server)."""

    __tablename__ = "member_profiles"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    # Quiet hours as minutes after local midnight; the window may wrap past midnight.
    quiet_start_minute: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    quiet_end_minute: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    bio: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # A label from the server's career ladder (labels survive a reordered ladder).
    career_stage: Mapped[str | None] = mapped_column(String(64), default=None)
    interests: Mapped[list[str]] = mapped_column(EncryptedJSON, default=list, server_default=text("'[]'"))
    dm_allowed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Set when Discord refused a DM (closed DMs): no more DMs until the member acts.
    dm_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A member's holiday: no check-ins on their local dates up to and including this one.
    checkins_paused_until: Mapped[date | None] = mapped_column(Date, default=None)
    # When the one-time "please set your time zone" prompt went out.
    timezone_prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The member agreed that de-identified counts about them may be used for program research.
    research_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DmChannel(Base):
    """The id of a user's DM channel, so a DM costs one request after the first."""

    __tablename__ = "dm_channels"

    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(Snowflake)
