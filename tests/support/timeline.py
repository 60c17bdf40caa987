"""Time in a test: only the test's clock moves it, and the bot's own scheduler does what falls due.

APScheduler wakes the bot's jobs on the wall clock, while the jobs read the bot's clock. When a
test moves its clock, :class:`Timeline` wakes every job of the running bot's scheduler (the same
path as an ordinary wake-up: APScheduler runs them in the bot's loop) and waits until the bot
has finished what became due: passes of every job until one pass made no request to Discord.
Nothing waits a fixed time.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.runtime import BotRunner
from tests.fake_discord import FakeDiscord
from tests.support.clock import FakeClock

# A bot that keeps sending pass after pass is stuck in a loop: say so instead of hanging.
MAX_PASSES = 12
# A pass bounded only to fail clearly instead of hanging (a job stuck on a lock, say).
PASS_LIMIT = 60.0


class Timeline:
    """The test's clock and the running bot's scheduler, moved together."""

    def __init__(self, clock: FakeClock, fake: FakeDiscord, runner: BotRunner) -> None:
        self.clock = clock
        self.fake = fake
        self.runner = runner

    def now(self) -> datetime:
        """Return the test's now."""
        return self.clock.now()

    async def settle(self) -> None:
        """Let the bot do everything due by now (sweeps, sends and what those cause)."""
        assert self.runner.services is not None, "the bot is not running"
        scheduler = self.runner.services.scheduler
        for passes in range(1, MAX_PASSES + 1):
            before = self._changes()
            try:
                await asyncio.wait_for(scheduler.wake_all(), PASS_LIMIT)
            except TimeoutError:
                raise AssertionError(f"the scheduled jobs did not all run within {PASS_LIMIT} s") from None
            # Two passes at least: a sweep may queue a message just after the outbox looked.
            if passes >= 2 and self._changes() == before:
                return
        raise AssertionError(f"the bot was still busy after {MAX_PASSES} passes of its scheduler")

    async def advance(self, **delta: float) -> datetime:
        """Move the clock forward (``days=1``, ``hours=2``…) and let the bot catch up."""
        now = self.clock.advance(**delta)
        await self.settle()
        return now

    async def to(self, moment: datetime) -> datetime:
        """Move the clock to ``moment`` (never backwards) and let the bot catch up."""
        assert moment >= self.clock.now(), f"time only moves forward ({moment} < {self.clock.now()})"
        self.clock.set(moment)
        await self.settle()
        return self.clock.now()

    def _changes(self) -> int:
        """Count the requests that could change what people see (reads change nothing)."""
        return sum(1 for request in self.fake.requests if request.method != "GET")
