import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, text

from bot.db.models import JobState
from bot.scheduling import JobSpec, SchedulingEngine
from bot.scheduling.occurrences import latest_due, next_after


class Source:
    """A feature's schedules, editable by the test."""

    name = "demo"

    def __init__(self, *specs: JobSpec) -> None:
        self.specs = list(specs)

    async def load(self, session):
        return list(self.specs)


class Recorder:
    """A handler that writes what it did, in the engine's transaction."""

    def __init__(self, fail_times: int = 0) -> None:
        self.runs = []
        self.fail_times = fail_times

    async def __call__(self, session, occurrence):
        await session.execute(
            text("INSERT INTO dm_channels (user_id, channel_id) VALUES (:u, :c)"),
            {"u": len(self.runs) + 1000 * (self.fail_times + 1), "c": 1},
        )
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("handler failed")
        self.runs.append(occurrence)


def nine_am(zone: str) -> CronTrigger:
    return CronTrigger(hour=9, minute=0, timezone=ZoneInfo(zone))


def make_engine(db, clock, source, recorder) -> SchedulingEngine:
    engine = SchedulingEngine(db, clock)
    engine.add_handler("record", recorder)
    engine.add_source(source)
    return engine


async def test_each_occurrence_runs_once_at_local_time(db, clock):
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    recorder = Recorder()
    source = Source(JobSpec("demo:tokyo", "record", nine_am("Asia/Tokyo")))
    engine = make_engine(db, clock, source, recorder)
    await engine.reload("demo")

    assert await engine.run_due() == []  # 09:00 Tokyo today was before the job existed
    clock.set(datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # 09:00 in Tokyo
    await engine.run_due()
    await engine.run_due()

    assert [r.scheduled_for for r in recorder.runs] == [datetime(2026, 11, 24, 0, 0, tzinfo=UTC)]


async def test_local_time_survives_daylight_saving_change(db, clock):
    denver = ZoneInfo("America/Denver")
    clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    recorder = Recorder()
    engine = make_engine(
        db, clock, Source(JobSpec("demo:denver", "record", nine_am("America/Denver"))), recorder
    )
    await engine.reload("demo")
    for day in (31, 1, 2):  # DST ends in Denver on 1 November 2026
        month = 10 if day == 31 else 11
        clock.set(datetime(2026, month, day, 9, 0, tzinfo=denver))
        await engine.run_due()
    assert [r.scheduled_for.astimezone(denver).hour for r in recorder.runs] == [9, 9, 9]
    assert [r.scheduled_for.hour for r in recorder.runs] == [15, 16, 16]  # in UTC


async def test_a_restart_never_runs_an_occurrence_twice(db, clock):
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    spec = JobSpec("demo:utc", "record", nine_am("UTC"))
    first = Recorder()
    await make_engine(db, clock, Source(spec), first).reload("demo")
    clock.set(datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC))
    engine = make_engine(db, clock, Source(spec), first)
    await engine.reload("demo")  # catches up
    assert len(first.runs) == 1

    second = Recorder()  # a new process on the same database
    restarted = make_engine(db, clock, Source(spec), second)
    await restarted.reload("demo")
    await restarted.run_due()
    assert second.runs == []


async def test_downtime_is_coalesced_into_the_latest_occurrence(db, clock):
    clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    spec = JobSpec("demo:daily", "record", nine_am("UTC"))
    recorder = Recorder()
    await make_engine(db, clock, Source(spec), recorder).reload("demo")

    clock.set(datetime(2026, 11, 23, 10, 30, tzinfo=UTC))  # down for three days
    engine = make_engine(db, clock, Source(spec), recorder)
    await engine.reload("demo")

    [run] = recorder.runs
    assert run.scheduled_for == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert run.skipped == 3
    assert run.lateness == timedelta(hours=1, minutes=30)


