"""Meetings across time zones: polls, confirmed meetings, RSVPs, attendance, burdens and series."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, SmallInteger, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.types import UTCDateTime


class MeetingSeries(Base):
    """A group's recurring meeting: every N weeks on a weekday, at the ranked best slot of that day."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str | None] = mapped_column(String(100), default=None)  # None: the default title
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday, on the clock of ``zone``
    every_weeks: Mapped[int] = mapped_column(SmallInteger)
    anchor_day: Mapped[date] = mapped_column(Date)  # the first meeting's day
    zone: Mapped[str] = mapped_column(String(64))  # whose calendar says which day it is
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    voice_channel_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_day: Mapped[date | None] = mapped_column(Date, default=None)  # the latest meeting made (its claim)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Meeting(Base):
    """A meeting of a group: first a poll of candidate slots, then a confirmed time (or cancelled)."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("series_id", "series_day"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), default=None
    )
    series_day: Mapped[date | None] = mapped_column(Date, default=None)
    title: Mapped[str | None] = mapped_column(String(100), default=None)  # None: the default title
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    voice_channel_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    status: Mapped[str] = mapped_column(String(16))  # polling | confirmed | cancelled
    proposed_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    confirmed_by: Mapped[int | None] = mapped_column(Snowflake, default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The Discord scheduled event, created after the confirmation by the meetings sweep.
    event_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    event_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    event_failure: Mapped[str | None] = mapped_column(String(200), default=None)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class MeetingSlot(Base):
    """A candidate time of a meeting poll."""

    __tablename__ = "meeting_slots"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class MeetingAvailability(Base):
    """A slot a member marked as one that works for them."""

    __tablename__ = "meeting_availability"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class MeetingAttendance(Base):
    """A member's answer to a confirmed meeting (going or not) and whether they came."""

    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False, index=True)
    rsvp: Mapped[str | None] = mapped_column(String(8), default=None)  # going | declined
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attended: Mapped[bool | None] = mapped_column(Boolean, default=None)  # None until recorded
    # The inconvenience this meeting added to the member's burden (taken back if it is cancelled).
    burden: Mapped[float | None] = mapped_column(Float, default=None)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class MeetingBurden(Base):
    """How much of a group's inconvenient meeting hours a member has carried (the fairness ledger)."""

    __tablename__ = "meeting_burdens"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False, index=True)
    burden: Mapped[float] = mapped_column(Float, default=0.0)
    meetings: Mapped[int] = mapped_column(SmallInteger, default=0)  # confirmed meetings counted
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
