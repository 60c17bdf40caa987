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
