"""discord.py's idle rate-limit buckets are still evicted, without rescanning them all per new one."""

from __future__ import annotations

import asyncio

import discord

from bot.discord.http_pacing import evict_buckets_in_batches


async def test_a_round_of_dms_to_new_channels_costs_a_few_checks_per_channel_not_all_of_them():
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    evict_buckets_in_batches(http)
    checks = 0
    original = discord.http.Ratelimit.is_inactive

    def is_inactive(bucket: discord.http.Ratelimit) -> bool:
        nonlocal checks
        checks += 1
        return original(bucket)

    discord.http.Ratelimit.is_inactive = is_inactive  # type: ignore[method-assign]
    try:
        for channel in range(5000):
            http.get_ratelimit(f"POST /channels/{channel}/messages")
    finally:
        discord.http.Ratelimit.is_inactive = original  # type: ignore[method-assign]
    assert 0 < checks <= 5 * 5000  # discord.py alone: about 12 million


async def test_buckets_idle_for_five_minutes_are_still_evicted_as_new_ones_arrive():
    loop = asyncio.get_running_loop()
    http = discord.http.HTTPClient(loop)
    evict_buckets_in_batches(http)
    for channel in range(300):
        http.get_ratelimit(f"old {channel}")._last_request = loop.time() - 301
    for channel in range(300):
        http.get_ratelimit(f"new {channel}")
    assert sorted(http._buckets) == sorted(f"new {channel}" for channel in range(300))
