"""Turns to write to SQLite: first come, first served, commands before background work."""

import asyncio

import pytest

from bot.db.turns import WriteTurns, background_work


async def take_turn(turns: WriteTurns, name: str, order: list[str], *, background: bool = False) -> None:
    async def take() -> None:
        await turns.acquire()
        order.append(name)
        await asyncio.sleep(0)
        turns.release()

    if background:
        with background_work():
            await take()
    else:
        await take()


async def test_a_waiting_command_goes_before_waiting_background_work():
    turns, order = WriteTurns(), []
    await turns.acquire()  # a unit of work in progress
    waiting = [
        asyncio.create_task(take_turn(turns, "send 1", order, background=True)),
        asyncio.create_task(take_turn(turns, "send 2", order, background=True)),
    ]
    await asyncio.sleep(0)
    waiting.append(asyncio.create_task(take_turn(turns, "command", order)))
    await asyncio.sleep(0)
    turns.release()
    await asyncio.gather(*waiting)
    assert order == ["command", "send 1", "send 2"]


async def test_a_waiter_that_gives_up_loses_no_one_their_turn():
    turns, order = WriteTurns(), []
    await turns.acquire()
    impatient = asyncio.create_task(turns.acquire())
    patient = asyncio.create_task(take_turn(turns, "patient", order))
    await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    turns.release()
    await asyncio.wait_for(patient, 1)
    assert order == ["patient"]


async def test_a_turn_handed_over_just_as_the_waiter_gives_up_is_passed_on():
    turns, order = WriteTurns(), []
    await turns.acquire()
    late = asyncio.create_task(turns.acquire())
    patient = asyncio.create_task(take_turn(turns, "patient", order))
    await asyncio.sleep(0)
    turns.release()  # hands the turn to ``late``...
    late.cancel()  # ...which gives up before it runs
    with pytest.raises(asyncio.CancelledError):
        await late
    await asyncio.wait_for(patient, 1)
    assert order == ["patient"]
    await asyncio.wait_for(turns.acquire(), 1)  # and the lock is free again afterwards
