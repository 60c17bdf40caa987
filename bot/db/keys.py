"""Working with the data keys over a whole database: check they fit, re-encrypt with the newest."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Column, Table, and_, select, tuple_, type_coerce, update

from bot.db.base import Base
from bot.db.encryption import KEYS_ENV, DataKeyError, EncryptedJSON, EncryptedText, is_encrypted, ring_of
from bot.db.engine import Database

BATCH = 500


@dataclass(frozen=True)
class EncryptedColumn:
    """A column whose values may be stored encrypted."""

    table: Table
    column: Column

    @property
    def name(self) -> str:
        """Return ``table.column``."""
        return f"{self.table.name}.{self.column.name}"


def encrypted_columns() -> Iterator[EncryptedColumn]:
    """Yield every column of the schema stored with an encrypting type."""
    import bot.db.models  # noqa: F401 - the whole schema

    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText | EncryptedJSON):
                yield EncryptedColumn(table, column)


async def check_readable(db: Database) -> None:
    """Raise DataKeyError, naming the fix, when encrypted values cannot be read with the keys.

    One sample per column (the newest row holding ciphertext) is decrypted: enough to catch a
    missing, mistyped or dropped key before any member meets the error.
    """
    async with db.engine.connect() as connection:
        for found in encrypted_columns():
            pk = list(found.table.primary_key.columns)
            # Read what is stored, bypassing the decrypting type.
            query = (
                select(type_coerce(found.column, found.column.type.impl))
                .where(found.column.is_not(None))
                .order_by(*(c.desc() for c in pk))
                .limit(200)
            )
            values = (await connection.execute(query)).scalars().all()
            sample = next((v for v in values if is_encrypted(v)), None)
            if sample is None:
                continue
            ring = ring_of(db.engine.dialect)
            if ring is None:
                raise DataKeyError(
                    f"The database holds encrypted data ({found.name}) but no data key is configured: "
                    f"set {KEYS_ENV} (or privacy.data_keys) to the keys it was written with."
                )
            ring.decrypt(sample)


async def rotate(db: Database) -> dict[str, int]:
    """Rewrite every encrypted column's values with the newest key (clear ones get encrypted too).

    Values are read through the column type (which decrypts with any configured key) and
    written back through it (which encrypts with the newest), in batches, each in its own
    transaction; running it again is harmless. Then the old values are scrubbed from the files
    (the WAL checkpointed, or the tables vacuumed). Return how many values each column rewrote.
    """
    if ring_of(db.engine.dialect) is None:
        raise DataKeyError(f"No data key is configured: set {KEYS_ENV} (newest key first) and run again.")
    done: dict[str, int] = {}
    for found in encrypted_columns():
        table, column = found.table, found.column
        pk = list(table.primary_key.columns)
        after: tuple | None = None
        count = 0
        while True:
            query = select(*pk, column).where(column.is_not(None)).order_by(*pk).limit(BATCH)
            if after is not None:
                query = query.where(tuple_(*pk) > tuple_(*after))
            async with db.transaction() as session:
                rows = (await session.execute(query)).all()
                for row in rows:
                    key = tuple(row[: len(pk)])
                    await session.execute(
                        update(table)
                        .where(and_(*(c == v for c, v in zip(pk, key, strict=True))))
                        .values({column.name: row[-1]})
                    )
            count += len(rows)
            if len(rows) < BATCH:
                break
            after = tuple(rows[-1][: len(pk)])
        done[found.name] = count
    # The values as they were (in clear, or under an old key) must not stay in the files.
    await db.scrub({found.table.name for found in encrypted_columns() if done[found.name]})
    return done
