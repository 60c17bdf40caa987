"""Which servers this process looks after, when several processes share one database.

Discord assigns a server to shard ``(guild_id >> 22) % shard_count``. A process that connects
only some shards handles only their servers' scheduled work, so N processes share the load
instead of each sweeping everything. Claims in the database still make every run and every
send happen once, even when two processes are given the same shards by mistake: the scope
divides the work, it does not guard it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, literal_column, true


@dataclass(frozen=True)
class ShardScope:
    """The shards of this process: all of them unless ``shard_ids`` names some."""

    shard_count: int = 1
    shard_ids: frozenset[int] | None = None

    @classmethod
    def of(cls, shard_count: int | None, shard_ids: list[int] | None) -> ShardScope:
        """Return the scope for ``discord.shard_count`` and ``discord.shard_ids`` as configured."""
        if shard_ids is None or shard_count is None or set(shard_ids) >= set(range(shard_count)):
            return cls()
        return cls(shard_count, frozenset(shard_ids))

    @property
    def is_everything(self) -> bool:
        """True when this process owns every server (one process, or all shards in it)."""
        return self.shard_ids is None

    def owns(self, guild_id: int | None) -> bool:
        """Return whether work for ``guild_id`` is this process's (work of no server: shard 0's)."""
        if self.shard_ids is None:
            return True
        shard = 0 if guild_id is None else (guild_id >> 22) % self.shard_count
        return shard in self.shard_ids

    def clause(self, guild_id: ColumnElement[int]) -> ColumnElement[bool]:
        """Return a SQL condition true for rows of this process's servers (``guild_id`` column)."""
        if self.shard_ids is None:
            return true()
        # Integer shift and modulo mean the same on SQLite and PostgreSQL (bigint) for ids >= 0.
        shard = guild_id.op(">>")(literal_column("22")) % self.shard_count
        owned = shard.in_(sorted(self.shard_ids))
        return (owned | guild_id.is_(None)) if 0 in self.shard_ids else owned
