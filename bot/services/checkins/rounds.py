"""A check-in round's figures: who was asked, who answered, what was shared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckinAnswer, CheckinDelivery


@dataclass(frozen=True)
class RoundStats:
    """Who was asked in a round, who answered, and the answers shared beyond their author."""

    total: int
    answered: int
    waiting: list[int]
    shared: list[CheckinAnswer]


async def round_stats(session: AsyncSession, schedule_id: int, round_date: date) -> RoundStats:
    """Count a round's deliveries and collect its non-private answers (never the private ones)."""
    deliveries = (
        await session.scalars(
            select(CheckinDelivery).where(
                CheckinDelivery.schedule_id == schedule_id, CheckinDelivery.round_date == round_date
            )
        )
    ).all()
    shared = (
        await session.scalars(
            select(CheckinAnswer)
            .join(CheckinDelivery, CheckinDelivery.id == CheckinAnswer.delivery_id)
            .where(
                CheckinDelivery.schedule_id == schedule_id,
                CheckinDelivery.round_date == round_date,
                CheckinAnswer.visibility.in_(("facilitators", "group")),
            )
            .order_by(CheckinAnswer.created_at)
        )
    ).all()
    return RoundStats(
        total=len(deliveries),
        answered=sum(d.status == "answered" for d in deliveries),
        waiting=[d.user_id for d in deliveries if d.status not in ("answered", "skipped")],
        shared=list(shared),
    )


async def latest_round(session: AsyncSession, schedule_id: int) -> date | None:
    """Return the most recent round date of a schedule that has deliveries."""
    return await session.scalar(
        select(func.max(CheckinDelivery.round_date)).where(CheckinDelivery.schedule_id == schedule_id)
    )
