"""The pacer keeps the bot under Discord's global limit: a sliding one-second window, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord.http_pacing import counts_against_global_limit
from bot.messaging.pacing import Pacer, process_share


class FakeTime:
    """A monotonic clock that moves only when the pacer sleeps (or the test moves it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wakes = self.now + max(0.0, seconds)
        await asyncio.sleep(0)  # others run first; time never goes back for them
        self.now = max(self.now, wakes)


def pacer(limit: int, time: FakeTime) -> Pacer:
    return Pacer(limit, clock=time, sleep=time.sleep)


async def send_all(pacer: Pacer, time: FakeTime, count: int, *, round_trip: float = 0.0) -> list[float]:
    """Make ``count`` requests side by side; each answer takes ``round_trip``; return when each left."""
    left: list[float] = []

    async def request() -> None:
        ticket = await pacer.acquire()
        left.append(time())
        if round_trip:
            await time.sleep(round_trip)
        pacer.release(ticket)

    await asyncio.gather(*(request() for _ in range(count)))
    return sorted(left)


def busiest_second(moments: list[float]) -> int:
    """The most moments in any one-second window (moments one second apart are in different ones)."""
    return max(sum(1 for m in moments if start <= m < start + 1.0) for start in moments)


async def test_no_second_holds_more_requests_than_the_limit():
    time = FakeTime()
    left = await send_all(pacer(50, time), time, 500)
    assert busiest_second(left) == 50


async def test_a_quiet_window_lets_a_burst_through_at_once_instead_of_spacing_it():
    time = FakeTime()
    burst = pacer(50, time)
    left = await send_all(burst, time, 50)
    assert left == [0.0] * 50  # all 50 of the first second go now, not one every 20 ms
    assert burst.waited == 0.0


async def test_a_slot_frees_a_second_after_its_answer_arrived_not_after_it_left():
    # Discord may count a request any time before its answer: a slow answer holds its slot longer.
    time = FakeTime()
    slow = pacer(2, time)
    first, second = await slow.acquire(), await slow.acquire()
    third = asyncio.create_task(slow.acquire())
    await asyncio.sleep(0)
    assert not third.done()  # both slots wait for their answers
    time.now = 0.3
    slow.release(first)
    await third
    assert time() == pytest.approx(1.3)
    slow.release(second)


async def test_a_slow_round_trip_lowers_the_rate_but_never_overfills_a_window():
    time = FakeTime()
    left = await send_all(pacer(10, time), time, 60, round_trip=0.25)
    assert busiest_second(left) == 10


async def test_a_global_429_holds_every_request_for_its_retry_after():
    time = FakeTime()
    limited = pacer(50, time)
    limited.observe(429, {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global", "Retry-After": "2"})
    await limited.acquire()
    assert time() == 2.0
    assert limited.waited == 2.0  # what the benchmark reports: how long the limit held the bot back


async def test_the_exact_wait_in_the_answer_body_wins_over_the_rounded_up_header():
    time = FakeTime()
    limited = pacer(50, time)
    limited.observe(429, {"X-RateLimit-Scope": "global", "Retry-After": "1"}, retry_after=0.661)
    await limited.acquire()
    assert time() == pytest.approx(0.661)


@pytest.mark.parametrize("scope", ["user", "shared"])
async def test_a_route_429_leaves_other_requests_alone(scope):
    # discord.py waits on that route's bucket itself; the rest of the bot carries on.
    time = FakeTime()
    limited = pacer(50, time)
    limited.observe(429, {"X-RateLimit-Scope": scope, "Retry-After": "5", "X-RateLimit-Remaining": "0"})
    await limited.acquire()
    assert time() == 0.0


@pytest.mark.parametrize(
    ("shard_count", "processes"),
    [
        (None, [None]),
        (2, [[0], [1]]),
        (3, [[0], [1], [2]]),
        (4, [[0, 1], [2], [3]]),
        (8, [[0, 1, 2], [3, 4, 5, 6, 7]]),
    ],
)
def test_processes_sharing_a_token_never_add_up_to_more_than_the_limit(shard_count, processes):
    shares = [process_share(50, shard_count, ids) for ids in processes]
    assert sum(shares) <= 50
    assert sum(shares) >= 50 - len(processes)  # only rounding is lost


async def test_two_processes_sending_at_once_stay_within_discords_limit_together():
    time = FakeTime()
    first, second = (pacer(process_share(50, 2, [i]), time) for i in (0, 1))
    both = await asyncio.gather(send_all(first, time, 200), send_all(second, time, 200))
    assert busiest_second(sorted(both[0] + both[1])) <= 50


def test_only_requests_made_with_the_bot_token_count_against_the_global_limit():
    assert counts_against_global_limit({"Authorization": "Bot abc.def"})
    # An interaction's callback and follow-ups carry the interaction's token, not the bot's.
    assert not counts_against_global_limit({"Content-Type": "application/json"})