async def test_a_failed_run_is_rolled_back_and_retried(db, clock):
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    recorder = Recorder(fail_times=1)
    engine = make_engine(db, clock, Source(JobSpec("demo:x", "record", nine_am("UTC"))), recorder)
    await engine.reload("demo")
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    assert await engine.run_due() == []
    async with db.transaction() as session:
        state = await session.get(JobState, "demo:x")
        assert state.last_occurrence_at is None  # the claim was rolled back with the handler's writes
        assert (await session.execute(text("SELECT count(*) FROM dm_channels"))).scalar() == 0

    [retried] = await engine.run_due()
    assert retried.scheduled_for == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_removed_schedules_stop_and_forget_their_state(db, clock):
    source = Source(JobSpec("demo:a", "record", nine_am("UTC")), JobSpec("demo:b", "record", nine_am("UTC")))
    recorder = Recorder()
    engine = make_engine(db, clock, source, recorder)
    await engine.reload("demo")
    source.specs = source.specs[:1]
    await engine.reload("demo")

    assert set(engine.jobs) == {"demo:a"}
    async with db.transaction() as session:
        assert (await session.scalars(select(JobState.job_id))).all() == ["demo:a"]
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert [o.job_id for o in await engine.run_due()] == ["demo:a"]


async def test_job_ids_must_carry_their_source_name(db, clock):
    engine = make_engine(db, clock, Source(JobSpec("other:x", "record", nine_am("UTC"))), Recorder())
    with pytest.raises(ValueError, match="demo:"):
        await engine.reload("demo")


async def test_engine_starts_and_stops_apscheduler_cleanly(db, clock):
    recorder = Recorder()
    engine = make_engine(db, clock, Source(JobSpec("demo:x", "record", nine_am("UTC"))), recorder)
    ticks = []

    async def tick():
        ticks.append(1)

    engine.add_periodic("tick", 3600, tick)
    await engine.start()
    assert engine.next_run("demo:x") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    await engine.shutdown()
    assert ticks == [] or ticks == [1]


def test_next_after_is_strict():
    trigger = nine_am("UTC")
    at_nine = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert next_after(trigger, at_nine) == at_nine + timedelta(days=1)
    assert next_after(trigger, at_nine - timedelta(seconds=1)) == at_nine


def test_interval_occurrences_follow_their_anchor():
    anchor = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    trigger = IntervalTrigger(weeks=3, start_date=anchor, timezone=UTC)
    due = latest_due(trigger, last=None, anchor=anchor, now=datetime(2026, 11, 30, tzinfo=UTC))
    assert due.scheduled_for == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert due.skipped == 1


def test_a_long_outage_of_a_frequent_job_is_found_quickly():
    anchor = datetime(2026, 1, 1, tzinfo=UTC)
    trigger = IntervalTrigger(minutes=1, start_date=anchor, timezone=UTC)
    now = datetime(2026, 3, 1, 0, 0, 30, tzinfo=UTC)
    due = latest_due(trigger, last=anchor, anchor=anchor, now=now)
    assert due.scheduled_for == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert due.skipped > 2_000


async def test_a_wake_up_during_a_run_runs_the_job_once_more_right_after(db, clock):
    # APScheduler drops a wake-up while the job runs (max_instances=1): what asked for it, e.g.
    # a command that queued a DM just after the outbox read its rows, would wait a whole interval.
    engine = make_engine(db, clock, Source(), Recorder())
    inside, release = asyncio.Event(), asyncio.Event()
    runs = []

    async def dispatch():
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            inside.set()
            await release.wait()

    engine.add_periodic("outbox", 3600, dispatch)
    await engine.start()
    try:
        await inside.wait()  # the first run (at start) is under way
        engine.run_soon("outbox")
        release.set()
        await engine.wake_all()  # returns once the outbox ran again since
        assert len(runs) >= 2
    finally:
        await engine.shutdown()


async def test_wake_all_runs_what_the_moved_clock_made_due_and_waits_for_it(db, clock):
    recorder = Recorder()
    engine = make_engine(db, clock, Source(JobSpec("demo:x", "record", nine_am("UTC"))), recorder)
    await engine.start()
    try:
        await engine.wake_all()
        assert recorder.runs == []  # 08:00: nothing due yet
        clock.set(datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC))
        await engine.wake_all()
        assert [o.scheduled_for for o in recorder.runs] == [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    finally:
        await engine.shutdown()
    await engine.wake_all()  # stopped: returns at once


async def test_wake_all_right_after_a_run_ended_never_waits_for_the_next_interval(db, clock):
    # A run has ended for the engine a moment before APScheduler counts it as ended: a wake-up in
    # between would be dropped as a second instance and wait a whole interval (an hour here).
    engine = make_engine(db, clock, Source(), Recorder())
    runs = []

    async def sweep():
        runs.append(1)

    engine.add_periodic("sweep", 3600, sweep)
    await engine.start()
    try:
        for _ in range(10):
            await asyncio.wait_for(engine.wake_all(), 10)
        assert len(runs) >= 10
    finally:
        await engine.shutdown()
