"""The scheduling engine: periodic jobs that APScheduler wakes in the bot's event loop."""

import asyncio
import logging

from bot.scheduling import SchedulingEngine


async def test_a_periodic_job_runs_at_start_and_when_woken():
    engine = SchedulingEngine()
    runs = asyncio.Queue()

    async def job():
        runs.put_nowait(1)

    engine.add_periodic("job", 3600, job)
    await engine.start()
    try:
        await asyncio.wait_for(runs.get(), 10)  # at start, not an hour later
        engine.run_soon("job")
        await asyncio.wait_for(runs.get(), 10)
    finally:
        await engine.shutdown()


async def test_a_failing_job_is_logged_and_runs_again(caplog):
    engine = SchedulingEngine()
    tries = asyncio.Queue()

    async def job():
        tries.put_nowait(1)
        raise RuntimeError("the database is away")

    engine.add_periodic("flaky", 3600, job)
    await engine.start()
    try:
        await asyncio.wait_for(tries.get(), 10)
        engine.run_soon("flaky")
        await asyncio.wait_for(tries.get(), 10)
    finally:
        await engine.shutdown()
    failed = [r for r in caplog.records if r.levelno == logging.ERROR and "flaky" in r.getMessage()]
    assert len(failed) == 2 and failed[0].exc_info


async def test_shutdown_lets_a_run_in_progress_finish():
    engine = SchedulingEngine()
    started, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def job():
        started.set()
        await release.wait()
        finished.set()

    engine.add_periodic("slow", 3600, job)
    await engine.start()
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(engine.shutdown())
    await asyncio.sleep(0)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert finished.is_set()


async def test_a_job_added_after_start_runs_at_once():
    engine = SchedulingEngine()
    ran = asyncio.Event()

    async def job():
        ran.set()

    await engine.start()
    try:
        engine.add_periodic("late", 3600, job)
        await asyncio.wait_for(ran.wait(), 10)
    finally:
        await engine.shutdown()


async def test_a_wake_up_during_a_run_runs_the_job_once_more_right_after():
    # APScheduler drops a wake-up while the job runs (max_instances=1): what asked for it, e.g.
    # a command that queued a DM just after the outbox read its rows, would wait a whole interval.
    engine = SchedulingEngine()
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
        await asyncio.wait_for(inside.wait(), 10)  # the first run (at start) is under way
        engine.run_soon("outbox")
        release.set()
        await asyncio.wait_for(engine.wake_all(), 10)  # returns once the outbox ran again since
        assert len(runs) >= 2
    finally:
        await engine.shutdown()
    await engine.wake_all()  # stopped: returns at once


async def test_a_run_longer_than_its_interval_is_not_a_warning(caplog):
    engine = SchedulingEngine()
    runs = asyncio.Queue()

    async def slow():
        await asyncio.sleep(0.3)  # three intervals come round meanwhile
        runs.put_nowait(1)

    engine.add_periodic("slow", 0.1, slow)
    await engine.start()
    try:
        for _ in range(2):
            await asyncio.wait_for(runs.get(), 10)
    finally:
        await engine.shutdown()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
