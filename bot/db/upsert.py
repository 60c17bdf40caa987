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
    # Parameters passed beside the statement (not .values(list)) use SQLAlchemy's batched
    # "insertmanyvalues", far faster for thousands of rows; RETURNING counts the inserted rows
    # on every backend (asyncpg reports no row count for executemany).
    key = next(iter(table.primary_key.columns))
    statement = insert(table).on_conflict_do_nothing().returning(key)
    result = await session.execute(statement, values if isinstance(values, list) else [values])
    return len(result.all())
