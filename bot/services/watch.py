"""What the bot could not see while it was down: when this process last watched its servers.

A message in a group's home reaches the bot only while it is connected. After an outage a group
that talked all through it looked quiet, and the rescue nudged it as "quiet for N days". So each
process notes every few minutes (and as it stops) that it is watching. At its next start, the
time since that note is the time it was away; the homes' latest messages, which Discord lists
when a shard connects, tell who wrote meanwhile (see ``cogs/guilds.py``).

The note is written only once every shard of the process has caught up: a process stopped
before that (in its first second, say) leaves the earlier note, and its next start looks back
over the whole time again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import WatchRecord
from bot.db.upsert import locked_row
from bot.scheduling.engine import SchedulingEngine
from bot.scheduling.shards import ShardScope

NOTE_EVERY = timedelta(minutes=5)


class Watch:
    """The time this process was away, and the shards that have caught up since it started."""

    def __init__(self, db: Database, clock: Clock, scheduler: SchedulingEngine) -> None:
        self._db = db
        self._clock = clock
        self._scope = scheduler.scope
        self._away: tuple[datetime, datetime] | None = None
        self._shard_count: int | None = None
        self._caught_up: set[int] = set()
        scheduler.add_periodic("watch", NOTE_EVERY.total_seconds(), self.note)

    def _keys(self) -> list[str]:
        if self._scope.shard_ids is None:
            return ["all"]
        return [f"{self._scope.shard_count}:{shard}" for shard in sorted(self._scope.shard_ids)]

    async def begin(self) -> None:
        """At start, before connecting: find since when this process's servers went unwatched.

        With no note of its own (the shards were divided differently before), the oldest note
        of any process stands in: looking back too far only finds messages already counted.
        The first start of all has no note, and nothing to look back over.
        """
        started = self._clock.now()
        async with self._db.reading() as session:
            notes = dict((await session.execute(select(WatchRecord.scope, WatchRecord.seen_at))).all())
        own = [notes[key] for key in self._keys() if key in notes]
        since = min(own) if own else min(notes.values(), default=None)
        self._away = (since, started) if since is not None and since < started else None

    def away(self) -> tuple[datetime, datetime] | None:
        """Return (last watched, this start) if this process was away before it started."""
        return self._away

    def caught_up(self, shard_id: int, shard_count: int) -> None:
        """Record that a shard's messages from while the bot was away have been counted."""
        self._shard_count = shard_count
        self._caught_up.add(shard_id)

    def watched(self) -> ShardScope | None:
        """Return the servers whose quiet is known: after time away, those of shards caught up.

        None while no shard has caught up yet. With no time away to look back over (the first
        start, or the first since this was built), every server of the process.
        """
        if self._away is None:
            return self._scope
        if not self._caught_up or self._shard_count is None:
            return None
        return ShardScope.of(self._shard_count, sorted(self._caught_up))

    def _all_caught_up(self) -> bool:
        if self._shard_count is None:
            return False
        wanted = self._scope.shard_ids or frozenset(range(self._shard_count))
        return wanted <= self._caught_up

    async def note(self) -> None:
        """Note that this process is watching its servers (periodic, and as it stops)."""
        if not self._all_caught_up():
            return
        now = self._clock.now()
        async with self._db.transaction() as session:
            for key in self._keys():
                row = await locked_row(session, WatchRecord, key, seen_at=now)
                row.seen_at = max(row.seen_at, now)
