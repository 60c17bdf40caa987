"""Dialect-aware "insert unless it exists", atomic on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


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


async def locked_row(session: AsyncSession, model: type[Row], key: Any, **defaults: Any) -> Row:
    """Return the row of ``model`` with primary key ``key``, locked; insert it with ``defaults`` if missing.

    Reading with FOR UPDATE and adding the row when there is none is not enough on PostgreSQL:
    there is no row to lock yet, so two units of work both add it and one fails on the key.
    (SQLite lets one writer at a time in and never sees this.) Inserting first, ignoring a
    conflict, waits for the other unit of work instead and then locks the row it made.
    """
    identity = key if isinstance(key, tuple) else (key,)
    row = await session.get(model, identity, with_for_update=True)
    if row is not None:
        return row
    mapper = inspect(model)
    values = {column.name: value for column, value in zip(mapper.primary_key, identity, strict=True)}
    await insert_ignore(session, mapper.local_table, {**values, **defaults})  # type: ignore[arg-type]
    row = await session.get(model, identity, with_for_update=True)
    assert row is not None
    return row
