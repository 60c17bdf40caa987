"""Dialect-aware "insert unless it exists", atomic on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignore(
    session: AsyncSession, table: Table, values: list[dict[str, Any]] | dict[str, Any]
) -> int:
    """Insert rows, skipping those whose unique key already exists; return how many were inserted."""
    if not values:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(insert(table).values(values).on_conflict_do_nothing())
    return result.rowcount or 0
