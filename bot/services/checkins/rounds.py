"""A check-in round's figures: who was asked, who answered, what was shared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckinAnswer, CheckinDelivery
from bot.domain.text import clip
from bot.services.verbatim import verbatim


@dataclass(frozen=True)
class RoundStats:
    """Who was asked in a round, who answered, and the answers shared beyond their author."""

    total: int
    answered: int
    waiting: list[int]
    shared: list[CheckinAnswer]
    unasked: int = 0  # never sent: the bot was offline at the member's time

    def highlights(self) -> list[str]:
        """Return the first words of up to ten answers shared with the whole group."""
        return [f"<@{a.user_id}>: {_first_text(a.answers)}" for a in self.shared if a.visibility == "group"][
            :10
        ]


@dataclass(frozen=True)
class EarlierRounds:
    """Rounds that closed while the bot was away, folded into the next summary instead of one each."""

    count: int
    first: date
    last: date
    answered: int
    total: int


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
        unasked=sum(_unasked(d.status, d.failure) for d in deliveries),
    )


async def earlier_rounds(session: AsyncSession, schedule_id: int, days: list[date]) -> EarlierRounds:
    """Sum up the figures of these rounds of a schedule (in one query, however many there are)."""
    answered, total = (
        await session.execute(
            select(
                func.count(case((CheckinDelivery.status == "answered", 1))),
                func.count(CheckinDelivery.id),
            ).where(CheckinDelivery.schedule_id == schedule_id, CheckinDelivery.round_date.in_(days))
        )
    ).one()
    return EarlierRounds(len(days), min(days), max(days), answered, total)


def _unasked(status: str, failure: str | None) -> bool:
    return status == "missed" and failure == "bot_offline"


async def latest_round(session: AsyncSession, schedule_id: int) -> date | None:
    """Return the most recent round date of a schedule that has deliveries."""
    return await session.scalar(
        select(func.max(CheckinDelivery.round_date)).where(CheckinDelivery.schedule_id == schedule_id)
    )


def _first_text(answers: list[dict[str, Any]]) -> str:
    for answer in answers:
        if answer["kind"] != "scale" and answer["value"]:
            value = answer["value"].replace("\n", " ")
            return clip(verbatim(value), 120)
    scale = next((a["value"] for a in answers if a["kind"] == "scale" and a["value"]), None)
    return f"feeling {scale}/5" if scale else "checked in"
