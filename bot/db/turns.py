"""Turns to write to SQLite: members' commands go before background work.

SQLite lets one unit of work write at a time and makes the others poll for its lock, so under
steady background traffic (a round being planned and sent) a member's command could lose that
race for seconds. Units of work of this process instead queue here: first come, first served,
except that a waiting command goes before waiting background work (scheduled jobs and sends),
so it waits at most for the one unit in progress. Another process on the same file still meets
SQLite's busy timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import deque
from collections.abc import Iterator

_background = contextvars.ContextVar("background_work", default=False)


@contextlib.contextmanager
def background_work() -> Iterator[None]:
    """Mark the units of work opened in this block (and tasks it starts) as background work."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


class WriteTurns:
    """A lock with two queues: waiting foreground work gets it before waiting background work."""

    def __init__(self) -> None:
        self._held = False
        self._foreground: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        """Wait for the turn (cancellable, e.g. by a timeout, without losing anyone's turn)."""
        if not self._held:
            self._held = True
            return
        queue = self._background if _background.get() else self._foreground
        turn = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # the turn came just as we gave up: pass it on
            else:
                with contextlib.suppress(ValueError):  # already passed over by release()
                    queue.remove(turn)
            raise

    def release(self) -> None:
        """End the turn: hand it to the first waiting command, else to the first background unit."""
        for queue in (self._foreground, self._background):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # still held: it passes straight to the next
                    return
        self._held = False
