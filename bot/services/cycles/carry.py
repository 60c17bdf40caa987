"""Carry-over: members who asked to be matched again join the next cycle's intake."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ClosingSurvey, CycleApplication, MemberProfile, ProgramCycle


async def carry_over(session: AsyncSession, to: ProgramCycle, now: datetime, default_zone: str) -> int:
    """Put into ``to``'s intake (pending) everyone whose last cycle before it ended with "match me again"."""
    previous = await session.scalar(
        select(ProgramCycle)
        .where(
            ProgramCycle.guild_id == to.guild_id,
            ProgramCycle.id != to.id,
            ProgramCycle.starts_on < to.starts_on,
        )
        .order_by(ProgramCycle.starts_on.desc())
        .limit(1)
    )
    if previous is None:
        return 0
    surveys = await session.scalars(
        select(ClosingSurvey).where(ClosingSurvey.cycle_id == previous.id, ClosingSurvey.next_step == "again")
    )
    carried = 0
    for survey in surveys:
        exists = await session.scalar(
            select(CycleApplication.id).where(
                CycleApplication.cycle_id == to.id, CycleApplication.user_id == survey.user_id
            )
        )
        if exists is not None:
            continue
        old = await session.scalar(
            select(CycleApplication).where(
                CycleApplication.cycle_id == previous.id, CycleApplication.user_id == survey.user_id
            )
        )
        profile = await session.get(MemberProfile, (to.guild_id, survey.user_id))
        role = old.role if old else (survey.role if survey.role in ("mentor", "mentee", "peer") else "peer")
        session.add(
            CycleApplication(
                cycle_id=to.id,
                guild_id=to.guild_id,
                user_id=survey.user_id,
                role=role,
                hopes=f"Asked to be matched again at the end of {previous.name}.",
                interests=list(old.interests if old else (profile.interests if profile else []) or []),
                career_stage=old.career_stage if old else (profile.career_stage if profile else None),
                timezone=old.timezone if old else ((profile.timezone if profile else None) or default_zone),
                hours_per_month=(old.hours_per_month if old else 1) if role != "mentor" else None,
                capacity=(old.capacity if old else 1) if role == "mentor" else None,
                status="pending",
                created_at=now,
            )
        )
        carried += 1
    await session.flush()
    return carried
