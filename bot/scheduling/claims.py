"""Claiming a day's run of a feature's own schedule row, so two sweeps (or processes) never both run it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import inspect, or_, update
from sqlalchemy.ext.asyncio import AsyncSession


async def claim_day(session: AsyncSession, row: Any, day: date) -> bool:
    """Write ``day`` into the row's ``last_day`` unless another sweep already did; return whether we won.

    The row's model needs a ``last_day`` column. The update is conditional, so of two units of work
    claiming the same day exactly one sees a row changed (SQLite: one writer; PostgreSQL: the row lock).
    """
    model = type(row)
    mapper = inspect(model)
    same_row = [
        column == getattr(row, mapper.get_property_by_column(column).key) for column in mapper.primary_key
    ]
    result = await session.execute(
        update(model)
        .where(*same_row, or_(model.last_day.is_(None), model.last_day != day))
        .values(last_day=day)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)
