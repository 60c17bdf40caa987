"""A proactive pacer for Discord's global limit: discord.py only reacts after a 429, we stay under it.

Discord counts at most 50 requests per bot token in any one second, as a sliding window (its
rate limits moved from fixed to sliding windows in 2022): a fixed 48/s spacing wastes 4 % of the
budget and still earns a 429 when network jitter bunches two requests up. The pacer keeps its own
sliding window instead, and frees a slot one window after the request's *answer* arrived rather
than after it left: Discord counted the request somewhere between the two moments, so the window
holds however late the request reached Discord, at the cost of one round trip per slot.

Discord says nothing about the global limit until it is exceeded (success answers carry only
the route's bucket headers, which discord.py paces on itself); a global 429 (``X-RateLimit-Global``
or ``X-RateLimit-Scope: global``) holds every request until its ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Awaitable, Callable, Mapping

#: Discord's global limit per bot token, requests per second.
DISCORD_GLOBAL_LIMIT = 50


def process_share(limit: int, shard_count: int | None, shard_ids: list[int] | None) -> int:
    """Return how many of ``limit`` requests per second this process may make.

    Several processes share one token. They split the budget by their share of the shards, fixed
    by the shard config every process already has: Discord spreads servers over shards by id, so
    each process's work (and its sends) is in proportion to its shards, and shares that never add
    up to more than ``limit`` need no coordination and cannot drift. A shared lease in the
    database would let one busy process borrow an idle one's share, but costs a round trip to the
    database per request and trusts every machine's clock to the millisecond; rounding down keeps
    the sum under the limit (3 processes of 50: 16 each).
    """
    if shard_count is None or shard_ids is None:
        return limit
    return max(1, math.floor(limit * len(set(shard_ids)) / shard_count))


class Ticket:
    """One request's slot in the window, from when it leaves until its answer arrives."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False


class Pacer:
    """At most ``limit`` requests in any ``window`` seconds; callers queue in arrival order."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0  # requests sent whose answer has not arrived: they hold their slot
        self._frees_at: collections.deque[float] = collections.deque()  # answered: slot frees then
        self._held_until = 0.0
        self._answered = asyncio.Event()
        self._queue = asyncio.Lock()
        self.waited = 0.0  # seconds callers spent waiting for a slot (or a hold), all together

    async def acquire(self) -> Ticket:
        """Wait for a free slot and take it; pass the ticket to :meth:`release` once answered."""
        asked = self._clock()
        async with self._queue:
            while True:
                now = self._clock()
                while self._frees_at and self._frees_at[0] <= now:
                    self._frees_at.popleft()
                if now < self._held_until:
                    await self._sleep(self._held_until - now)
                elif self._in_flight + len(self._frees_at) < self.limit:
                    break
                elif self._frees_at:  # answered slots free in order: the first one soonest
                    await self._sleep(self._frees_at[0] - now)
                else:  # every slot waits for its answer (a slow Discord): one is enough
                    self._answered.clear()
                    await self._answered.wait()
            self._in_flight += 1
            self.waited += self._clock() - asked
            return Ticket()

    def release(self, ticket: Ticket) -> None:
        """Mark the request answered (or failed): its slot frees one window from now."""
        if ticket.done:
            return
        ticket.done = True
        self._in_flight -= 1
        self._frees_at.append(self._clock() + self._window)
        self._answered.set()

    def hold(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (Discord's global limit said so)."""
        self._held_until = max(self._held_until, self._clock() + seconds)

    def observe(self, status: int, headers: Mapping[str, str], retry_after: float | None = None) -> None:
        """Learn from an answer: a global 429 holds everyone until Discord's limit has room again.

        ``retry_after`` is the answer body's exact wait; the ``Retry-After`` header is Discord's
        whole seconds, rounded up, used when the body said nothing.
        """
        if status != 429:
            return
        is_global = (
            headers.get("X-RateLimit-Global", "").lower() == "true"
            or headers.get("X-RateLimit-Scope", "").lower() == "global"
        )
        if not is_global:
            return  # a route's bucket: discord.py waits on that bucket alone
        if retry_after is None:
            try:
                retry_after = float(headers.get("Retry-After", "1"))
            except ValueError:
                retry_after = 1.0
        self.hold(retry_after)
