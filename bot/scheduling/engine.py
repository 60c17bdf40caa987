"""The scheduling engine: the database says what is scheduled, APScheduler says when to wake.

Features declare their schedules in their own tables and expose them as a
:class:`ScheduleSource`. The engine turns each :class:`JobSpec` into an APScheduler job in the
memory job store (APScheduler's guide recommends it when jobs are recreated at start-up, and a
shared job store between processes would double or drop runs). When a job wakes, the engine
works out from the database which occurrence is due, claims it in ``job_states`` and runs the
handler in that same transaction, so a run is recorded exactly when its effects are: a crash
before the commit leaves the occurrence unclaimed and it runs after the restart; it never runs
twice. Handlers only write to the database (for example into the outbox); sending happens in
the outbox dispatcher, a periodic job.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import JobState
from bot.db.turns import background_work
from bot.db.upsert import insert_ignore
from bot.scheduling.occurrences import latest_due, next_after
from bot.scheduling.shards import ShardScope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """One schedule as a feature declares it."""

    job_id: str  # unique and stable, "<source name>:<key>"
    handler: str  # the name a feature registered with :meth:`SchedulingEngine.add_handler`
    trigger: BaseTrigger  # APScheduler computes the times, zones and DST included
    guild_id: int | None = None
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Occurrence:
    """One due run of a job, handed to its handler."""

    job_id: str
    scheduled_for: datetime
    now: datetime
    skipped: int  # earlier occurrences coalesced into this one (the bot was down)
    guild_id: int | None
    args: Mapping[str, Any]

    @property
    def lateness(self) -> timedelta:
        """Return how long after its time this occurrence runs."""
        return self.now - self.scheduled_for


Handler = Callable[[AsyncSession, Occurrence], Awaitable[None]]


class ScheduleSource(Protocol):
    """A feature's schedules, read from its own tables."""

    name: str

    async def load(self, session: AsyncSession) -> Iterable[JobSpec]:
        """Return every job the feature wants scheduled now."""
        ...


