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
from collections import Counter
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
        # Per job: runs started and finished, jobs running now, and wake-ups that came during a run.
        self._started: Counter[str] = Counter()
        self._finished: Counter[str] = Counter()
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._asked: set[str] = set()  # woken by run_soon, not started since
        self._ran = asyncio.Event()  # set whenever a run ends
        self._stopping = False
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

    @property
    def stopping(self) -> bool:
        """Return True once shutdown began: a long run (a backlog of sends) stops between steps."""
        return self._stopping

    async def shutdown(self, *, grace: float = 5.0) -> None:
        """Stop waking jobs, let runs in progress commit, then stop the ones still running.

        A run stopped mid-way loses nothing: what it claimed is taken over at the next start.
        """
        if not self._scheduler.running:
            return
        self._stopping = True
        self._scheduler.pause()
        self._ran.set()  # nothing runs any more: whoever waits in wake_all stops waiting
        pending = self._inflight - {asyncio.current_task()}
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()  # now, before the connection closes under it
            if late:
                await asyncio.wait(late)
        self._scheduler.shutdown(wait=False)

    def run_soon(self, name: str) -> None:
        """Wake a periodic job now instead of at its next interval (e.g. after enqueuing sends).

        During a run of that job it runs once more right after: the run under way may have read
        the database before what asked for the wake-up was written.
        """
        if self._stopping or not self._scheduler.running or name not in self._periodic:
            return
        self._asked.add(name)
        if name in self._running:
            self._again.add(name)
        else:
            self._scheduler.modify_job(_job_id(name), next_run_time=datetime.now(UTC))

    async def wake_all(self) -> None:
        """Wake every job now and return once each has run since, and what they woke has run too.

        For a clock that jumps: the tests move their clock and let the bot's own scheduler do
        what became due. (APScheduler wakes on the wall clock; the jobs read the services' clock.)
        A sweep that queued messages wakes the outbox: that run is waited for as well, so what a
        sweep queued is sent before this returns.
        """
        if self._stopping or not self._scheduler.running:
            return
        marks = {name: self._started[name] for name in self._periodic}
        for name in marks:
            self.run_soon(name)
        while True:
            self._ran.clear()
            if self._stopping or (
                all(self._finished[name] > mark for name, mark in marks.items())
                and not self._asked
                and not self._running
            ):
                return
            await self._ran.wait()

    # -- APScheduler wiring ---------------------------------------------------------------

    def _schedule_periodic(self, name: str) -> None:
        seconds, run = self._periodic[name]
        # A late wake-up is never dropped (APScheduler's default grace is 1 s), a backlog of
        # wake-ups collapses into one run, and a job never overlaps itself.
        self._scheduler.add_job(
            self._tracked(name, _logged(name, run)),
            trigger=IntervalTrigger(seconds=seconds, timezone=UTC),
            id=_job_id(name),
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )

    def _tracked(self, name: str, run: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        async def wrapper() -> Any:
            task = asyncio.current_task()
            assert task is not None
            self._inflight.add(task)
            self._running.add(name)
            self._asked.discard(name)
            self._started[name] += 1
            # Paused while it runs: its interval coming round would otherwise be skipped with a
            # warning ("maximum number of running instances reached"), and a wake-up dropped.
            self._scheduler.pause_job(_job_id(name))
            try:
                with background_work():  # members' commands write before scheduled work
                    return await run()
            except asyncio.CancelledError:
                if not self._stopping:
                    raise
                # Stopped by shutdown: APScheduler would log the cancellation as a failure.
                log.info("periodic job %s stopped mid-run by shutdown; the rest is done after a start", name)
                return None
            finally:
                self._inflight.discard(task)
                # The run ends for APScheduler only in its own done callback (registered first,
                # so run first): resumed before that, the job would be skipped as a second one.
                task.add_done_callback(lambda _: self._ended(name))

        return wrapper

    def _ended(self, name: str) -> None:
        self._running.discard(name)
        self._finished[name] += 1
        self._ran.set()
        if self._stopping:
            return
        if name in self._again:
            self._again.discard(name)
            self._scheduler.modify_job(_job_id(name), next_run_time=datetime.now(UTC))
        else:
            self._scheduler.resume_job(_job_id(name))  # at the next interval


def _job_id(name: str) -> str:
    return f"periodic:{name}"


def _logged(name: str, run: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
    async def wrapper() -> None:
        try:
            await run()
        except Exception:
            log.exception("periodic job %s failed", name)

    return wrapper
