"""Every request the bot makes with its token goes through the pacer, at the moment it leaves.

discord.py has no proactive global limiter, but it accepts an aiohttp trace config: aiohttp awaits
the request-start hook before it sends, and calls an end or exception hook for every request
that started. Pacing there covers everything (scheduled sends, a command's REST calls, discord.py's
own retries) at the moment it leaves, after discord.py has waited for the route's bucket, so no
slot is spent waiting on a bucket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import SimpleNamespace

import aiohttp
import discord

from bot.messaging.pacing import Pacer, Ticket


def counts_against_global_limit(headers: Mapping[str, str]) -> bool:
    """Whether Discord counts this request against the bot's global limit.

    The limit belongs to the bot token: a request without it (interaction callbacks and
    follow-ups, which carry the interaction's token, and the gateway's websocket) is exempt.
    """
    return headers.get("Authorization", "").startswith("Bot ")


async def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    """Return the exact wait a 429's body gives (aiohttp keeps the body for discord.py to read)."""
    try:
        body = json.loads(await response.read())
        return float(body["retry_after"])
    except (aiohttp.ClientError, ValueError, TypeError, KeyError):
        return None


def pacing_trace(pacer: Pacer) -> aiohttp.TraceConfig:
    """Return an aiohttp trace config that paces the bot's requests with ``pacer``."""

    async def started(_s: object, ctx: SimpleNamespace, params: aiohttp.TraceRequestStartParams) -> None:
        ctx.ticket = await pacer.acquire() if counts_against_global_limit(params.headers) else None

    async def answered(_s: object, ctx: SimpleNamespace, params: aiohttp.TraceRequestEndParams) -> None:
        _release(ctx)
        response = params.response
        if response.status == 429 and ctx.ticket is not None:
            pacer.observe(429, response.headers, await _retry_after(response))

    async def failed(_s: object, ctx: SimpleNamespace, _params: object) -> None:
        _release(ctx)

    def _release(ctx: SimpleNamespace) -> None:
        ticket: Ticket | None = getattr(ctx, "ticket", None)
        if ticket is not None:
            pacer.release(ticket)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(started)
    trace.on_request_end.append(answered)
    trace.on_request_exception.append(failed)
    return trace


def evict_buckets_in_batches(http: discord.http.HTTPClient) -> None:
    """Make discord.py's eviction of idle rate-limit buckets cost linear time, not quadratic.

    discord.py 2.7 keeps a bucket per route and channel, and once it holds 256 it scans them all
    for idle ones (unused for 5 minutes) each time a new one appears. A round of DMs opens a new
    bucket per member, so a round to 10,000 members made 50 million checks (18 s of CPU on a
    2-core machine, more than the sends cost). Scanning only after the map grew by a quarter since
    the last scan evicts the same buckets a little later, for about five checks per new bucket.
    """
    scan = http._try_clear_expired_ratelimits  # private: discord.py has no setting for it
    buckets = http._buckets
    next_scan = 256

    def evict() -> None:
        nonlocal next_scan
        if len(buckets) < next_scan:
            return
        scan()
        next_scan = max(256, len(buckets) + len(buckets) // 4)

    http._try_clear_expired_ratelimits = evict  # type: ignore[method-assign]
