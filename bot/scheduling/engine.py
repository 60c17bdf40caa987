"""The scheduling engine: periodic jobs that APScheduler wakes in the bot's event loop.

Every scheduled thing is a periodic job that reads the database to find what is due (check-ins
to plan, goals to nudge, discussions, coffee rounds, prompts, meetings, the outbox's sends,
servers to purge, old data to delete) and claims it there, so running a job twice, or in two
processes, does nothing twice, and what a restart or an outage missed is found at the next run.
Jobs live in APScheduler's memory job store (its guide recommends it when jobs are recreated at
start-up; a job store shared between processes would double or drop runs). Handlers only write
to the database (for example into the outbox); sending happens in the outbox job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.db.turns import background_work
from bot.scheduling.shards import ShardScope

log = logging.getLogger(__name__)


class SchedulingEngine:
    """Runs every feature's periodic jobs in the bot's event loop."""

    def __init__(self, scope: ShardScope | None = None) -> None:
        self.scope = scope or ShardScope()  # the servers whose jobs this process runs
        self._periodic: dict[str, tuple[float, Callable[[], Awaitable[Any]]]] = {}
        self._inflight: set[asyncio.Task[Any]] = set()
        # UTC explicitly: the default is the host's zone.
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def add_periodic(self, name: str, seconds: float, run: Callable[[], Awaitable[Any]]) -> None:
        """Run ``run`` now and then every ``seconds`` of wall-clock time."""
        self._periodic[name] = (seconds, run)
        if self._scheduler.running:
            self._schedule_periodic(name)

    @property
    def jobs(self) -> frozenset[str]:
        """Return the names of the periodic jobs."""
        return frozenset(self._periodic)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start waking the periodic jobs, each one at once (to catch up after being down)."""
        self._scheduler.start()
        for name in self._periodic:
            self._schedule_periodic(name)

    async def shutdown(self, *, grace: float = 5.0) -> None:
        """Stop waking jobs and let runs in progress commit (APScheduler would cancel them)."""
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        pending = self._inflight - {asyncio.current_task()}
        if pending:
            await asyncio.wait(pending, timeout=grace)
        self._scheduler.shutdown(wait=False)

    def run_soon(self, name: str) -> None:
        """Wake a periodic job now instead of at its next interval (e.g. after enqueuing sends)."""
        if self._scheduler.running and self._scheduler.get_job(f"periodic:{name}"):
            self._scheduler.modify_job(f"periodic:{name}", next_run_time=datetime.now(UTC))

    # -- APScheduler wiring ---------------------------------------------------------------

    def _schedule_periodic(self, name: str) -> None:
        seconds, run = self._periodic[name]
        # A late wake-up is never dropped (APScheduler's default grace is 1 s), a backlog of
        # wake-ups collapses into one run, and a job never overlaps itself.
        self._scheduler.add_job(
            self._tracked(_logged(name, run)),
            trigger=IntervalTrigger(seconds=seconds, timezone=UTC),
            id=f"periodic:{name}",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )

    def _tracked(self, run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                with background_work():  # members' commands write before scheduled work
                    return await run(*args)
            finally:
                self._inflight.discard(task)  # type: ignore[arg-type]

        return wrapper


def _logged(name: str, run: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
    async def wrapper() -> None:
        try:
            await run()
        except Exception:
            log.exception("periodic job %s failed", name)

    return wrapper
