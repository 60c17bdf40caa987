"""Program cycles: cohorts with a start and an end, one after another in a server."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.types import UTCDateTime


class ProgramCycle(Base):
    """A cycle of the program: its calendar days, an optional kick-off, and when it was closed."""

    __tablename__ = "program_cycles"
    __table_args__ = (Index("ix_program_cycles_guild_starts", "guild_id", "starts_on"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    name: Mapped[str] = mapped_column(String(60))
    # Calendar days, the same for everyone: each member's "today" is read in their own zone.
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kickoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Closed by a coordinator (early, or cancelled before it began); None while it runs or waits.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_by: Mapped[int | None] = mapped_column(Snowflake, default=None)
