"""The cycle's side of matching: its accepted applicants are the candidates, within mentor capacity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CycleApplication, Group, GroupMember, ProgramCycle
from bot.domain.matching import Candidate
from bot.messaging.message import Card, OutgoingMessage
from bot.messaging.outbox import enqueue
from bot.messaging.ports import Target
from bot.services.cycles.agreements import ask_to_write
from bot.services.cycles.service import open_cycles
from bot.services.verbatim import verbatim


@dataclass(frozen=True)
class CyclePool:
    """A cycle's accepted applicants as matching candidates, with each mentor's places left."""

    cycle_id: int
    candidates: list[Candidate]
    places: dict[int, int]


async def cycle_pool(
    session: AsyncSession, guild_id: int, today: date, stage_index: Callable[[str | None], int | None]
) -> CyclePool | None:
    """Return the pool of the cycle running or next, if it has accepted applicants (else None).

    ``stage_index`` turns a stage label into its rank on the program's ladder.
    """
    cycles = [c for c in await open_cycles(session, guild_id) if c.ends_on >= today]
    if not cycles:
        return None
    cycle = cycles[0]
    rows = list(
        await session.scalars(
            select(CycleApplication)
            .where(CycleApplication.cycle_id == cycle.id, CycleApplication.status == "accepted")
            .order_by(CycleApplication.id)
        )
    )
    if not rows:
        return None
    mentoring = dict(
        (
            await session.execute(
                select(GroupMember.user_id, func.count())
                .join(Group, Group.id == GroupMember.group_id)
                .where(
                    Group.cycle_id == cycle.id,
                    GroupMember.role == "mentor",
                    GroupMember.left_at.is_(None),
                    Group.archived_at.is_(None),
                )
                .group_by(GroupMember.user_id)
            )
        ).all()
    )
    places = {
        row.user_id: (row.capacity or 1) - int(mentoring.get(row.user_id, 0))
        for row in rows
        if row.role == "mentor"
    }
    candidates = [
        Candidate(
            user_id=row.user_id,
            wants=row.role,  # type: ignore[arg-type]
            stage=stage_index(row.career_stage),
            interests=frozenset(row.interests or ()),
            timezone=row.timezone,
        )
        for row in rows
        if row.role != "mentor" or places[row.user_id] > 0
    ]
    return CyclePool(cycle.id, candidates, places)


async def record_matches(
    session: AsyncSession,
    guild_id: int,
    cycle_id: int,
    group_id: int,
    members: list[int],
    group_name: str,
    now: datetime,
) -> None:
    """Put a new group in its cycle, ask its members for their agreement, mark its applicants matched.

    A mentor is marked matched once their places are full.
    Those who waited on the waitlist are told by DM that they are matched.
    """
    await session.execute(update(Group).where(Group.id == group_id).values(cycle_id=cycle_id))
    for member in members:
        await enqueue(
            session,
            key=f"agreement:{group_id}:write:{member}",
            target=Target("dm", member),
            message=ask_to_write(group_id, group_name),
            now=now,
            guild_id=guild_id,
        )
    cycle = await session.get(ProgramCycle, cycle_id)
    rows = await session.scalars(
        select(CycleApplication).where(
            CycleApplication.cycle_id == cycle_id,
            CycleApplication.user_id.in_(members),
            CycleApplication.status == "accepted",
        )
    )
    for row in rows:
        if row.role == "mentor":
            mentoring = await session.scalar(
                select(func.count())
                .select_from(GroupMember)
                .join(Group, Group.id == GroupMember.group_id)
                .where(
                    Group.cycle_id == cycle_id,
                    GroupMember.user_id == row.user_id,
                    GroupMember.role == "mentor",
                    GroupMember.left_at.is_(None),
                )
            )
            if int(mentoring or 0) < (row.capacity or 1):
                continue  # places left: still a candidate for the next proposal
        row.status, row.matched_at = "matched", now
        if row.waitlisted_at is not None:
            name = cycle.name if cycle else "the program"
            await enqueue(
                session,
                key=f"cycle-matched:{row.id}",
                target=Target("dm", row.user_id),
                message=OutgoingMessage(
                    cards=(
                        Card(
                            title=f"You're matched · {verbatim(name)}"[:256],
                            description=(
                                f"A place opened and you're off the waitlist: you're matched in "
                                f"**{verbatim(group_name)}**. The group's ground rules follow in a moment."
                            ),
                        ),
                    )
                ),
                now=now,
                guild_id=guild_id,
            )
