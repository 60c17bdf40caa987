"""A proactive request pacer: discord.py only reacts after a 429, we stay under the limit."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """Spaces calls evenly at ``per_second``; concurrent callers queue for their slot."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the caller may make its request."""
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)