class SchedulingEngine:
    """Runs every feature's scheduled jobs in the bot's event loop."""

    def __init__(self, db: Database, clock: Clock, scope: ShardScope | None = None) -> None:
        self._db = db
        self._clock = clock
        self.scope = scope or ShardScope()  # the servers whose jobs and sweeps this process runs
        self._handlers: dict[str, Handler] = {}
        self._sources: dict[str, ScheduleSource] = {}
        self._jobs: dict[str, JobSpec] = {}
        self._owner: dict[str, str] = {}  # job id -> source name
        self._periodic: dict[str, tuple[float, Callable[[], Awaitable[Any]]]] = {}
        self._inflight: set[asyncio.Task[Any]] = set()
        # Per APScheduler job id: runs started and finished, runs in progress, and wake-ups that
        # came during a run (APScheduler drops a wake-up while a run is under way: max_instances).
        self._started: Counter[str] = Counter()
        self._finished: Counter[str] = Counter()
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._ran = asyncio.Event()  # set whenever a run ends
        self._stopping = False
        # UTC explicitly: the default is the host's zone. Each trigger carries its own zone.
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    # -- registration ---------------------------------------------------------------------

    def add_handler(self, name: str, handler: Handler) -> None:
        """Register the function that runs occurrences of jobs naming ``name``."""
        self._handlers[name] = handler

    def add_source(self, source: ScheduleSource) -> None:
        """Register a feature's schedules; they load at start and on :meth:`reload`."""
        self._sources[source.name] = source

    def add_periodic(self, name: str, seconds: float, run: Callable[[], Awaitable[Any]]) -> None:
        """Run ``run`` every ``seconds`` of wall-clock time (housekeeping such as the outbox)."""
        self._periodic[name] = (seconds, run)
        if self._scheduler.running:
            self._schedule_periodic(name)

    @property
    def jobs(self) -> Mapping[str, JobSpec]:
        """Return the jobs currently scheduled, by id."""
        return dict(self._jobs)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Load every source, catch up on occurrences missed while down, and start waking."""
        for name in self._sources:
            await self.reload(name, catch_up=False)
        self._scheduler.start()
        for name in self._periodic:
            self._schedule_periodic(name)
        self._sync_wakeups()
        await self.run_due()

    async def shutdown(self, *, grace: float = 5.0) -> None:
        """Stop waking jobs and let runs in progress commit (APScheduler would cancel them)."""
        if not self._scheduler.running:
            return
        self._stopping = True
        self._scheduler.pause()
        self._ran.set()  # nothing runs any more: whoever waits in wake_all stops waiting
        pending = self._inflight - {asyncio.current_task()}
        if pending:
            await asyncio.wait(pending, timeout=grace)
        self._scheduler.shutdown(wait=False)

    async def reload(self, source_name: str, *, catch_up: bool = True) -> None:
        """Re-read one feature's schedules after they changed."""
        source = self._sources[source_name]
        now = self._clock.now()
        async with self._db.transaction() as session:
            specs = {spec.job_id: spec for spec in await source.load(session)}
            prefix = f"{source_name}:"
            if stray := [job_id for job_id in specs if not job_id.startswith(prefix)]:
                raise ValueError(f"jobs of source {source_name!r} must have ids starting {prefix!r}: {stray}")
            # Other processes run the jobs of servers on their shards (sweeps over many servers
            # are periodic jobs that filter by ``scope`` themselves).
            specs = {job_id: spec for job_id, spec in specs.items() if self.scope.owns(spec.guild_id)}
            await insert_ignore(
                session,
                JobState.__table__,
                [{"job_id": s.job_id, "guild_id": s.guild_id, "anchor_at": now} for s in specs.values()],
            )
            # A schedule that was removed or paused forgets its state: when it comes back it
            # starts afresh instead of catching up on the time it was away.
            await session.execute(
                delete(JobState).where(
                    JobState.job_id.startswith(prefix, autoescape=True),
                    JobState.job_id.not_in(list(specs)),
                    self.scope.clause(JobState.guild_id),
                )
            )
        gone = [
            job_id for job_id, owner in self._owner.items() if owner == source_name and job_id not in specs
        ]
        for job_id in gone:
            self._jobs.pop(job_id, None)
            self._owner.pop(job_id, None)
        for job_id, spec in specs.items():
            self._jobs[job_id] = spec
            self._owner[job_id] = source_name
        if self._scheduler.running:
            self._sync_wakeups()
        if catch_up:
            for job_id in specs:
                await self.run_job(job_id)

    async def reload_all(self) -> None:
        """Re-read every feature's schedules (e.g. after a group was archived)."""
        for name in self._sources:
            await self.reload(name)

    def run_soon(self, name: str) -> None:
        """Wake a periodic job now instead of at its next interval (e.g. after enqueuing sends).

        During a run of that job it runs once more right after: the run under way may have read
        the database before what asked for the wake-up was written.
        """
        self._wake(f"periodic:{name}")

    async def wake_all(self) -> None:
        """Wake every job now and return once each has run since.

        For a clock that jumps: the tests move their clock and let the bot's own scheduler do
        what became due. (APScheduler wakes on the wall clock; the jobs read the engine's clock.)
        """
        if self._stopping or not self._scheduler.running:
            return
        marks = {job.id: self._started[job.id] for job in self._scheduler.get_jobs()}
        for job_id in marks:
            self._wake(job_id)

        def all_ran() -> bool:
            if self._stopping:
                return True
            live = {job.id for job in self._scheduler.get_jobs()}
            return all(self._finished[job_id] > mark for job_id, mark in marks.items() if job_id in live)

        while True:
            self._ran.clear()
            if all_ran():
                return
            await self._ran.wait()

    # -- running --------------------------------------------------------------------------

    async def run_due(self) -> list[Occurrence]:
        """Run every job that has an occurrence due by the clock's now; return what ran."""
        ran = []
        for job_id in list(self._jobs):
            occurrence = await self.run_job(job_id)
            if occurrence is not None:
                ran.append(occurrence)
        return ran

    async def run_job(self, job_id: str) -> Occurrence | None:
        """Claim and run the latest due occurrence of one job, if there is one."""
        spec = self._jobs.get(job_id)
        if spec is None:
            return None
        handler = self._handlers.get(spec.handler)
        if handler is None:
            log.error("job %s names unknown handler %r", job_id, spec.handler)
            return None
        now = self._clock.now()
        try:
            async with self._db.transaction() as session:
                state = await session.get(JobState, job_id, with_for_update=True)
                if state is None:  # a job this process loaded but another removed
                    return None
                due = latest_due(spec.trigger, last=state.last_occurrence_at, anchor=state.anchor_at, now=now)
                if due is None:
                    return None
                state.last_occurrence_at = due.scheduled_for
                state.last_run_at = now
                occurrence = Occurrence(
                    job_id=job_id,
                    scheduled_for=due.scheduled_for,
                    now=now,
                    skipped=due.skipped,
                    guild_id=spec.guild_id,
                    args=spec.args,
                )
                await handler(session, occurrence)
        except Exception:
            # Rolled back as a whole: the occurrence stays unclaimed and runs at the next wake.
            log.exception("job %s failed; it will be retried", job_id)
            return None
        log.debug("job %s ran for %s", job_id, occurrence.scheduled_for.isoformat())
        return occurrence

    def next_run(self, job_id: str, *, after: datetime | None = None) -> datetime | None:
        """Return a job's next occurrence after ``after`` (default: now)."""
        spec = self._jobs.get(job_id)
        return next_after(spec.trigger, after or self._clock.now()) if spec else None

    # -- APScheduler wiring ---------------------------------------------------------------

    def _sync_wakeups(self) -> None:
        for job in self._scheduler.get_jobs():
            if not job.id.startswith("periodic:") and job.id not in self._jobs:
                job.remove()
        for job_id, spec in self._jobs.items():
            # Lateness is decided by the handler from the occurrence, so APScheduler must
            # never drop a late wake-up (its default grace is 1 s); a backlog of wake-ups
            # collapses into one run, which finds the latest due occurrence itself.
            self._scheduler.add_job(
                self._tracked(job_id, self.run_job),
                trigger=spec.trigger,
                args=[job_id],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
            )

    def _schedule_periodic(self, name: str) -> None:
        seconds, run = self._periodic[name]
        self._scheduler.add_job(
            self._tracked(f"periodic:{name}", _logged(name, run)),
            trigger=IntervalTrigger(seconds=seconds, timezone=UTC),
            id=f"periodic:{name}",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )

    def _wake(self, job_id: str) -> None:
        """Run an APScheduler job now, or once more right after the run under way."""
        if self._stopping or not self._scheduler.running or self._scheduler.get_job(job_id) is None:
            return
        if job_id in self._running:
            self._again.add(job_id)
        else:
            self._scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    def _tracked(self, job_id: str, run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            self._running.add(job_id)
            self._started[job_id] += 1
            try:
                with background_work():  # members' commands write before scheduled work
                    return await run(*args)
            finally:
                self._inflight.discard(task)  # type: ignore[arg-type]
                if task is None:
                    self._ended(job_id)
                else:
                    # The run ends for APScheduler only in its own done callback (registered
                    # first, so run first): a wake-up before that would be dropped.
                    task.add_done_callback(lambda _: self._ended(job_id))

        return wrapper

    def _ended(self, job_id: str) -> None:
        self._running.discard(job_id)
        self._finished[job_id] += 1
        if job_id in self._again:
            self._again.discard(job_id)
            self._wake(job_id)
        self._ran.set()


def _logged(name: str, run: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
    async def wrapper() -> None:
        try:
            await run()
        except Exception:
            log.exception("periodic job %s failed", name)

    return wrapper
