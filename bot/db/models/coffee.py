"""Coffee pairings: who opted in, who asked not to meet whom, and each round's pairs (no content)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, SmallInteger, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.types import UTCDateTime


class CoffeeProgram(Base):
    """A server's coffee pairings: where the pairs meet, how often, and how long before a repeat."""

    __tablename__ = "coffee_programs"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(Snowflake)  # private threads for the pairs open here
    every_weeks: Mapped[int] = mapped_column(SmallInteger, default=2)
    weekday: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0 = Monday
    anchor_day: Mapped[date] = mapped_column(Date)
    no_repeat_rounds: Mapped[int] = mapped_column(SmallInteger, default=6)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_day: Mapped[date | None] = mapped_column(Date, default=None)  # the last round's day (its claim)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoffeeParticipant(Base):
    """A member who opted in to coffee pairings."""

    __tablename__ = "coffee_participants"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    skip_next: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CoffeeAvoidance(Base):
    """A member's private request never to be paired with another (applied both ways)."""

    __tablename__ = "coffee_avoidances"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    other_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoffeeDraw(Base):
    """One round of pairings in a server."""

    __tablename__ = "coffee_draws"
    __table_args__ = (UniqueConstraint("guild_id", "number"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    number: Mapped[int] = mapped_column(SmallInteger)  # 1, 2, … per server: "rounds ago" counts on it
    day: Mapped[date] = mapped_column(Date)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    follow_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CoffeeMatch(Base):
    """A pair (or a trio) of one round, and the private thread where they meet."""

    __tablename__ = "coffee_matches"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("coffee_draws.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    thread_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    # Why the thread could not be opened (the channel is gone, a permission is missing), once.
    failure: Mapped[str | None] = mapped_column(String(200), default=None)


class CoffeeMatchMember(Base):
    """A member of a pair, and what they said when asked whether they met."""

    __tablename__ = "coffee_match_members"

    match_id: Mapped[int] = mapped_column(
        ForeignKey("coffee_matches.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False, index=True)
    met: Mapped[str | None] = mapped_column(String(8), default=None)  # yes | no
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CoffeeSitOut(Base):
    """A member a round could not pair, and the reason they were told."""

    __tablename__ = "coffee_sit_outs"

    draw_id: Mapped[int] = mapped_column(
        ForeignKey("coffee_draws.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(Text)
